package dev.feedrank.orchestration;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.config.RunConfigFactory;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The worker side of a remote stage attempt ({@code feedrank stage RUN_ID STAGE ATTEMPT}, run by the {@code process}
 * and {@code kubernetes} executors). It executes exactly one attempt whose row the orchestrator created:
 * <ol>
 *   <li>refuses an attempt that is not RUNNING or already has a result (a Job started twice never executes twice);</li>
 *   <li>rebuilds the run's configuration from its snapshot and the outputs of the stages before this one from
 *       PostgreSQL (every stage reloads its inputs from S3 when nothing is in memory, as on a resume);</li>
 *   <li>records its {@code host:pid}, then executes the stage; metrics and progress go to PostgreSQL as they are
 *       produced; writes that matter check the fence, whose token it reads from its attempt's row (an orchestrator
 *       that re-attaches moves it);</li>
 *   <li>every {@code runs.heartbeat-seconds} it picks up stop requests of the run, a newer lease holder, an attempt
 *       ended by the orchestrator (timeout) and, under the {@code process} executor, the death of its parent; SIGTERM
 *       stops it the same way: the stage checkpoints and returns;</li>
 *   <li>records its cost, then its {@link AttemptResult}. Exit code 0 succeeded, 1 failed, 3 stopped, 2 refused.</li>
 * </ol>
 */
@ApplicationScoped
public class StageWorker {

    private static final Logger LOG = Logger.getLogger(StageWorker.class);
    /** Set by the process executor: the orchestrator's pid; the worker stops when that process is gone. */
    public static final String PARENT_PID_ENV = "STAGE_WORKER_PARENT_PID";

    public static final int SUCCEEDED = 0;
    public static final int FAILED = 1;
    public static final int REFUSED = 2;
    public static final int STOPPED = 3;

    private final List<Stage> stages;
    private final RunStore store;
    private final RunConfigFactory configs;
    private final ObjectMapper json;
    private volatile RunControl active;

    public StageWorker(Instance<Stage> stages, RunStore store, RunConfigFactory configs, ObjectMapper json) {
        this.stages = stages.stream().sorted(java.util.Comparator.comparingInt(Stage::order)).toList();
        this.store = store;
        this.configs = configs;
        this.json = json;
    }

    /** This JVM as a worker: {@code host:pid}. */
    public static String workerName() {
        String name = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
        int at = name.indexOf('@');
        return at < 0 ? name : name.substring(at + 1) + ":" + name.substring(0, at);
    }

    public int run(long runId, String stageName, int attemptNumber) {
        Optional<Stage> found = stages.stream().filter(s -> s.name().equals(stageName)).findFirst();
        if (found.isEmpty()) {
            LOG.errorf("feedrank stage: no stage %s (stages: %s)", stageName, stages.stream().map(Stage::name).toList());
            return REFUSED;
        }
        Stage stage = found.get();
        Optional<RunStore.AttemptRow> row = store.attempt(runId, stageName, attemptNumber);
        if (row.isEmpty()) {
            LOG.errorf("feedrank stage: run %d has no attempt %d of stage %s", runId, attemptNumber, stageName);
            return REFUSED;
        }
        RunStore.AttemptRow attempt = row.get();
        if (!"RUNNING".equals(attempt.status()) || store.attemptResult(attempt.id()).isPresent()) {
            LOG.errorf("feedrank stage: attempt %d of stage %s of run %d is %s%s; it is not executed again", attemptNumber,
                    stageName, runId, attempt.status(), "RUNNING".equals(attempt.status()) ? " with a result already" : "");
            return REFUSED;
        }
        try {
            return execute(stage, attempt);
        } catch (RuntimeException | Error e) {
            // the attempt could not even start here (its configuration, its inputs): a result still says why
            LOG.errorf(e, "run %d: stage %s attempt %d could not execute in worker %s", runId, stageName, attemptNumber, workerName());
            store.attemptResult(attempt.id(), AttemptResult.failed(Map.of(), null, PipelineRunner.describe(e), TransientErrors.isTransient(e)));
            return FAILED;
        }
    }

    private int execute(Stage stage, RunStore.AttemptRow attempt) {
        long runId = attempt.runId();
        String stageName = stage.name();
        int attemptNumber = attempt.attempt();
        RunStore.StoredRun run = store.find(runId).orElseThrow();
        FeedrankConfig config = RunLauncher.configFromSnapshot(run, configs, json);
        Map<String, String> inputs = new LinkedHashMap<>();
        Map<String, Map<String, String>> completed = store.completedStages(runId);
        for (Stage s : stages) {
            if (s.order() >= stage.order()) break;
            Map<String, String> outputs = completed.get(s.name());
            if (outputs != null) inputs.putAll(outputs);
        }
        long token = attempt.fencingToken() == null ? 0 : attempt.fencingToken();
        RunControl control = new RunControl(runId, token);
        active = control;
        store.attemptWorker(attempt.id(), workerName(), ProcessHandle.current().pid());
        WorkerContext ctx = new WorkerContext(attempt, run.dataset(), config, control, inputs);
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stage-worker-watch");
            t.setDaemon(true);
            return t;
        });
        Long parentPid = parentPid();
        int every = Math.max(1, config.runs().heartbeatSeconds());
        watch.scheduleAtFixedRate(() -> watch(ctx, parentPid), every, every, TimeUnit.SECONDS);
        LOG.infof("run %d: stage %s attempt %d executing in worker %s (fencing token %d)", runId, stageName, attemptNumber,
                workerName(), token);
        ResourceMeter.Measurement measurement = new ResourceMeter().start();
        Throwable failure = null;
        try {
            stage.execute(ctx);
        } catch (Throwable e) {
            failure = e;
        } finally {
            watch.shutdownNow();
            for (AutoCloseable c : ctx.resources) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warnf("run %d: closing %s failed: %s", runId, c, e.getMessage());
                }
            }
        }
        StageCost cost = measurement.stop().withSamplesPerSecond(ctx.throughput);
        try {
            store.stageCost(attempt.id(), cost);
        } catch (RuntimeException e) {
            LOG.warnf("run %d: recording the cost of stage %s failed: %s", runId, stageName, e.getMessage());
        }
        AttemptResult result;
        int code;
        if (failure == null && !RunControl.LEASE_LOST.equals(control.reason())) {
            result = AttemptResult.succeeded(ctx.outputs, ctx.outcome, ctx.modelVersion, ctx.throughput);
            code = SUCCEEDED;
        } else if (control.stopRequested()) {
            result = AttemptResult.stopped(ctx.outputs, ctx.throughput,
                    failure == null ? "stopped" : PipelineRunner.describe(failure), control.reason(), control.by());
            code = STOPPED;
        } else {
            LOG.errorf(failure, "run %d: stage %s failed in worker %s", runId, stageName, workerName());
            result = AttemptResult.failed(ctx.outputs, ctx.throughput, PipelineRunner.describe(failure),
                    TransientErrors.isTransient(failure));
            code = FAILED;
        }
        store.attemptResult(attempt.id(), result);
        LOG.infof("run %d: stage %s attempt %d ended %s in worker %s (%s)", runId, stageName, attemptNumber,
                result.status(), workerName(), PipelineRunner.describe(cost));
        control.finished();
        active = null;
        return code;
    }

    private static Long parentPid() {
        String v = System.getenv(PARENT_PID_ENV);
        if (v == null || v.isBlank()) return null;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** One look at what may stop this attempt; failures to look are logged and tried again next time. */
    private void watch(WorkerContext ctx, Long parentPid) {
        RunControl control = ctx.control;
        if (control.stopRequested()) return;
        try {
            if (parentPid != null && ProcessHandle.of(parentPid).map(p -> !p.isAlive()).orElse(true)) {
                LOG.errorf("run %d: the orchestrator (pid %d) is gone; stopping", ctx.runId(), parentPid);
                control.stop(RunControl.SHUTDOWN, "feedrank");
                return;
            }
            store.stopRequest(ctx.runId()).ifPresent(r -> control.stop(r[0], r[1]));
            RunStore.AttemptRow row = store.attempt(ctx.attempt.id()).orElseThrow();
            if (!"RUNNING".equals(row.status())) {
                LOG.errorf("run %d: the orchestrator ended this attempt (%s); stopping", ctx.runId(), row.status());
                control.stop(RunControl.TIMEOUT, "feedrank");
                return;
            }
            store.assertFence(ctx.fence());
        } catch (FencedException e) {
            LOG.errorf("run %d %s: %s", ctx.runId(), ctx.attempt.stage(), e.getMessage());
            control.stop(RunControl.LEASE_LOST, "feedrank");
        } catch (RuntimeException e) {
            LOG.warnf("run %d: worker watch failed: %s", ctx.runId(), e.getMessage());
        }
    }

    /** SIGTERM: the attempt checkpoints and stops (its result says STOPPED), within {@code runs.shutdown-grace-seconds}. */
    void onShutdown(@Observes ShutdownEvent event) {
        RunControl control = active;
        if (control == null) return;
        LOG.warnf("run %d: worker shutting down; asking the stage to checkpoint and stop", control.runId());
        try {
            // the orchestrator signals a cancel or replace with SIGTERM: the run's recorded request says which
            store.stopRequest(control.runId()).ifPresent(r -> control.stop(r[0], r[1]));
        } catch (RuntimeException e) {
            LOG.warnf("run %d: reading the run's stop request failed: %s", control.runId(), e.getMessage());
        }
        control.stop(RunControl.SHUTDOWN, "shutdown");
        try {
            control.awaitFinished(configs.create(Map.of()).config().runs().shutdownGraceSeconds() * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One attempt's context in this worker JVM. */
    private final class WorkerContext extends AttemptContext {
        private final RunStore.AttemptRow attempt;

        WorkerContext(RunStore.AttemptRow attempt, String dataset, FeedrankConfig config, RunControl control,
                      Map<String, String> inputs) {
            super(StageWorker.this.store, LOG, attempt.runId(), dataset, config, control, inputs);
            this.attempt = attempt;
        }

        @Override String stage() { return attempt.stage(); }
        @Override long stageExecutionId() { return attempt.id(); }

        /** The fence as its attempt's row states it now (an orchestrator re-attaching moves the token). */
        @Override
        RunStore.Fence fence() {
            long token = store.attempt(attempt.id()).map(RunStore.AttemptRow::fencingToken).orElse(0L);
            return new RunStore.Fence(config().runs().pipeline(), attempt.runId(), token);
        }
    }
}
