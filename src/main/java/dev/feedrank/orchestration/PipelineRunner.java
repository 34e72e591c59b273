package dev.feedrank.orchestration;

import dev.feedrank.config.FeedrankConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Executes the stages of one run in order, recording every transition in the {@link RunStore} as it happens.
 * The first failing stage fails the run; later stages do not run.
 */
@ApplicationScoped
public class PipelineRunner {

    private static final Logger LOG = Logger.getLogger(PipelineRunner.class);

    private final List<Stage> stages;
    private final RunStore store;
    private final MeterRegistry meters;
    private final String owner = ProcessIdentity.id();

    public PipelineRunner(Instance<Stage> stages, RunStore store, MeterRegistry meters) {
        this.stages = stages.stream().sorted(Comparator.comparingInt(Stage::order)).toList();
        this.store = store;
        this.meters = meters;
    }

    public List<String> stageNames() {
        return stages.stream().map(Stage::name).toList();
    }

    public RunSummary execute(long runId, String dataset, FeedrankConfig config) {
        store.markRunning(runId, owner);
        Context ctx = new Context(runId, dataset, config);
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-" + runId + "-heartbeat");
            t.setDaemon(true);
            return t;
        });
        ScheduledFuture<?> beat = heartbeat.scheduleAtFixedRate(() -> {
            try {
                store.heartbeat(runId);
            } catch (RuntimeException e) {
                LOG.warnf("run %d: heartbeat failed: %s", runId, e.getMessage());
            }
        }, config.runs().heartbeatSeconds(), config.runs().heartbeatSeconds(), TimeUnit.SECONDS);
        Timer.Sample runTimer = Timer.start(meters);
        try {
            LOG.infof("run %d: starting on dataset %s (stages %s)", runId, dataset, stageNames());
            for (Stage stage : stages) {
                ctx.currentOutputs = new LinkedHashMap<>();
                ctx.currentStage = stage.name();
                ctx.stageExecutionId = store.startStage(runId, stage.name());
                Timer.Sample sample = Timer.start(meters);
                long t0 = System.nanoTime();
                try {
                    stage.execute(ctx);
                } catch (Throwable e) {
                    String error = stage.name() + ": " + describe(e);
                    LOG.errorf(e, "run %d: stage %s failed", runId, stage.name());
                    store.failStage(ctx.stageExecutionId, describe(e), ctx.currentOutputs);
                    sample.stop(meters.timer("feedrank.stage.duration", "stage", stage.name(), "status", "FAILED"));
                    store.finishRun(runId, RunStatus.FAILED, null, ctx.modelVersion, error);
                    meters.counter("feedrank.runs", "status", "FAILED").increment();
                    runTimer.stop(meters.timer("feedrank.run.duration", "status", "FAILED"));
                    return new RunSummary(runId, RunStatus.FAILED, null, ctx.modelVersion, error);
                }
                store.finishStage(ctx.stageExecutionId, ctx.currentOutputs);
                sample.stop(meters.timer("feedrank.stage.duration", "stage", stage.name(), "status", "SUCCEEDED"));
                ctx.artifacts.putAll(ctx.currentOutputs);
                LOG.infof("run %d: stage %s succeeded in %d ms", runId, stage.name(), (System.nanoTime() - t0) / 1_000_000);
            }
            store.finishRun(runId, RunStatus.SUCCEEDED, ctx.outcome, ctx.modelVersion, null);
            meters.counter("feedrank.runs", "status", "SUCCEEDED").increment();
            runTimer.stop(meters.timer("feedrank.run.duration", "status", "SUCCEEDED"));
            LOG.infof("run %d: succeeded, outcome %s, model %s", runId, ctx.outcome, ctx.modelVersion);
            return new RunSummary(runId, RunStatus.SUCCEEDED, ctx.outcome, ctx.modelVersion, null);
        } finally {
            for (AutoCloseable c : ctx.resources) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warnf("run %d: closing %s failed: %s", runId, c, e.getMessage());
                }
            }
            beat.cancel(false);
            heartbeat.shutdownNow();
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private final class Context implements StageContext {
        private final long runId;
        private final String dataset;
        private final FeedrankConfig config;
        private final Map<String, String> artifacts = new LinkedHashMap<>();
        private final Map<Class<?>, Object> shared = new HashMap<>();
        private final List<AutoCloseable> resources = new ArrayList<>();
        private Map<String, String> currentOutputs = new LinkedHashMap<>();
        private String currentStage;
        private long stageExecutionId;
        private String outcome;
        private String modelVersion;

        Context(long runId, String dataset, FeedrankConfig config) {
            this.runId = runId;
            this.dataset = dataset;
            this.config = config;
        }

        @Override public long runId() { return runId; }
        @Override public FeedrankConfig config() { return config; }
        @Override public String dataset() { return dataset; }
        @Override public Map<String, String> artifacts() { return Map.copyOf(artifacts); }

        @Override
        public void artifact(String name, String key) {
            currentOutputs.put(name, key);
        }

        @Override
        public <T> void share(Class<T> type, T value) {
            shared.put(type, value);
        }

        @Override
        public <T> Optional<T> shared(Class<T> type) {
            return Optional.ofNullable(type.cast(shared.get(type)));
        }

        @Override
        public void closeAtEnd(AutoCloseable resource) {
            resources.add(0, resource);
        }

        @Override
        public void metric(String subject, String name, double value, String split, Integer epoch) {
            store.metric(runId, currentStage, subject, name, value, split, epoch);
        }

        @Override
        public void progress(String line) {
            LOG.infof("run %d %s: %s", runId, currentStage, line);
            store.stageProgress(stageExecutionId, line);
        }

        @Override
        public void outcome(String outcome, String modelVersion) {
            this.outcome = outcome;
            this.modelVersion = modelVersion;
        }
    }
}
