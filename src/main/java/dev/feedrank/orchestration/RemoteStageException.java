package dev.feedrank.orchestration;

/**
 * A stage attempt that failed in a worker (another JVM or a Kubernetes Job): its recorded error, and whether it is
 * worth another attempt ({@link TransientErrors} honours the flag). A worker that died without a result (killed,
 * out of memory, node lost) is transient: the retry resumes from the last checkpoint.
 */
public class RemoteStageException extends Exception {

    private final boolean transientFailure;

    public RemoteStageException(String message, boolean transientFailure) {
        super(message);
        this.transientFailure = transientFailure;
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
