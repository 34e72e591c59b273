package dev.feedrank.orchestration;

import dev.feedrank.config.RunConfigFactory;
import dev.feedrank.config.RunConfigFactory.RunConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Entry point of every trigger (schedule, API, CLI). At most one run executes per process: a trigger that
 * arrives while one runs is recorded as a SKIPPED run.
 */
@ApplicationScoped
public class RunLauncher {

    private static final Logger LOG = Logger.getLogger(RunLauncher.class);

    private final PipelineRunner runner;
    private final RunStore store;
    private final RunConfigFactory configs;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final AtomicBoolean busy = new AtomicBoolean();
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
        if (p.skipped != null) return p.skipped;
        try {
            return runner.execute(p.runId, p.dataset, p.config.config());
        } finally {
            busy.set(false);
        }
    }

    /** Records the run and executes it in the background (API, schedule). */
    public RunSummary submit(Trigger trigger, String dataset, Map<String, String> overrides) {
        Prepared p = prepare(trigger, dataset, overrides);
        if (p.skipped != null) return p.skipped;
        try {
            background.submit(() -> {
                try {
                    runner.execute(p.runId, p.dataset, p.config.config());
                } catch (Throwable e) {
                    LOG.errorf(e, "run %d: runner crashed", p.runId);
                    store.finishRun(p.runId, RunStatus.FAILED, null, null, "runner crashed: " + e);
                } finally {
                    busy.set(false);
                }
            });
        } catch (RuntimeException e) {
            busy.set(false);
            throw e;
        }
        return new RunSummary(p.runId, RunStatus.QUEUED, null, null, null);
    }

    public boolean isBusy() {
        return busy.get();
    }

    private record Prepared(long runId, String dataset, RunConfig config, RunSummary skipped) {
    }

    private Prepared prepare(Trigger trigger, String dataset, Map<String, String> overrides) {
        RunConfig config = configs.create(overrides); // invalid overrides fail before anything is recorded
        String ds = dataset == null || dataset.isBlank() ? config.config().dataset() : dataset;
        String snapshot = snapshot(config);
        if (!busy.compareAndSet(false, true)) {
            long id = store.createRun(trigger, ds, snapshot, RunStatus.SKIPPED, "skipped: another run is in progress in this process");
            meters.counter("feedrank.runs", "status", "SKIPPED").increment();
            LOG.warnf("run %d (%s trigger) skipped: another run is in progress", id, trigger.dbValue());
            return new Prepared(id, ds, config, new RunSummary(id, RunStatus.SKIPPED, null, null, "another run is in progress"));
        }
        try {
            long id = store.createRun(trigger, ds, snapshot, RunStatus.QUEUED, null);
            return new Prepared(id, ds, config, null);
        } catch (RuntimeException e) {
            busy.set(false);
            throw e;
        }
    }

    private String snapshot(RunConfig config) {
        try {
            return json.writeValueAsString(RunConfigFactory.masked(config.snapshot()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @PreDestroy
    void stop() {
        background.shutdownNow();
    }
}
