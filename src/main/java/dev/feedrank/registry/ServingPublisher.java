package dev.feedrank.registry;

/**
 * The port through which a manual move of the {@code production} alias (promote, rollback) also moves what serving
 * reads (Redis, implemented in {@code dev.feedrank.serving}), so the alias history and serving agree after every move.
 * A move first {@link #prepare prepares} the target (its embeddings written and verified, not yet served), then moves
 * the alias in a transaction that {@link #activate activates} the target before it commits: a failure of either
 * leaves the alias and serving where they were.
 */
public interface ServingPublisher {

    /** Makes the version servable without serving it yet (re-publishing it from its bundle if needed). */
    void prepare(String version, String bundlePrefix) throws Exception;

    /** Points serving at the prepared version. */
    void activate(String version) throws Exception;

    /** Points serving back at {@code version} after a move whose transaction did not commit (best effort). */
    void restore(String version);
}
