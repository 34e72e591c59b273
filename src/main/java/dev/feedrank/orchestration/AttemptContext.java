package dev.feedrank.orchestration;

import dev.feedrank.config.FeedrankConfig;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a stage sees while one of its attempts runs, recorded through the {@link RunStore}. The runner's context (the
 * attempts of a run in this process, {@link PipelineRunner}) and a worker's (one attempt in a worker JVM,
 * {@link StageWorker}) differ only in where the current attempt and its fence come from.
 */
abstract class AttemptContext implements StageContext {
    final RunStore store;
    private final Logger log;
    private final long runId;
    private final String dataset;
    private final FeedrankConfig config;
    final RunControl control;
    /** The outputs of the run's completed stages: what an attempt reads. */
    final Map<String, String> inputs;
    /** The current attempt's outputs. */
    Map<String, String> outputs = new LinkedHashMap<>();
    final Map<Class<?>, Object> shared = new HashMap<>();
    /** Closed when the run (runner) or the attempt (worker) ends, last registered first. */
    final List<AutoCloseable> resources = new ArrayList<>();
    /** The current attempt's training throughput, if its stage reported one. */
    volatile Double throughput;
    String outcome;
    String modelVersion;

    AttemptContext(RunStore store, Logger log, long runId, String dataset, FeedrankConfig config, RunControl control,
                   Map<String, String> inputs) {
        this.store = store;
        this.log = log;
        this.runId = runId;
        this.dataset = dataset;
        this.config = config;
        this.control = control;
        this.inputs = inputs;
    }

    /** The current attempt's stage. */
    abstract String stage();

    /** The current attempt's row. */
    abstract long stageExecutionId();

    /** The fence the current attempt's writes are checked against. */
    abstract RunStore.Fence fence();

    @Override public long runId() { return runId; }
    @Override public FeedrankConfig config() { return config; }
    @Override public String dataset() { return dataset; }
    @Override public Map<String, String> artifacts() { return Map.copyOf(inputs); }
    @Override public void artifact(String name, String key) { outputs.put(name, key); }
    @Override public <T> void share(Class<T> type, T value) { shared.put(type, value); }
    @Override public <T> Optional<T> shared(Class<T> type) { return Optional.ofNullable(type.cast(shared.get(type))); }
    @Override public void closeAtEnd(AutoCloseable resource) { resources.add(0, resource); }
    @Override public boolean stopRequested() { return control.stopRequested(); }

    /** A superseded execution adds no more rows to the run (its successor records its own). */
    private boolean fenced() {
        return RunControl.LEASE_LOST.equals(control.reason());
    }

    @Override
    public void checkFence() {
        try {
            store.assertFence(fence());
        } catch (FencedException e) {
            log.errorf("run %d %s: %s", runId, stage(), e.getMessage());
            control.stop(RunControl.LEASE_LOST, "feedrank");
            throw e;
        }
    }

    @Override
    public void metric(String subject, String name, double value, String split, Integer epoch) {
        if (!fenced()) store.metric(runId, stage(), subject, name, value, split, epoch);
    }

    @Override
    public void metric(String subject, String name, double value, String split, double ciLow, double ciHigh) {
        if (!fenced()) store.metric(runId, stage(), subject, name, value, split, null, ciLow, ciHigh);
    }

    @Override
    public void progress(String line) {
        log.infof("run %d %s: %s", runId, stage(), line);
        store.stageProgress(stageExecutionId(), line);
    }

    @Override
    public void outcome(String outcome, String modelVersion) {
        this.outcome = outcome;
        this.modelVersion = modelVersion;
    }

    @Override
    public void recordThroughput(double samplesPerSecond) {
        if (Double.isFinite(samplesPerSecond) && samplesPerSecond > 0) throughput = samplesPerSecond;
    }

    @Override
    public void cacheHit(boolean hit) {
        store.recordCacheHit(runId, hit);
    }
}
