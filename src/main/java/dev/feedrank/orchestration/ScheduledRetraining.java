package dev.feedrank.orchestration;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Map;

/** Cron-triggered retraining ({@code feedrank.schedule.cron}; "off" disables it, as in the local and test profiles). */
@ApplicationScoped
public class ScheduledRetraining {

    private static final Logger LOG = Logger.getLogger(ScheduledRetraining.class);

    private final RunLauncher launcher;

    public ScheduledRetraining(RunLauncher launcher) {
        this.launcher = launcher;
    }

    @Scheduled(identity = "retraining", cron = "${feedrank.schedule.cron}", concurrentExecution = Scheduled.ConcurrentExecution.PROCEED)
    public void fire() {
        RunSummary s = launcher.submit(Trigger.SCHEDULE, null, Map.of());
        LOG.infof("scheduled trigger: run %d %s", s.runId(), s.status());
    }
}
