package dev.feedrank.orchestration;

/**
 * One attempt of a stage as an executor sees it: its row ({@code stage_execution.id}), its number (the worker's
 * command line is {@code stage RUN_ID STAGE ATTEMPT}), the fencing token it runs under and its timeout (0: none).
 */
public record StageAttempt(long runId, String pipeline, String stage, int attempt, long stageExecutionId,
                           long fencingToken, long timeoutSeconds) {

    /** The worker's arguments after the program: {@code stage RUN_ID STAGE ATTEMPT}. */
    public java.util.List<String> workerArguments() {
        return java.util.List.of("stage", Long.toString(runId), stage, Integer.toString(attempt));
    }
}
