package dev.feedrank.orchestration;

import dev.feedrank.config.FeedrankConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;

/**
 * No run stays RUNNING after its process is gone: at start-up and then periodically, runs whose heartbeat is
 * older than {@code feedrank.runs.stale-after-seconds} become FAILED with reason {@code interrupted}.
 */
@ApplicationScoped
public class InterruptedRunReaper {

    private static final Logger LOG = Logger.getLogger(InterruptedRunReaper.class);

    private final RunStore store;
    private final FeedrankConfig config;

    public InterruptedRunReaper(RunStore store, FeedrankConfig config) {
        this.store = store;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        reap();
    }

    @Scheduled(every = "${feedrank.runs.heartbeat-seconds:10}s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void reap() {
        int n = store.interruptStaleRuns(Instant.now().minus(Duration.ofSeconds(config.runs().staleAfterSeconds())));
        if (n > 0) {
            LOG.warnf("marked %d run(s) left behind by a dead process as FAILED (interrupted)", n);
        }
    }
}
