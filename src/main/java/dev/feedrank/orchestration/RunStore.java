package dev.feedrank.orchestration;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Where the runner records runs and stage executions (implemented over PostgreSQL). */
public interface RunStore {

    long createRun(String pipeline, Trigger trigger, String dataset, String configSnapshot, RunStatus status, String note);

    void markRunning(long runId, String owner);

    void heartbeat(long runId);

    /**
     * One execution of a run under the pipeline lease: the lease's {@code token} was handed out by the acquisition
     * that started this execution; a later acquisition (another process resuming the run) has a higher token.
     */
    record Fence(String pipeline, long runId, long token) {
    }

    /** Starts a new attempt of a stage under the fence (its token is recorded); returns the stage execution's id. */
    long startStage(Fence fence, String stage);

    /** {@link #startStage(Fence, String)} recording the executor the attempt runs on ({@link StageExecutor#name()}). */
    long startStage(Fence fence, String stage, String executor);

    /** A stage attempt's row as executors and workers see it. */
    record AttemptRow(long id, long runId, String stage, int attempt, String status, Long fencingToken, String executor,
                      String worker, Long workerPid, String jobName) {
    }

    Optional<AttemptRow> attempt(long stageExecutionId);

    Optional<AttemptRow> attempt(long runId, String stage, int attempt);

    /** The run's attempts still RUNNING (an execution's current one; a detached worker's after it ended), oldest first. */
    List<AttemptRow> runningAttempts(long runId);

    /** The JVM executing the attempt ({@code host:pid}); written by the worker when it starts. */
    void attemptWorker(long stageExecutionId, String worker, long pid);

    /** The Kubernetes Job executing the attempt (kubernetes executor), for re-attaching after a restart. */
    void attemptJob(long stageExecutionId, String jobName);

    /**
     * Moves a RUNNING attempt to a new execution's fencing token: a resumed run re-attaching to a worker that still
     * runs (a Kubernetes Job) adopts it, and the worker's fence checks (which read the token from its row) follow.
     */
    void refenceAttempt(long stageExecutionId, long fencingToken);

    /** Records a remote worker's result on its attempt's row (unfenced, its own row; the status is the runner's). */
    void attemptResult(long stageExecutionId, AttemptResult result);

    Optional<AttemptResult> attemptResult(long stageExecutionId);

    /**
     * Ends a stage attempt as SUCCEEDED, in one transaction with a check of the attempt's fencing token against the
     * lease: a superseded execution's success is refused with {@link FencedException}.
     */
    void finishStage(long stageExecutionId, Map<String, String> outputs);

    void failStage(long stageExecutionId, String error, Map<String, String> outputs);

    void stageProgress(long stageExecutionId, String progress);

    /**
     * Records what a stage attempt consumed ({@link StageCost}) on its row; written by the runner when the attempt
     * ends, before its status. Not fenced: a superseded attempt still records its own cost on its own row (which ends
     * FAILED). Idempotent.
     */
    void stageCost(long stageExecutionId, StageCost cost);

    void metric(long runId, String stage, String subject, String name, double value, String split, Integer epoch);

    /** A metric with its 95% interval (bootstrap over users). */
    default void metric(long runId, String stage, String subject, String name, double value, String split, Integer epoch,
                        Double ciLow, Double ciHigh) {
        metric(runId, stage, subject, name, value, split, epoch);
    }

    void finishRun(long runId, RunStatus status, String outcome, String modelVersion, String error);

    /** Ends the run only while the fence holds (no newer lease holder); false (nothing written) otherwise. */
    boolean finishRun(Fence fence, RunStatus status, String outcome, String modelVersion, String error);

    /**
     * Marks RUNNING (and QUEUED) runs whose heartbeat is older than the instant as FAILED with reason interrupted;
     * returns their ids. The rows are locked ({@code FOR UPDATE SKIP LOCKED}) and the stale condition re-checked, so
     * a run whose heartbeat or status changes meanwhile is left alone, and two reapers never reap the same run twice.
     */
    List<Long> interruptStaleRuns(Instant heartbeatBefore);

    /** What resuming needs of a stored run. */
    record StoredRun(long id, String status, String dataset, String configSnapshot, String error, Instant heartbeatAt) {
    }

    Optional<StoredRun> find(long runId);

    /** The outputs of every stage whose latest attempt SUCCEEDED, by stage name. */
    Map<String, Map<String, String>> completedStages(long runId);

    /** A failed or cancelled run goes back to QUEUED for a resume (error and stop request cleared, resume count + 1). */
    void markResumed(long runId);

    /** Ends a stage attempt as CANCELLED. */
    void cancelStage(long stageExecutionId, String error, Map<String, String> outputs);

    /** A run that will not execute (the pipeline is busy): SKIPPED with the reason. */
    void markSkipped(long runId, String note);

    /**
     * Takes the pipeline's lease for a run unless it is held and unexpired (by another run, or by the same run in
     * another process). Each acquisition increments the lease's fencing token and returns it; empty when refused.
     */
    java.util.OptionalLong tryAcquireLease(String pipeline, long runId, String holder, int ttlSeconds);

    /** Extends the lease; false when the fence no longer holds it (a newer acquisition, or released). */
    boolean renewLease(Fence fence, int ttlSeconds);

    /** Frees the lease if the fence still holds it (a superseded execution never frees its successor's lease). */
    void releaseLease(Fence fence);

    /**
     * Throws {@link FencedException} when a newer holder took the lease since the fence's acquisition. Joins the
     * caller's transaction when there is one, locking the lease row until it ends: a write in that transaction (an
     * alias move) cannot interleave with a new acquisition.
     */
    void assertFence(Fence fence);

    /** The run holding an unexpired lease on the pipeline, if any. */
    Optional<Long> leaseHolder(String pipeline);

    /** Asks a run to stop (cancel / replace / shutdown / timeout); its owner sees it with its heartbeat. */
    void requestStop(long runId, String reason, String by);

    /** The stop asked of a run, if any, and by whom ({@code reason} or {@code reason by}). */
    Optional<String[]> stopRequest(long runId);

    void recordCacheHit(long runId, boolean hit);

    /**
     * The pipeline's latest run if it ended FAILED {@code interrupted} (a stop at SIGTERM, or reaped) after
     * {@code since}: what a restarted replica continues with {@code runs.resume-interrupted}.
     */
    Optional<Long> latestInterruptedRun(String pipeline, Instant since);

    /** Schedule control shared by all replicas. */
    record ScheduleState(boolean suspended, Instant changedAt, String changedBy, String reason) {
    }

    Optional<ScheduleState> scheduleState(String pipeline);

    void setScheduleSuspended(String pipeline, boolean suspended, String by, String reason);

    /** Claims a cron tick for this replica; false when another replica already claimed the same tick. */
    boolean claimTick(String pipeline, Instant fireTime, String by);

    void tickRun(String pipeline, Instant fireTime, long runId);
}
