package dev.feedrank.orchestration;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a remote worker reports of its attempt, on the attempt's row ({@code stage_execution.result}, JSON): how it
 * ended, its outputs (artifact name to object key), the run's outcome and model version when the stage decided them
 * (export), the training throughput, and for a failure its error and whether it is transient; for a stop, the reason
 * and who asked.
 */
public record AttemptResult(String status, Map<String, String> outputs, String outcome, String modelVersion,
                            Double samplesPerSecond, String error, boolean transientFailure, String stopReason,
                            String stoppedBy) {

    public static final String SUCCEEDED = "SUCCEEDED";
    public static final String FAILED = "FAILED";
    public static final String STOPPED = "STOPPED";

    public AttemptResult {
        outputs = outputs == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(outputs));
    }

    public static AttemptResult succeeded(Map<String, String> outputs, String outcome, String modelVersion, Double samplesPerSecond) {
        return new AttemptResult(SUCCEEDED, outputs, outcome, modelVersion, samplesPerSecond, null, false, null, null);
    }

    public static AttemptResult failed(Map<String, String> outputs, Double samplesPerSecond, String error, boolean transientFailure) {
        return new AttemptResult(FAILED, outputs, null, null, samplesPerSecond, error, transientFailure, null, null);
    }

    public static AttemptResult stopped(Map<String, String> outputs, Double samplesPerSecond, String error, String reason, String by) {
        return new AttemptResult(STOPPED, outputs, null, null, samplesPerSecond, error, false, reason, by);
    }

    /**
     * Applies the result to the runner's context: outputs and throughput always (a failed attempt's partial outputs,
     * e.g. its checkpoint, are recorded too); a stop is passed to {@code control}; returns normally only on success,
     * else throws the failure.
     */
    public void applyTo(StageContext ctx, RunControl control) throws RemoteStageException {
        outputs.forEach(ctx::artifact);
        if (samplesPerSecond != null) ctx.recordThroughput(samplesPerSecond);
        switch (status) {
            case SUCCEEDED -> {
                if (outcome != null || modelVersion != null) ctx.outcome(outcome, modelVersion);
            }
            case STOPPED -> {
                control.stop(stopReason == null ? RunControl.SHUTDOWN : stopReason, stoppedBy == null ? "feedrank" : stoppedBy);
                throw new RemoteStageException(error == null ? "stopped" : error, false);
            }
            default -> throw new RemoteStageException(error == null ? "failed" : error, transientFailure);
        }
    }
}
