package dev.feedrank.orchestration;

import dev.feedrank.config.FeedrankConfig;

import java.util.Map;
import java.util.Optional;

/** What a stage sees of its run. */
public interface StageContext {

    long runId();

    /** This run's effective configuration (global config plus the run's overrides). */
    FeedrankConfig config();

    /** The dataset spec of this run. */
    String dataset();

    /** Artifacts (name to object key) recorded by the stages that ran before this one. */
    Map<String, String> artifacts();

    /** Records an artifact of the current stage (name to object key). */
    void artifact(String name, String key);

    /** Passes an in-memory value to later stages of the same run (keyed by its type). */
    <T> void share(Class<T> type, T value);

    <T> Optional<T> shared(Class<T> type);

    /** Closes the resource when the run ends, however it ends (e.g. a model's native memory). */
    void closeAtEnd(AutoCloseable resource);

    /** Stores a metric of the current stage. {@code subject} is model, baseline or production. */
    void metric(String subject, String name, double value, String split, Integer epoch);

    /** Stores a metric with its 95% interval (e.g. a bootstrap over the ranked users). */
    default void metric(String subject, String name, double value, String split, double ciLow, double ciHigh) {
        metric(subject, name, value, split, null);
    }

    /** Last progress line of the current stage (logged and visible through the API). */
    void progress(String line);

    /** Final outcome of the run, e.g. PROMOTED or REJECTED, and the model version it produced. */
    void outcome(String outcome, String modelVersion);

    /**
     * True once the run has been asked to stop (cancel, replace, shutdown, timeout). Long stages check it between
     * units of work (training: between batches), write a checkpoint and return or throw.
     */
    default boolean stopRequested() {
        return false;
    }

    /**
     * Checks that this execution still holds the pipeline lease under its fencing token; throws
     * {@link FencedException} (and asks the run to stop) when a newer holder took it. Call it right before every
     * write that matters (checkpoints, bundle, alias move, publish): a superseded execution must not write. Called
     * within a transaction, it joins it and keeps the lease row locked until it commits.
     */
    default void checkFence() {
    }

    /**
     * The current attempt's training throughput in samples per second (train: examples processed / seconds of the
     * batch loops, refit included), stored with the attempt's cost ({@code stage_execution.samples_per_second}). The
     * last value reported before the attempt ends counts; not finite or not positive is ignored.
     */
    default void recordThroughput(double samplesPerSecond) {
    }

    /** Records whether prepare-data reused a cached prepared dataset. */
    default void cacheHit(boolean hit) {
    }
}
