package dev.feedrank.orchestration;

/** A run's state; FAILED and CANCELLED runs can be resumed from their first unfinished stage. */
public enum RunStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED;

    public boolean resumable() {
        return this == FAILED || this == CANCELLED;
    }
}
