package dev.feedrank.orchestration;

/**
 * The in-process handle of an executing run: a stop request (cancel, replace, shutdown, timeout) that its stages
 * see cooperatively (training checks it between batches), and whether the run has ended.
 */
public final class RunControl {

    public static final String CANCEL = "cancel";
    public static final String REPLACE = "replace";
    public static final String SHUTDOWN = "shutdown";
    public static final String TIMEOUT = "timeout";
    public static final String LEASE_LOST = "lease-lost";

    private final long runId;
    private volatile String reason;
    private volatile String by;
    private volatile boolean finished;

    public RunControl(long runId) {
        this.runId = runId;
    }

    public long runId() {
        return runId;
    }

    /** The first request wins; later ones are ignored. */
    public synchronized void stop(String reason, String by) {
        if (this.reason == null) {
            this.by = by;
            this.reason = reason;
        }
    }

    public boolean stopRequested() {
        return reason != null;
    }

    public String reason() {
        return reason;
    }

    public String by() {
        return by;
    }

    void finished() {
        finished = true;
        synchronized (this) {
            notifyAll();
        }
    }

    /** Waits until the run has ended, at most the given time; true when it has. */
    public boolean awaitFinished(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        synchronized (this) {
            while (!finished) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) return false;
                wait(left);
            }
        }
        return true;
    }
}
