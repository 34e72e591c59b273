package dev.feedrank.orchestration;

/**
 * Thrown by an executor whose worker goes on without this orchestrator (a Kubernetes Job when this process shuts
 * down or loses the pipeline lease): the run stops here, but the attempt's row stays RUNNING so that the next
 * execution of the run re-attaches to the worker ({@link StageExecutor#reattach}) instead of starting it again.
 */
public class DetachedAttemptException extends RemoteStageException {

    public DetachedAttemptException(String message) {
        super(message, false);
    }
}
