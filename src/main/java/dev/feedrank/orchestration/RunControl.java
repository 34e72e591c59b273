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
    private final long fencingToken;
    private volatile String reason;
    private volatile String by;
    private volatile boolean finished;

    /**
     * @param fencingToken the token of the pipeline lease acquisition this execution runs under; writes that matter
     *                     are refused once a newer acquisition exists
     */
    public RunControl(long runId, long fencingToken) {
        this.runId = runId;
        this.fencingToken = fencingToken;
    }

    public long runId() {
        return runId;
    }

    public long fencingToken() {
        return fencingToken;
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
