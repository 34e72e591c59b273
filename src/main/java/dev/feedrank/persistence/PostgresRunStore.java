package dev.feedrank.persistence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.orchestration.RunStatus;
import dev.feedrank.orchestration.RunStore;
import dev.feedrank.orchestration.Trigger;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Map;

/** {@link RunStore} over PostgreSQL; every call is its own transaction, so each transition is visible at once. */
@ApplicationScoped
public class PostgresRunStore implements RunStore {

    private final ObjectMapper json;

    public PostgresRunStore(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public long createRun(Trigger trigger, String dataset, String configSnapshot, RunStatus status, String note) {
        return QuarkusTransaction.requiringNew().call(() -> {
            PipelineRunEntity run = new PipelineRunEntity();
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
        QuarkusTransaction.requiringNew().run(() -> {
            PipelineRunEntity run = PipelineRunEntity.findById(runId);
            run.status = RunStatus.RUNNING.name();
            run.owner = owner;
            run.startedAt = Instant.now();
            run.heartbeatAt = run.startedAt;
        });
    }

    @Override
    public void heartbeat(long runId) {
        QuarkusTransaction.requiringNew().run(() ->
                PipelineRunEntity.update("heartbeatAt = ?1 where id = ?2 and status = 'RUNNING'", Instant.now(), runId));
    }

    @Override
    public long startStage(long runId, String stage) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Integer last = StageExecutionEntity.getEntityManager()
                    .createQuery("select max(s.attempt) from StageExecutionEntity s where s.runId = ?1 and s.stage = ?2", Integer.class)
                    .setParameter(1, runId).setParameter(2, stage).getSingleResult();
            StageExecutionEntity e = new StageExecutionEntity();
            e.runId = runId;
            e.stage = stage;
            e.attempt = last == null ? 1 : last + 1;
            e.status = "RUNNING";
            e.startedAt = Instant.now();
            e.persist();
            return e.id;
        });
    }

    @Override
    public void finishStage(long id, Map<String, String> outputs) {
        end(id, "SUCCEEDED", null, outputs);
    }

    @Override
    public void failStage(long id, String error, Map<String, String> outputs) {
        end(id, "FAILED", error, outputs);
    }

    private void end(long id, String status, String error, Map<String, String> outputs) {
        QuarkusTransaction.requiringNew().run(() -> {
            StageExecutionEntity e = StageExecutionEntity.findById(id);
            e.status = status;
            e.error = error;
            e.finishedAt = Instant.now();
            e.durationMs = e.finishedAt.toEpochMilli() - e.startedAt.toEpochMilli();
            e.outputs = toJson(outputs);
        });
    }

    @Override
    public void stageProgress(long id, String progress) {
        QuarkusTransaction.requiringNew().run(() ->
                StageExecutionEntity.update("progress = ?1 where id = ?2", progress, id));
    }

    @Override
    public void metric(long runId, String stage, String subject, String name, double value, String split, Integer epoch) {
        QuarkusTransaction.requiringNew().run(() -> {
            RunMetricEntity m = new RunMetricEntity();
            m.runId = runId;
            m.stage = stage;
            m.subject = subject;
            m.name = name;
            m.value = value;
            m.split = split;
            m.epoch = epoch;
            m.persist();
        });
    }

    @Override
    public void finishRun(long runId, RunStatus status, String outcome, String modelVersion, String error) {
        QuarkusTransaction.requiringNew().run(() -> {
            PipelineRunEntity run = PipelineRunEntity.findById(runId);
            run.status = status.name();
            run.outcome = outcome;
            run.modelVersion = modelVersion;
            run.error = error;
            run.finishedAt = Instant.now();
        });
    }

    @Override
    public int interruptStaleRuns(Instant heartbeatBefore) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now();
            StageExecutionEntity.update("status = 'FAILED', error = 'interrupted', finishedAt = ?1 "
                    + "where status = 'RUNNING' and runId in (select r.id from PipelineRunEntity r where r.status = 'RUNNING' "
                    + "and (r.heartbeatAt is null or r.heartbeatAt < ?2))", now, heartbeatBefore);
            int n = PipelineRunEntity.update("status = 'FAILED', error = 'interrupted', finishedAt = ?1 "
                    + "where status = 'RUNNING' and (heartbeatAt is null or heartbeatAt < ?2)", now, heartbeatBefore);
            // a QUEUED run whose process died before it started is interrupted too
            n += PipelineRunEntity.update("status = 'FAILED', error = 'interrupted', finishedAt = ?1 "
                    + "where status = 'QUEUED' and createdAt < ?2", now, heartbeatBefore);
            return n;
        });
    }

    private String toJson(Map<String, String> outputs) {
        try {
            return outputs == null ? null : json.writeValueAsString(outputs);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
