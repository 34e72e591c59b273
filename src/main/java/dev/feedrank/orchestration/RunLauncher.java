package dev.feedrank.orchestration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.config.RunConfigFactory;
import dev.feedrank.config.RunConfigFactory.RunConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Entry point of every trigger (schedule, API, CLI) and of resume and cancel. A run executes only while it holds
 * its pipeline's lease in PostgreSQL, so at most one run per pipeline executes across all replicas. A trigger that
 * finds the pipeline busy follows {@code runs.concurrency-policy}: {@code forbid} records it as SKIPPED;
 * {@code replace} asks the running run to stop (wherever it runs) and starts once the lease is free.
 */
@ApplicationScoped
public class RunLauncher {

    private static final Logger LOG = Logger.getLogger(RunLauncher.class);

    private final PipelineRunner runner;
    private final RunStore store;
    private final RunConfigFactory configs;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final String owner = ProcessIdentity.id();
    private final Map<Long, RunControl> active = new ConcurrentHashMap<>();
    /** The fencing token of this process's latest lease acquisition per run, taken by the execution that follows. */
    private final Map<Long, Long> leaseTokens = new ConcurrentHashMap<>();
    /** Runs executing in this JVM (across launcher instances), for services that must outlive them at shutdown. */
    private static final java.util.concurrent.atomic.AtomicInteger EXECUTING = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Waits (at most the given time) until no run executes in this JVM. Local mode's embedded PostgreSQL and S3
     * stop in JVM shutdown hooks, which run concurrently with the application's shutdown: they wait here so that a
     * run stopping at SIGTERM can still write its checkpoint and its status.
     */
    public static void awaitNoExecutingRuns(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (EXECUTING.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pipeline-run");
        t.setDaemon(true);
        return t;
    });

    public RunLauncher(PipelineRunner runner, RunStore store, RunConfigFactory configs, ObjectMapper json, MeterRegistry meters) {
        this.runner = runner;
        this.store = store;
        this.configs = configs;
        this.json = json;
        this.meters = meters;
    }

    /** Runs synchronously in the calling thread (CLI). */
    public RunSummary runNow(Trigger trigger, String dataset, Map<String, String> overrides) {
        Prepared p = prepare(trigger, dataset, overrides);
        Optional<RunSummary> refused = admit(p.runId, p.config.config(), true, false);
        if (refused.isPresent()) return refused.get();
        return execute(p.runId, p.dataset, p.config.config(), Map.of());
    }

    /** Records the run and executes it in the background (API, schedule). */
    public RunSummary submit(Trigger trigger, String dataset, Map<String, String> overrides) {
        Prepared p = prepare(trigger, dataset, overrides);
        Optional<RunSummary> refused = admit(p.runId, p.config.config(), false, false);
        if (refused.isPresent()) return refused.get();
        background.submit(() -> {
            if (admit(p.runId, p.config.config(), true, false).isEmpty()) {
                execute(p.runId, p.dataset, p.config.config(), Map.of());
            }
        });
        return new RunSummary(p.runId, RunStatus.QUEUED, null, null, null);
    }

    /**
     * Continues a FAILED or CANCELLED run (or one left RUNNING by a dead process) from its first unfinished stage,
     * with the configuration it was started with; completed stages are reused from their stored outputs.
     *
     * @param wait run in the calling thread (CLI) rather than in the background (API)
     */
    public RunSummary resume(long runId, boolean wait) {
        RunStore.StoredRun run = store.find(runId).orElseThrow(() -> new RunStateException("no run " + runId, true));
        FeedrankConfig config = configFromSnapshot(run);
        if (RunStatus.RUNNING.name().equals(run.status()) || RunStatus.QUEUED.name().equals(run.status())) {
            Instant staleBefore = Instant.now().minus(Duration.ofSeconds(config.runs().staleAfterSeconds()));
            if (run.heartbeatAt() != null && run.heartbeatAt().isBefore(staleBefore) && !active.containsKey(runId)) {
                store.interruptStaleRuns(staleBefore);
                run = store.find(runId).orElseThrow();
            }
        }
        RunStatus status = RunStatus.valueOf(run.status());
        if (!status.resumable()) {
            throw new RunStateException("run " + runId + " is " + status + "; only FAILED or CANCELLED runs (including "
                    + "interrupted ones) can be resumed", false);
        }
        Optional<RunSummary> refused = admit(runId, config, wait, true);
        if (refused.isPresent()) {
            throw new RunStateException("run " + runId + " cannot resume now: " + refused.get().error(), false);
        }
        Map<String, Map<String, String>> completed = store.completedStages(runId);
        store.markResumed(runId);
        LOG.infof("run %d: resuming; completed stages %s are reused", runId, completed.keySet());
        String dataset = run.dataset();
        if (wait) return execute(runId, dataset, config, completed);
        background.submit(() -> {
            // under "replace" the lease is only requested above: wait for it here, never execute without it
            Optional<RunSummary> late = admit(runId, config, true, true);
            if (late.isEmpty()) {
                execute(runId, dataset, config, completed);
            } else {
                leaseTokens.remove(runId);
                store.finishRun(runId, RunStatus.FAILED, null, null, "interrupted: could not resume: " + late.get().error());
            }
        });
        return new RunSummary(runId, RunStatus.QUEUED, null, null, null);
    }

    /**
     * Asks a queued or running run to stop; training stops between batches and checkpoints. A FAILED or CANCELLED run
     * that no execution owns but whose stage worker still runs detached (a Kubernetes Job left going on when its
     * orchestrator shut down or lost the lease, see {@link StageExecutor#stopDetached}) is cancelled too: the worker
     * is stopped (it checkpoints) and the run becomes CANCELLED, still resumable. Returns what was done, in a line.
     */
    public String cancel(long runId, String by) {
        RunStore.StoredRun run = store.find(runId).orElseThrow(() -> new RunStateException("no run " + runId, true));
        RunStatus status = RunStatus.valueOf(run.status());
        if (status != RunStatus.RUNNING && status != RunStatus.QUEUED) {
            List<String> stopped = status.resumable() ? stopDetachedWorkers(run, by) : List.of();
            if (stopped.isEmpty()) {
                throw new RunStateException("run " + runId + " is " + status + "; only QUEUED or RUNNING runs (or a stopped "
                        + "run whose stage worker still runs detached) can be cancelled", false);
            }
            String what = "stopped " + String.join(", ", stopped) + ", left running after the run " + (status == RunStatus.FAILED
                    ? "failed (" + briefly(run.error()) + ")" : "was cancelled");
            if (status == RunStatus.FAILED) store.finishRun(runId, RunStatus.CANCELLED, null, null, "cancelled by " + by + ": " + what);
            LOG.infof("run %d: cancelled by %s: %s", runId, by, what);
            return "cancelled: " + what;
        }
        store.requestStop(runId, RunControl.CANCEL, by);
        RunControl local = active.get(runId);
        if (local != null) local.stop(RunControl.CANCEL, by);
        LOG.infof("run %d: cancel requested by %s%s", runId, by, local == null ? " (its owner sees it with its next heartbeat)" : "");
        return "cancel requested";
    }

    /** The first line of an error, at most 200 characters. */
    private static String briefly(String error) {
        if (error == null) return "no error recorded";
        String line = error.lines().findFirst().orElse("");
        return line.length() <= 200 ? line : line.substring(0, 199) + "…";
    }

    /** Stops the detached workers of a run no execution owns; what was stopped. */
    private List<String> stopDetachedWorkers(RunStore.StoredRun run, String by) {
        if (active.containsKey(run.id())) return List.of();
        FeedrankConfig config = configFromSnapshot(run);
        if (store.leaseHolder(config.runs().pipeline()).filter(h -> h == run.id()).isPresent()) return List.of();
        List<String> stopped = new ArrayList<>();
        for (RunStore.AttemptRow attempt : store.runningAttempts(run.id())) {
            Optional<String> what;
            try {
                what = runner.executorNamed(attempt.executor())
                        .flatMap(e -> e.stopDetached(config, attempt, "cancelled by " + by + " while no orchestrator watched it"));
            } catch (RuntimeException e) { // e.g. the cluster API unreachable: refused (409), the cancel can be repeated
                throw new RunStateException("run " + run.id() + ": could not stop its " + attempt.stage() + " attempt "
                        + attempt.attempt() + " (" + attempt.executor() + "): " + e.getMessage(), false);
            }
            what.ifPresent(w -> stopped.add(attempt.stage() + " attempt " + attempt.attempt() + " (" + w + ")"));
        }
        return stopped;
    }

    private RunSummary execute(long runId, String dataset, FeedrankConfig config, Map<String, Map<String, String>> completed) {
        Long token = leaseTokens.remove(runId);
        if (token == null) throw new IllegalStateException("run " + runId + " executes without its pipeline lease");
        RunControl control = new RunControl(runId, token);
        active.put(runId, control);
        EXECUTING.incrementAndGet();
        try {
            // a stop requested while the run was queued (cancel, replace) applies at once
            store.stopRequest(runId).ifPresent(r -> control.stop(r[0], r[1]));
            return runner.execute(runId, dataset, config, completed, control);
        } catch (Throwable e) {
            LOG.errorf(e, "run %d: runner crashed", runId);
            try {
                RunStore.Fence fence = new RunStore.Fence(config.runs().pipeline(), runId, token);
                store.finishRun(fence, RunStatus.FAILED, null, null, "runner crashed: " + e);
                store.releaseLease(fence);
            } catch (RuntimeException again) {
                LOG.errorf("run %d: could not record the crash (%s); the reaper will mark it interrupted", runId, again.getMessage());
            }
            return new RunSummary(runId, RunStatus.FAILED, null, null, "runner crashed: " + e);
        } finally {
            active.remove(runId);
            EXECUTING.decrementAndGet();
        }
    }

    /**
     * Takes the pipeline lease for the run, following the concurrency policy. Returns the SKIPPED summary when the
     * run must not execute. With {@code mayWait} false, a replace only asks the running run to stop (the caller
     * waits later, e.g. in the background).
     */
    private Optional<RunSummary> admit(long runId, FeedrankConfig config, boolean mayWait, boolean resuming) {
        String pipeline = config.runs().pipeline();
        int ttl = config.runs().staleAfterSeconds();
        if (acquire(pipeline, runId, ttl)) return Optional.empty();
        Optional<Long> holder = store.leaseHolder(pipeline);
        String policy = config.runs().concurrencyPolicy().toLowerCase(Locale.ROOT);
        if (policy.equals("replace") && holder.isPresent() && holder.get() != runId) {
            long other = holder.get();
            store.requestStop(other, RunControl.REPLACE, "run " + runId);
            RunControl local = active.get(other);
            if (local != null) local.stop(RunControl.REPLACE, "run " + runId);
            LOG.infof("run %d: replacing run %d (concurrency policy replace)", runId, other);
            if (!mayWait) return Optional.empty();
            long deadline = System.currentTimeMillis() + config.runs().replaceWaitSeconds() * 1000L;
            while (System.currentTimeMillis() < deadline) {
                if (acquire(pipeline, runId, ttl)) return Optional.empty();
                store.heartbeat(runId);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return Optional.of(skip(runId, "run " + other + " did not stop within " + config.runs().replaceWaitSeconds()
                    + " s (concurrency policy replace)", resuming));
        }
        String who = holder.map(h -> "another run is in progress (run " + h + " holds the pipeline lease)")
                .orElse("another run is in progress");
        return Optional.of(skip(runId, who + "; concurrency policy " + policy, resuming));
    }

    /** Takes the lease; the acquisition's fencing token goes to the execution that follows. */
    private boolean acquire(String pipeline, long runId, int ttl) {
        java.util.OptionalLong token = store.tryAcquireLease(pipeline, runId, owner, ttl);
        token.ifPresent(t -> leaseTokens.put(runId, t));
        return token.isPresent();
    }

    private RunSummary skip(long runId, String why, boolean resuming) {
        if (!resuming) {
            store.markSkipped(runId, "skipped: " + why);
            meters.counter("feedrank.runs", "status", "SKIPPED").increment();
            LOG.warnf("run %d skipped: %s", runId, why);
        }
        return new RunSummary(runId, RunStatus.SKIPPED, null, null, why);
    }

    private record Prepared(long runId, String dataset, RunConfig config) {
    }

    private Prepared prepare(Trigger trigger, String dataset, Map<String, String> overrides) {
        RunConfig config = configs.create(overrides); // invalid overrides fail before anything is recorded
        String policy = config.config().runs().concurrencyPolicy().toLowerCase(Locale.ROOT);
        if (!policy.equals("forbid") && !policy.equals("replace")) {
            throw new IllegalArgumentException("runs.concurrency-policy must be forbid or replace, got '" + policy + "'");
        }
        runner.executor(config.config()); // stages.executor must name an executor
        String ds = dataset == null || dataset.isBlank() ? config.config().dataset() : dataset;
        configs.checkDataset(ds, config.config()); // data.allowed-locations: refused before a run is recorded
        long id = store.createRun(config.config().runs().pipeline(), trigger, ds, snapshot(config), RunStatus.QUEUED, null);
        return new Prepared(id, ds, config);
    }

    /** The run's own configuration again: its stored snapshot (secrets, stored masked, come from the process). */
    private FeedrankConfig configFromSnapshot(RunStore.StoredRun run) {
        return configFromSnapshot(run, configs, json);
    }

    /** A stored run's configuration: its snapshot over this process's configuration (secrets come from the process). */
    static FeedrankConfig configFromSnapshot(RunStore.StoredRun run, RunConfigFactory configs, ObjectMapper json) {
        Map<String, String> values = new LinkedHashMap<>();
        try {
            Map<String, String> stored = json.readValue(run.configSnapshot(), new TypeReference<LinkedHashMap<String, String>>() { });
            stored.forEach((k, v) -> {
                if (!"***".equals(v)) values.put(k, v);
            });
        } catch (JsonProcessingException | RuntimeException e) {
            throw new RunStateException("run " + run.id() + " has an unreadable config snapshot: " + e.getMessage(), false);
        }
        try {
            return configs.create(values).config();
        } catch (IllegalArgumentException e) {
            throw new RunStateException("run " + run.id() + "'s configuration is no longer valid: " + e.getMessage(), false);
        }
    }

    private String snapshot(RunConfig config) {
        try {
            return json.writeValueAsString(RunConfigFactory.masked(config.snapshot()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * SIGTERM (pod eviction): the running stage finishes its current batch, checkpoints and stops; the run is left
     * FAILED {@code interrupted}, resumable. Waits at most {@code runs.shutdown-grace-seconds}.
     */
    void onShutdown(@Observes ShutdownEvent event) {
        if (active.isEmpty()) return;
        FeedrankConfig config = configs.create(Map.of()).config();
        long graceMs = config.runs().shutdownGraceSeconds() * 1000L;
        for (RunControl c : active.values()) {
            LOG.warnf("run %d: shutting down; asking it to checkpoint and stop (grace %d s)", c.runId(), graceMs / 1000);
            c.stop(RunControl.SHUTDOWN, "shutdown");
        }
        long deadline = System.currentTimeMillis() + graceMs;
        for (RunControl c : active.values()) {
            try {
                if (!c.awaitFinished(Math.max(1, deadline - System.currentTimeMillis()))) {
                    LOG.errorf("run %d did not stop within the grace period; the reaper will mark it interrupted", c.runId());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @PreDestroy
    void stop() {
        background.shutdownNow();
    }
}
