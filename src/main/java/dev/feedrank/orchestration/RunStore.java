package dev.feedrank.orchestration;

import java.time.Instant;
import java.util.Map;

/** Where the runner records runs and stage executions (implemented over PostgreSQL). */
public interface RunStore {

    long createRun(Trigger trigger, String dataset, String configSnapshot, RunStatus status, String note);

    void markRunning(long runId, String owner);

    void heartbeat(long runId);

    /** Starts a new attempt of a stage; returns the stage execution's id. */
    long startStage(long runId, String stage);

    void finishStage(long stageExecutionId, Map<String, String> outputs);

    void failStage(long stageExecutionId, String error, Map<String, String> outputs);

    void stageProgress(long stageExecutionId, String progress);

    void metric(long runId, String stage, String subject, String name, double value, String split, Integer epoch);

    void finishRun(long runId, RunStatus status, String outcome, String modelVersion, String error);

    /** Marks RUNNING runs whose heartbeat is older than the instant as FAILED with reason interrupted. */
    int interruptStaleRuns(Instant heartbeatBefore);
}
