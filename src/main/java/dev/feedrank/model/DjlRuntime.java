package dev.feedrank.model;

/**
 * DJL must never reach the network: offline mode turns off its usage tracking (which contacts a cloud metadata
 * address) and any model download. Call {@link #ensureOffline()} before the first use of the engine.
 */
public final class DjlRuntime {
    private DjlRuntime() {
    }

    public static void ensureOffline() {
        System.setProperty("ai.djl.offline", "true");
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }
}
