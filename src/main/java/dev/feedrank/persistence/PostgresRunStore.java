package dev.feedrank.persistence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.orchestration.FencedException;
import dev.feedrank.errors.NonRetryable;
import dev.feedrank.orchestration.RunStatus;
import dev.feedrank.orchestration.RunStore;
import dev.feedrank.orchestration.TransientErrors;
import dev.feedrank.orchestration.Trigger;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/** {@link RunStore} over PostgreSQL; every call is its own transaction, so each transition is visible at once. */
@ApplicationScoped
public class PostgresRunStore implements RunStore {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(PostgresRunStore.class);

    private final ObjectMapper json;

    public PostgresRunStore(ObjectMapper json) {
        this.json = json;
    }

    /** A bookkeeping call that failed after the store's own retries: the stage attempt must not retry it again. */
    static final class BookkeepingException extends RuntimeException implements NonRetryable {
        BookkeepingException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A failure inside the transaction's work, before commit: the transaction was rolled back, nothing was written. */
    private static final class BeforeCommit extends RuntimeException {
        BeforeCommit(RuntimeException cause) {
            super(cause);
        }
    }

    private static final long[] BACKOFF_MS = {250, 1000, 2000, 4000};

    /**
     * The one retry policy of bookkeeping. Each call is its own transaction; a transient database error (connection
     * dropped, backend terminated, database restarting) is retried on a fresh connection only when repeating the call
     * cannot write twice: the call is idempotent (an update to fixed values, a conditional insert), or it failed
     * before commit (rolled back for sure, as when the database ended a session left idle inside its transaction by a
     * stalled process). A non-idempotent insert whose commit failed (it may have committed) is
     * never repeated. A transient error left after this is a {@link BookkeepingException} ({@link NonRetryable}), so
     * the stage attempt loop does not multiply these attempts by its own.
     */
    private static <T> T inTx(boolean idempotent, java.util.concurrent.Callable<T> work) {
        for (int attempt = 0; ; attempt++) {
            RuntimeException failure;
            boolean beforeCommit = false;
            try {
                return QuarkusTransaction.requiringNew().call(() -> {
                    try {
                        return work.call();
                    } catch (RuntimeException e) {
                        throw new BeforeCommit(e);
                    }
                });
            } catch (RuntimeException e) {
                failure = e;
                for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                    if (t instanceof BeforeCommit b) {
                        failure = (RuntimeException) b.getCause();
                        beforeCommit = true;
                        break;
                    }
                }
            }
            if (!TransientErrors.isTransient(failure)) throw failure;
            // a session the database ended while it sat idle in the transaction never sent its commit
            beforeCommit |= TransientErrors.endedIdleInTransaction(failure);
            if (attempt >= BACKOFF_MS.length || !(idempotent || beforeCommit)) {
                throw new BookkeepingException("database call failed" + (idempotent || beforeCommit ? " after " + (attempt + 1)
                        + " attempts" : " at commit (not repeated: it may have been written)") + ": " + failure.getMessage(), failure);
            }
            LOG.warnf("database call failed (%s); retrying in %d ms", failure.getMessage(), BACKOFF_MS[attempt]);
            try {
                Thread.sleep(BACKOFF_MS[attempt]);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw failure;
            }
        }
    }

    /** An idempotent call (safe to repeat whatever happened to an earlier try). */
    private static <T> T inTx(java.util.concurrent.Callable<T> work) {
        return inTx(true, work);
    }

    private static void inTxRun(Runnable work) {
        inTx(() -> {
            work.run();
            return null;
        });
    }

    /** A non-idempotent call (an insert, an increment): repeated only when it failed before commit. */
    private static <T> T insertTx(java.util.concurrent.Callable<T> work) {
        return inTx(false, work);
    }

    @Override
    public long createRun(String pipeline, Trigger trigger, String dataset, String configSnapshot, RunStatus status, String note) {
        return insertTx(() -> {
            PipelineRunEntity run = new PipelineRunEntity();
            run.pipeline = pipeline;
            run.trigger = trigger.dbValue();
            run.status = status.name();
            run.dataset = dataset;
            run.configSnapshot = configSnapshot;
            run.createdAt = Instant.now();
            if (status == RunStatus.SKIPPED) {
                run.error = note;
                run.finishedAt = run.createdAt;
            }
            run.persist();
            return run.id;
        });
    }

    @Override
    public void markRunning(long runId, String owner) {
        inTxRun(() -> {
            PipelineRunEntity run = PipelineRunEntity.findById(runId);
            run.status = RunStatus.RUNNING.name();
            run.owner = owner;
            run.startedAt = Instant.now();
            run.heartbeatAt = run.startedAt;
        });
    }

    @Override
    public void heartbeat(long runId) {
        inTxRun(() ->
                PipelineRunEntity.update("heartbeatAt = ?1 where id = ?2 and status in ('RUNNING', 'QUEUED')", Instant.now(), runId));
    }

    @Override
    public long startStage(Fence fence, String stage) {
        return startStage(fence, stage, null);
    }

    @Override
    public long startStage(Fence fence, String stage, String executor) {
        long runId = fence.runId();
        return insertTx(() -> {
            Integer last = StageExecutionEntity.getEntityManager()
                    .createQuery("select max(s.attempt) from StageExecutionEntity s where s.runId = ?1 and s.stage = ?2", Integer.class)
                    .setParameter(1, runId).setParameter(2, stage).getSingleResult();
            StageExecutionEntity e = new StageExecutionEntity();
            e.runId = runId;
            e.fencingToken = fence.token();
            e.stage = stage;
            e.attempt = last == null ? 1 : last + 1;
            e.status = "RUNNING";
            e.startedAt = Instant.now();
            e.executor = executor;
            e.persist();
            return e.id;
        });
    }

    @Override
    public Optional<AttemptRow> attempt(long id) {
        return inTx(() -> Optional.ofNullable(StageExecutionEntity.<StageExecutionEntity>findById(id)).map(PostgresRunStore::row));
    }

    @Override
    public Optional<AttemptRow> attempt(long runId, String stage, int attempt) {
        return inTx(() -> StageExecutionEntity.<StageExecutionEntity>find("runId = ?1 and stage = ?2 and attempt = ?3",
                runId, stage, attempt).firstResultOptional().map(PostgresRunStore::row));
    }

    @Override
    public List<AttemptRow> runningAttempts(long runId) {
        return inTx(() -> StageExecutionEntity.<StageExecutionEntity>find("runId = ?1 and status = 'RUNNING' order by id",
                runId).stream().map(PostgresRunStore::row).toList());
    }

    private static AttemptRow row(StageExecutionEntity e) {
        return new AttemptRow(e.id, e.runId, e.stage, e.attempt, e.status, e.fencingToken, e.executor, e.worker, e.workerPid, e.jobName);
    }

    @Override
    public void attemptWorker(long id, String worker, long pid) {
        inTxRun(() -> StageExecutionEntity.update("worker = ?1, workerPid = ?2 where id = ?3", worker, pid, id));
    }

    @Override
    public void attemptJob(long id, String jobName) {
        inTxRun(() -> StageExecutionEntity.update("jobName = ?1 where id = ?2", jobName, id));
    }

    @Override
    public void refenceAttempt(long id, long fencingToken) {
        inTxRun(() -> StageExecutionEntity.update("fencingToken = ?1 where id = ?2 and status = 'RUNNING'", fencingToken, id));
    }

    @Override
    public void attemptResult(long id, dev.feedrank.orchestration.AttemptResult result) {
        String text;
        try {
            text = json.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        inTxRun(() -> StageExecutionEntity.update("result = ?1 where id = ?2", text, id));
    }

    @Override
    public Optional<dev.feedrank.orchestration.AttemptResult> attemptResult(long id) {
        String text = inTx(() -> {
            StageExecutionEntity e = StageExecutionEntity.findById(id);
            return e == null ? null : e.result;
        });
        if (text == null) return Optional.empty();
        try {
            return Optional.of(json.readValue(text, dev.feedrank.orchestration.AttemptResult.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stage attempt " + id + " has an unreadable result: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public void finishStage(long id, Map<String, String> outputs) {
        inTxRun(() -> {
            StageExecutionEntity e = StageExecutionEntity.findById(id);
            if (e.fencingToken != null) {
                String pipeline = PipelineRunEntity.<PipelineRunEntity>findById(e.runId).pipeline;
                long current = lockedToken(pipeline);
                if (current != e.fencingToken) {
                    throw new FencedException("stage " + e.stage + " of run " + e.runId + " ran under fencing token "
                            + e.fencingToken + " but the pipeline lease was taken since (token " + current
                            + "); its success is not recorded");
                }
            }
            endEntity(e, "SUCCEEDED", null, outputs);
        });
    }

    /** The lease's current fencing token, the row locked (shared) until the transaction ends; 0 without a lease row. */
    private static long lockedToken(String pipeline) {
        List<?> rows = PipelineRunEntity.getEntityManager().createNativeQuery(
                "select fencing_token from pipeline_lease where pipeline = ?1 for share")
                .setParameter(1, pipeline).getResultList();
        return rows.isEmpty() ? 0 : ((Number) rows.get(0)).longValue();
    }

    @Override
    public void assertFence(Fence fence) {
        // joins the caller's transaction (the lock then lasts until its commit), or runs in one of its own
        QuarkusTransaction.joiningExisting().run(() -> {
            long current = lockedToken(fence.pipeline());
            if (current != fence.token()) {
                throw new FencedException("run " + fence.runId() + ": this execution (fencing token " + fence.token()
                        + ") was superseded by a newer holder of the pipeline lease (token " + current + "); write refused");
            }
        });
    }

    @Override
    public void failStage(long id, String error, Map<String, String> outputs) {
        end(id, "FAILED", error, outputs);
    }

    private void end(long id, String status, String error, Map<String, String> outputs) {
        inTxRun(() -> endEntity(StageExecutionEntity.findById(id), status, error, outputs));
    }

    private void endEntity(StageExecutionEntity e, String status, String error, Map<String, String> outputs) {
        e.status = status;
        e.error = error;
        e.finishedAt = Instant.now();
        e.durationMs = e.finishedAt.toEpochMilli() - e.startedAt.toEpochMilli();
        e.outputs = toJson(outputs);
    }

    @Override
    public void stageCost(long id, dev.feedrank.orchestration.StageCost cost) {
        inTxRun(() -> StageExecutionEntity.update(
                "cpuMs = ?1, peakRssBytes = ?2, peakHeapBytes = ?3, samplesPerSecond = ?4 where id = ?5",
                cost.cpuMs(), cost.peakRssBytes(), cost.peakHeapBytes(), cost.samplesPerSecond(), id));
    }

    @Override
    public void stageProgress(long id, String progress) {
        inTxRun(() ->
                StageExecutionEntity.update("progress = ?1 where id = ?2", progress, id));
    }

    @Override
    public void metric(long runId, String stage, String subject, String name, double value, String split, Integer epoch) {
        metric(runId, stage, subject, name, value, split, epoch, null, null);
    }

    @Override
    public void metric(long runId, String stage, String subject, String name, double value, String split, Integer epoch,
                       Double ciLow, Double ciHigh) {
        insertTx(() -> {
            RunMetricEntity m = new RunMetricEntity();
            m.runId = runId;
            m.stage = stage;
            m.subject = subject;
            m.name = name;
            m.value = value;
            m.split = split;
            m.epoch = epoch;
            m.ciLow = ciLow;
            m.ciHigh = ciHigh;
            m.persist();
            return null;
        });
    }

    @Override
    public void finishRun(long runId, RunStatus status, String outcome, String modelVersion, String error) {
        inTxRun(() -> finishEntity(PipelineRunEntity.findById(runId), status, outcome, modelVersion, error));
    }

    private static void finishEntity(PipelineRunEntity run, RunStatus status, String outcome, String modelVersion, String error) {
        run.status = status.name();
        run.outcome = outcome;
        run.modelVersion = modelVersion;
        run.error = error;
        run.finishedAt = Instant.now();
    }

    @Override
    public boolean finishRun(Fence fence, RunStatus status, String outcome, String modelVersion, String error) {
        return inTx(() -> {
            if (lockedToken(fence.pipeline()) != fence.token()) return false;
            finishEntity(PipelineRunEntity.findById(fence.runId()), status, outcome, modelVersion, error);
            return true;
        });
    }

    @Override
    public List<Long> interruptStaleRuns(Instant heartbeatBefore) {
        return inTx(() -> {
            Instant now = Instant.now();
            // lock the stale rows, skipping rows another transaction holds (a heartbeat, a resume, another reaper);
            // the condition is evaluated again on the locked row, so a heartbeat committed meanwhile keeps it alive
            @SuppressWarnings("unchecked")
            List<Number> stale = PipelineRunEntity.getEntityManager().createNativeQuery(
                    "select id from pipeline_run where status in ('RUNNING', 'QUEUED') "
                            + "and coalesce(heartbeat_at, created_at) < ?1 order by id for update skip locked")
                    .setParameter(1, java.time.OffsetDateTime.ofInstant(heartbeatBefore, java.time.ZoneOffset.UTC))
                    .getResultList();
            List<Long> ids = new ArrayList<>();
            for (Number n : stale) {
                long id = n.longValue();
                // a Kubernetes Job outlives its orchestrator: its attempt stays RUNNING (its worker goes on) until a
                // resume re-attaches to it or closes it (KubernetesStageExecutor.reattach)
                StageExecutionEntity.update("status = 'FAILED', error = 'interrupted', finishedAt = ?1 "
                        + "where status = 'RUNNING' and runId = ?2 and (executor is null or executor <> 'kubernetes')", now, id);
                PipelineRunEntity.update("status = 'FAILED', error = 'interrupted', finishedAt = ?1 where id = ?2", now, id);
                ids.add(id);
            }
            return ids;
        });
    }

    @Override
    public Optional<StoredRun> find(long runId) {
        return inTx(() -> PipelineRunEntity.<PipelineRunEntity>findByIdOptional(runId)
                .map(r -> new StoredRun(r.id, r.status, r.dataset, r.configSnapshot, r.error, r.heartbeatAt)));
    }

    @Override
    public Map<String, Map<String, String>> completedStages(long runId) {
        return inTx(() -> {
            Map<String, StageExecutionEntity> latest = new LinkedHashMap<>();
            for (StageExecutionEntity e : StageExecutionEntity.<StageExecutionEntity>list("runId = ?1 order by attempt", runId)) {
                latest.put(e.stage, e);
            }
            Map<String, Map<String, String>> out = new LinkedHashMap<>();
            latest.forEach((stage, e) -> {
                if ("SUCCEEDED".equals(e.status)) out.put(stage, fromJson(e.outputs));
            });
            return out;
        });
    }

    @Override
    public void markResumed(long runId) {
        insertTx(() -> PipelineRunEntity.update("status = 'QUEUED', error = null, "
                + "finishedAt = null, stopRequested = null, stopRequestedBy = null, heartbeatAt = ?1, "
                + "resumeCount = resumeCount + 1 where id = ?2", Instant.now(), runId));
    }

    @Override
    public void cancelStage(long id, String error, Map<String, String> outputs) {
        end(id, "CANCELLED", error, outputs);
    }

    @Override
    public void markSkipped(long runId, String note) {
        inTxRun(() -> PipelineRunEntity.update(
                "status = 'SKIPPED', error = ?1, finishedAt = ?2 where id = ?3", note, Instant.now(), runId));
    }

    @Override
    public java.util.OptionalLong tryAcquireLease(String pipeline, long runId, String holder, int ttlSeconds) {
        // repeating it is safe: the same run and holder take the lease again (a new token, nothing ran under the old)
        List<?> rows = inTx(() -> PipelineRunEntity.getEntityManager().createNativeQuery(
                "insert into pipeline_lease (pipeline, run_id, holder, acquired_at, expires_at, fencing_token) "
                        + "values (?1, ?2, ?3, now(), now() + make_interval(secs => ?4), 1) "
                        + "on conflict (pipeline) do update set run_id = excluded.run_id, holder = excluded.holder, "
                        + "acquired_at = excluded.acquired_at, expires_at = excluded.expires_at, "
                        + "fencing_token = pipeline_lease.fencing_token + 1 "
                        + "where pipeline_lease.run_id is null or pipeline_lease.expires_at < now() "
                        + "or (pipeline_lease.run_id = excluded.run_id and pipeline_lease.holder = excluded.holder) "
                        + "returning fencing_token")
                .setParameter(1, pipeline).setParameter(2, runId).setParameter(3, holder).setParameter(4, (double) ttlSeconds)
                .getResultList());
        return rows.isEmpty() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(((Number) rows.get(0)).longValue());
    }

    @Override
    public boolean renewLease(Fence fence, int ttlSeconds) {
        return inTx(() -> PipelineRunEntity.getEntityManager().createNativeQuery(
                "update pipeline_lease set expires_at = now() + make_interval(secs => ?1) "
                        + "where pipeline = ?2 and run_id = ?3 and fencing_token = ?4")
                .setParameter(1, (double) ttlSeconds).setParameter(2, fence.pipeline()).setParameter(3, fence.runId())
                .setParameter(4, fence.token()).executeUpdate() == 1);
    }

    @Override
    public void releaseLease(Fence fence) {
        inTxRun(() -> PipelineRunEntity.getEntityManager().createNativeQuery(
                "update pipeline_lease set run_id = null, holder = null, expires_at = now() "
                        + "where pipeline = ?1 and run_id = ?2 and fencing_token = ?3")
                .setParameter(1, fence.pipeline()).setParameter(2, fence.runId()).setParameter(3, fence.token()).executeUpdate());
    }

    @Override
    public Optional<Long> leaseHolder(String pipeline) {
        return inTx(() -> {
            List<?> rows = PipelineRunEntity.getEntityManager().createNativeQuery(
                    "select run_id from pipeline_lease where pipeline = ?1 and run_id is not null and expires_at >= now()")
                    .setParameter(1, pipeline).getResultList();
            return rows.isEmpty() || rows.get(0) == null ? Optional.<Long>empty() : Optional.of(((Number) rows.get(0)).longValue());
        });
    }

    @Override
    public void requestStop(long runId, String reason, String by) {
        inTxRun(() -> PipelineRunEntity.update(
                "stopRequested = ?1, stopRequestedBy = ?2 where id = ?3 and stopRequested is null", reason, by, runId));
    }

    @Override
    public Optional<String[]> stopRequest(long runId) {
        return inTx(() -> PipelineRunEntity.<PipelineRunEntity>findByIdOptional(runId)
                .filter(r -> r.stopRequested != null)
                .map(r -> new String[] {r.stopRequested, r.stopRequestedBy}));
    }

    @Override
    public void recordCacheHit(long runId, boolean hit) {
        inTxRun(() -> PipelineRunEntity.update("cacheHit = ?1 where id = ?2", hit, runId));
    }

    @Override
    public Optional<Long> latestInterruptedRun(String pipeline, Instant since) {
        return inTx(() -> PipelineRunEntity.<PipelineRunEntity>find("pipeline = ?1 and status <> 'SKIPPED' order by id desc", pipeline)
                .firstResultOptional()
                .filter(r -> "FAILED".equals(r.status) && r.error != null && r.error.startsWith("interrupted")
                        && r.finishedAt != null && r.finishedAt.isAfter(since))
                .map(r -> r.id));
    }

    @Override
    public Optional<ScheduleState> scheduleState(String pipeline) {
        return inTx(() -> {
            List<?> rows = PipelineRunEntity.getEntityManager().createNativeQuery(
                    "select suspended, changed_at, changed_by, reason from schedule_state where pipeline = ?1")
                    .setParameter(1, pipeline).getResultList();
            if (rows.isEmpty()) return Optional.<ScheduleState>empty();
            Object[] r = (Object[]) rows.get(0);
            return Optional.of(new ScheduleState((Boolean) r[0], toInstant(r[1]), (String) r[2], (String) r[3]));
        });
    }

    private static Instant toInstant(Object o) {
        if (o instanceof Instant i) return i;
        if (o instanceof java.time.OffsetDateTime odt) return odt.toInstant();
        if (o instanceof java.sql.Timestamp ts) return ts.toInstant();
        return o == null ? null : Instant.parse(o.toString());
    }

    @Override
    public void setScheduleSuspended(String pipeline, boolean suspended, String by, String reason) {
        inTxRun(() -> PipelineRunEntity.getEntityManager().createNativeQuery(
                "insert into schedule_state (pipeline, suspended, changed_at, changed_by, reason) values (?1, ?2, now(), ?3, ?4) "
                        + "on conflict (pipeline) do update set suspended = excluded.suspended, changed_at = excluded.changed_at, "
                        + "changed_by = excluded.changed_by, reason = excluded.reason")
                .setParameter(1, pipeline).setParameter(2, suspended).setParameter(3, by).setParameter(4, reason).executeUpdate());
    }

    @Override
    public boolean claimTick(String pipeline, Instant fireTime, String by) {
        return insertTx(() -> PipelineRunEntity.getEntityManager().createNativeQuery(
                "insert into schedule_tick (pipeline, fire_time, claimed_by) values (?1, ?2, ?3) on conflict do nothing")
                .setParameter(1, pipeline).setParameter(2, java.time.OffsetDateTime.ofInstant(fireTime, java.time.ZoneOffset.UTC))
                .setParameter(3, by).executeUpdate() == 1);
    }

    @Override
    public void tickRun(String pipeline, Instant fireTime, long runId) {
        inTxRun(() -> PipelineRunEntity.getEntityManager().createNativeQuery(
                "update schedule_tick set run_id = ?1 where pipeline = ?2 and fire_time = ?3")
                .setParameter(1, runId).setParameter(2, pipeline)
                .setParameter(3, java.time.OffsetDateTime.ofInstant(fireTime, java.time.ZoneOffset.UTC)).executeUpdate());
    }

    private Map<String, String> fromJson(String text) {
        if (text == null || text.isBlank()) return Map.of();
        try {
            return json.readValue(text, new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable stage outputs: " + text, e);
        }
    }

    private String toJson(Map<String, String> outputs) {
        try {
            return outputs == null ? null : json.writeValueAsString(outputs);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
