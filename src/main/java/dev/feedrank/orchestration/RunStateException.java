package dev.feedrank.orchestration;

/** A run operation that the run's state does not allow (resume a succeeded run, cancel a finished one ...). */
public class RunStateException extends RuntimeException {

    private final boolean notFound;

    public RunStateException(String message, boolean notFound) {
        super(message);
        this.notFound = notFound;
    }

    public boolean notFound() {
        return notFound;
    }
}
