package dev.feedrank.orchestration;

import dev.feedrank.config.FeedrankConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * No run stays RUNNING after its process is gone: at start-up and then periodically, runs whose heartbeat is
 * older than {@code feedrank.runs.stale-after-seconds} become FAILED with reason {@code interrupted}, resumable;
 * with {@code feedrank.runs.resume-interrupted=true} they are resumed at once.
 */
@ApplicationScoped
public class InterruptedRunReaper {

    private static final Logger LOG = Logger.getLogger(InterruptedRunReaper.class);

    private final RunStore store;
    private final FeedrankConfig config;
    private final RunLauncher launcher;

    public InterruptedRunReaper(RunStore store, FeedrankConfig config, RunLauncher launcher) {
        this.store = store;
        this.config = config;
        this.launcher = launcher;
    }

    void onStart(@Observes StartupEvent event) {
        reap();
        if (config.runs().resumeInterrupted()) {
            // a run stopped at SIGTERM (rolling update, eviction) ended FAILED "interrupted" already: continue it
            store.latestInterruptedRun(config.runs().pipeline(), Instant.now().minus(Duration.ofDays(1))).ifPresent(id -> {
                LOG.infof("run %d was interrupted by a stop; resuming it (runs.resume-interrupted=true)", id);
                try {
                    launcher.resume(id, false);
                } catch (RuntimeException e) {
                    LOG.warnf("run %d: automatic resume refused: %s", id, e.getMessage());
                }
            });
        }
    }

    @Scheduled(every = "${feedrank.runs.heartbeat-seconds:10}s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void reap() {
        List<Long> interrupted = store.interruptStaleRuns(Instant.now().minus(Duration.ofSeconds(config.runs().staleAfterSeconds())));
        if (interrupted.isEmpty()) return;
        LOG.warnf("marked run(s) %s left behind by a dead process as FAILED (interrupted)%s", interrupted,
                config.runs().resumeInterrupted() ? "; resuming them (runs.resume-interrupted=true)" : "; resume them with POST /api/runs/{id}/resume");
        if (config.runs().resumeInterrupted()) {
            for (long id : interrupted) {
                try {
                    launcher.resume(id, false);
                } catch (RuntimeException e) {
                    LOG.warnf("run %d: automatic resume refused: %s", id, e.getMessage());
                }
            }
        }
    }
}
