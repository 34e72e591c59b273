package dev.feedrank.orchestration;

import dev.feedrank.config.FeedrankConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Executes the stages of one run in order, recording every transition in the {@link RunStore} as it happens.
 * <ul>
 *   <li>A resumed run skips the stages whose latest attempt succeeded and reuses their outputs.</li>
 *   <li>A transient error (storage or database unreachable, timeouts) gets another attempt after an exponential
 *       backoff with jitter, up to the stage's max attempts; every attempt is recorded. Data errors never retry.</li>
 *   <li>A stage running past its timeout is stopped and fails with reason {@code timeout}.</li>
 *   <li>A stop request (cancel, replace, shutdown) is seen by the stages cooperatively; the run ends CANCELLED
 *       (cancel, replace) or FAILED {@code interrupted} (shutdown), resumable either way.</li>
 *   <li>The heartbeat renews the pipeline lease and picks up stop requests made through other replicas.</li>
 *   <li>Every attempt's cost (CPU time, peak RSS and heap, a train attempt's samples/s: {@link ResourceMeter},
 *       {@link StageCost}) is recorded on its row when it ends, however it ends.</li>
 * </ul>
 */
@ApplicationScoped
public class PipelineRunner {

    private static final Logger LOG = Logger.getLogger(PipelineRunner.class);

    private final List<Stage> stages;
    private final Map<String, StageExecutor> executors = new LinkedHashMap<>();
    private final RunStore store;
    private final MeterRegistry meters;
    private final String owner = ProcessIdentity.id();
    private final ResourceMeter resourceMeter = new ResourceMeter();

    public PipelineRunner(Instance<Stage> stages, Instance<StageExecutor> executors, RunStore store, MeterRegistry meters) {
        this.stages = stages.stream().sorted(Comparator.comparingInt(Stage::order)).toList();
        executors.forEach(e -> this.executors.put(e.name(), e));
        this.store = store;
        this.meters = meters;
    }

    public List<String> stageNames() {
        return stages.stream().map(Stage::name).toList();
    }

    /** The executor of this name ({@link StageExecutor#name()}, as recorded on an attempt's row), if there is one. */
    public java.util.Optional<StageExecutor> executorNamed(String name) {
        return java.util.Optional.ofNullable(name == null ? null : executors.get(name));
    }

    /** The executor {@code stages.executor} names; an unknown name is refused before a run is recorded. */
    public StageExecutor executor(FeedrankConfig config) {
        String name = config.stages().executor().trim().toLowerCase(Locale.ROOT);
        StageExecutor e = executors.get(name);
        if (e == null) {
            throw new IllegalArgumentException("stages.executor must be one of " + executors.keySet() + ", got '"
                    + config.stages().executor() + "'");
        }
        return e;
    }

    /**
     * Executes a run whose pipeline lease the caller holds; the lease is released when the run ends.
     *
     * @param completed outputs of stages that already succeeded (a resume), by stage name
     */
    public RunSummary execute(long runId, String dataset, FeedrankConfig config,
                              Map<String, Map<String, String>> completed, RunControl control) {
        String pipeline = config.runs().pipeline();
        int leaseTtl = config.runs().staleAfterSeconds();
        RunStore.Fence fence = new RunStore.Fence(pipeline, runId, control.fencingToken());
        StageExecutor stageExecutor = executor(config);
        store.markRunning(runId, owner);
        Context ctx = new Context(runId, dataset, config, control, fence);
        ctx.executor = stageExecutor;
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "run-" + runId + "-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long[] lastRenewal = {System.nanoTime()};
        timers.scheduleAtFixedRate(() -> beat(fence, leaseTtl, control, lastRenewal),
                config.runs().heartbeatSeconds(), config.runs().heartbeatSeconds(), TimeUnit.SECONDS);
        Timer.Sample runTimer = Timer.start(meters);
        try {
            LOG.infof("run %d: starting on dataset %s (stages %s%s; executor %s)", runId, dataset, stageNames(),
                    completed.isEmpty() ? "" : "; resuming, completed: " + completed.keySet(), ctx.executor.name());
            for (Stage stage : stages) {
                Map<String, String> reused = completed.get(stage.name());
                if (reused != null) {
                    ctx.inputs.putAll(reused);
                    LOG.infof("run %d: stage %s already succeeded; reusing its outputs %s", runId, stage.name(), reused.values());
                    continue;
                }
                if (control.stopRequested()) {
                    return stopped(ctx, null, null, runTimer);
                }
                RunSummary failed = runStage(stage, ctx, timers, runTimer);
                if (failed != null) return failed;
            }
            if (!store.finishRun(fence, RunStatus.SUCCEEDED, ctx.outcome, ctx.modelVersion, null)) {
                control.stop(RunControl.LEASE_LOST, "feedrank");
                return superseded(ctx);
            }
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
            timers.shutdownNow();
            try {
                store.releaseLease(fence);
            } catch (RuntimeException e) {
                LOG.warnf("run %d: releasing the pipeline lease failed (it expires in %d s): %s", runId, leaseTtl, e.getMessage());
            }
            Thread.interrupted(); // a timeout's interrupt must not leak into the caller
            control.finished();
        }
    }

    /**
     * Renews the lease under the run's fencing token, then records the heartbeat and picks up stop requests. A renew
     * refused (a newer holder took the lease) stops the local execution at once; so does a lease that could not be
     * renewed for a whole TTL (the database unreachable: another process may have taken over by now).
     */
    private void beat(RunStore.Fence fence, int leaseTtl, RunControl control, long[] lastRenewal) {
        long runId = fence.runId();
        if (RunControl.LEASE_LOST.equals(control.reason())) return; // superseded: nothing more to renew or record
        try {
            if (!store.renewLease(fence, leaseTtl)) {
                LOG.errorf("run %d: lost the lease of pipeline %s (fencing token %d superseded or released); stopping",
                        runId, fence.pipeline(), fence.token());
                control.stop(RunControl.LEASE_LOST, "feedrank");
                return;
            }
            lastRenewal[0] = System.nanoTime();
            store.heartbeat(runId);
            store.stopRequest(runId).ifPresent(r -> {
                if (!control.stopRequested()) LOG.infof("run %d: %s requested by %s", runId, r[0], r[1]);
                control.stop(r[0], r[1]);
            });
        } catch (RuntimeException e) {
            LOG.warnf("run %d: heartbeat failed: %s", runId, e.getMessage());
            if (System.nanoTime() - lastRenewal[0] > TimeUnit.SECONDS.toNanos(leaseTtl)) {
                LOG.errorf("run %d: the lease could not be renewed for %d s; stopping", runId, leaseTtl);
                control.stop(RunControl.LEASE_LOST, "feedrank");
            }
        }
    }

    /** Runs every attempt of one stage; returns the run's summary when the run ends here, null to go on. */
    private RunSummary runStage(Stage stage, Context ctx, ScheduledExecutorService timers, Timer.Sample runTimer) {
        long runId = ctx.runId();
        RunControl control = ctx.control;
        int maxAttempts = ctx.config().stages().maxAttemptsOf(stage.name());
        long timeoutSeconds = ctx.config().stages().timeoutSecondsOf(stage.name());
        for (int attempt = 1; ; attempt++) {
            ctx.outputs = new LinkedHashMap<>();
            ctx.currentStage = stage.name();
            StageExecutor executor = ctx.executor;
            // a worker that outlived its orchestrator (kubernetes: a Job still running) is adopted, never started twice
            java.util.OptionalLong adopted = attempt == 1 ? executor.reattach(ctx.config(), ctx.fence, stage.name())
                    : java.util.OptionalLong.empty();
            ctx.stageExecutionId = adopted.isPresent() ? adopted.getAsLong()
                    : store.startStage(ctx.fence, stage.name(), executor.name());
            ctx.throughput = null;
            Timer.Sample sample = Timer.start(meters);
            long t0 = System.nanoTime();
            // a remote worker measures and records its own cost; this JVM only waits. In process, the C heap's free
            // pages left by the stages before (PyTorch's freed tensors) go back to the OS first
            if (!executor.remote()) trimNativeHeap(runId, stage.name());
            ResourceMeter.Measurement measurement = executor.remote() ? null : resourceMeter.start();
            Thread runThread = Thread.currentThread();
            ScheduledFuture<?> watchdog = timeoutSeconds <= 0 ? null : timers.schedule(() -> {
                LOG.errorf("run %d: stage %s exceeded its timeout of %d s; stopping it", runId, stage.name(), timeoutSeconds);
                control.stop(RunControl.TIMEOUT, "feedrank");
                runThread.interrupt();
            }, timeoutSeconds, TimeUnit.SECONDS);
            Throwable failure = null;
            try {
                int number = executor.remote() ? store.attempt(ctx.stageExecutionId).orElseThrow().attempt() : attempt;
                executor.execute(stage, new StageAttempt(runId, ctx.fence.pipeline(), stage.name(), number,
                        ctx.stageExecutionId, ctx.fence.token(), timeoutSeconds), ctx, control);
            } catch (Throwable e) {
                failure = e;
            } finally {
                if (watchdog != null) watchdog.cancel(false);
                Thread.interrupted();
            }
            // before the attempt's end is written, so an ended row always shows its cost; on the attempt's own row,
            // unfenced: a superseded attempt still records what it consumed
            StageCost cost = measurement == null ? null : measurement.stop().withSamplesPerSecond(ctx.throughput);
            if (cost != null) recordCost(ctx, stage, cost);
            if (control.stopRequested() && (failure != null || RunControl.TIMEOUT.equals(control.reason()))) {
                sample.stop(meters.timer("feedrank.stage.duration", "stage", stage.name(), "status", "STOPPED"));
                return stopped(ctx, stage, failure, runTimer);
            }
            if (failure == null) {
                try {
                    store.finishStage(ctx.stageExecutionId, ctx.outputs);
                } catch (FencedException e) {
                    control.stop(RunControl.LEASE_LOST, "feedrank");
                    sample.stop(meters.timer("feedrank.stage.duration", "stage", stage.name(), "status", "STOPPED"));
                    return stopped(ctx, stage, e, runTimer);
                }
                sample.stop(meters.timer("feedrank.stage.duration", "stage", stage.name(), "status", "SUCCEEDED"));
                ctx.inputs.putAll(ctx.outputs);
                LOG.infof("run %d: stage %s succeeded in %d ms%s (%s)", runId, stage.name(), (System.nanoTime() - t0) / 1_000_000,
                        attempt > 1 ? " (attempt " + attempt + ")" : "", describe(cost));
                return null;
            }
            sample.stop(meters.timer("feedrank.stage.duration", "stage", stage.name(), "status", "FAILED"));
            boolean retry = attempt < maxAttempts && TransientErrors.isTransient(failure);
            if (retry) {
                long delay = backoffMillis(ctx.config().stages(), attempt);
                LOG.warnf(failure, "run %d: stage %s attempt %d of %d failed with a transient error; retrying in %d ms",
                        runId, stage.name(), attempt, maxAttempts, delay);
                store.failStage(ctx.stageExecutionId, describe(failure) + String.format(Locale.ROOT,
                        " (transient; attempt %d of %d, retrying in %.1f s)", attempt, maxAttempts, delay / 1000.0), ctx.outputs);
                meters.counter("feedrank.stage.retries", "stage", stage.name()).increment();
                if (!sleep(delay, control)) return stopped(ctx, null, null, runTimer);
                continue;
            }
            String error = stage.name() + ": " + describe(failure);
            LOG.errorf(failure, "run %d: stage %s failed%s", runId, stage.name(),
                    attempt > 1 ? " after " + attempt + " attempts" : TransientErrors.isTransient(failure) ? "" : " (not retryable)");
            store.failStage(ctx.stageExecutionId, describe(failure), ctx.outputs);
            if (!store.finishRun(ctx.fence, RunStatus.FAILED, null, ctx.modelVersion, error)) return superseded(ctx);
            meters.counter("feedrank.runs", "status", "FAILED").increment();
            runTimer.stop(meters.timer("feedrank.run.duration", "status", "FAILED"));
            return new RunSummary(runId, RunStatus.FAILED, null, ctx.modelVersion, error);
        }
    }

    /** Records an attempt's cost; a failure to record it is logged and does not fail the attempt (it is not output). */
    private void recordCost(Context ctx, Stage stage, StageCost cost) {
        try {
            store.stageCost(ctx.stageExecutionId, cost);
        } catch (RuntimeException e) {
            LOG.warnf("run %d: recording the cost of stage %s failed (%s): %s", ctx.runId(), stage.name(), describe(cost), e.getMessage());
        }
    }

    static String describe(StageCost c) {
        if (c == null) return "cost recorded by its worker";
        StringBuilder sb = new StringBuilder();
        sb.append("CPU ").append(c.cpuMs() == null ? "-" : String.format(Locale.ROOT, "%.1f s", c.cpuMs() / 1000.0));
        sb.append(", peak RSS ").append(c.peakRssBytes() == null ? "-" : (c.peakRssBytes() >> 20) + " MB");
        sb.append(", peak heap ").append(c.peakHeapBytes() == null ? "-" : (c.peakHeapBytes() >> 20) + " MB");
        if (c.samplesPerSecond() != null) sb.append(String.format(Locale.ROOT, ", %.0f samples/s", c.samplesPerSecond()));
        return sb.toString();
    }

    /** Ends a run that was asked to stop, in (or before) {@code stage}. */
    private RunSummary stopped(Context ctx, Stage stage, Throwable failure, Timer.Sample runTimer) {
        RunControl control = ctx.control;
        String reason = control.reason();
        String by = control.by() == null ? "feedrank" : control.by();
        RunStatus status;
        String error;
        String stageError;
        switch (reason) {
            case RunControl.CANCEL -> {
                status = RunStatus.CANCELLED;
                stageError = error = "cancelled by " + by;
            }
            case RunControl.REPLACE -> {
                status = RunStatus.CANCELLED;
                stageError = error = "replaced by " + by;
            }
            case RunControl.TIMEOUT -> {
                status = RunStatus.FAILED;
                stageError = "timeout";
                error = (stage == null ? "" : stage.name() + ": ") + "timeout";
            }
            case RunControl.LEASE_LOST -> {
                status = RunStatus.FAILED;
                stageError = error = "fenced: this execution lost the pipeline lease to a newer holder (fencing token "
                        + ctx.fence.token() + "); it stopped without writing";
            }
            default -> {
                status = RunStatus.FAILED;
                stageError = error = "interrupted";
            }
        }
        // a detached worker (kubernetes Job) goes on: its attempt stays RUNNING for the next execution to re-attach
        if (stage != null && !(failure instanceof DetachedAttemptException)) {
            if (status == RunStatus.CANCELLED) store.cancelStage(ctx.stageExecutionId, stageError, ctx.outputs);
            else store.failStage(ctx.stageExecutionId, stageError, ctx.outputs);
        }
        LOG.warnf("run %d: stopped (%s)%s%s", ctx.runId(), error, stage == null ? " between stages" : " in stage " + stage.name(),
                failure == null ? "" : ": " + describe(failure));
        if (!store.finishRun(ctx.fence, status, null, ctx.modelVersion, error)) return superseded(ctx);
        meters.counter("feedrank.runs", "status", status.name()).increment();
        runTimer.stop(meters.timer("feedrank.run.duration", "status", status.name()));
        return new RunSummary(ctx.runId(), status, null, ctx.modelVersion, error);
    }

    /**
     * This execution was superseded (a newer lease holder executes the run): the run row belongs to the new holder,
     * so nothing is recorded on it; the summary is for the local caller only.
     */
    private RunSummary superseded(Context ctx) {
        String error = "fenced: run " + ctx.runId() + " is executed by a newer holder of the pipeline lease (this execution's "
                + "fencing token " + ctx.fence.token() + " was superseded); this process stopped without recording its end";
        LOG.warn(error);
        meters.counter("feedrank.runs", "status", "FENCED").increment();
        return new RunSummary(ctx.runId(), RunStatus.FAILED, null, null, error);
    }

    static long backoffMillis(FeedrankConfig.Stages s, int attempt) {
        double exp = s.backoffInitialMs() * Math.pow(2, attempt - 1);
        long capped = (long) Math.min(s.backoffMaxMs(), exp);
        // "equal jitter": half fixed, half random, so retries of several replicas spread out
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    /** Sleeps unless a stop is requested; false when it was. */
    private static boolean sleep(long millis, RunControl control) {
        long deadline = System.currentTimeMillis() + millis;
        while (!control.stopRequested()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) return true;
            try {
                Thread.sleep(Math.min(left, 200));
            } catch (InterruptedException e) {
                Thread.interrupted();
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** The run's context: one per execution, its current attempt moving from stage to stage. */
    private final class Context extends AttemptContext {
        private final RunStore.Fence fence;
        private String currentStage;
        private long stageExecutionId;
        private StageExecutor executor;

        Context(long runId, String dataset, FeedrankConfig config, RunControl control, RunStore.Fence fence) {
            super(PipelineRunner.this.store, LOG, runId, dataset, config, control, new LinkedHashMap<>());
            this.fence = fence;
        }

        @Override String stage() { return currentStage; }
        @Override long stageExecutionId() { return stageExecutionId; }
        @Override RunStore.Fence fence() { return fence; }
    }

    /** {@link NativeHeapTrim#trim()} before an in-process attempt, with the RSS it released in the log. */
    private static void trimNativeHeap(long runId, String stage) {
        if (!NativeHeapTrim.available()) return;
        Long before = ResourceMeter.currentRss();
        NativeHeapTrim.trim();
        Long after = ResourceMeter.currentRss();
        if (before != null && after != null) {
            LOG.debugf("run %d: before %s, native heap trimmed: RSS %d -> %d MB", runId, stage, before >> 20, after >> 20);
        }
    }
}
