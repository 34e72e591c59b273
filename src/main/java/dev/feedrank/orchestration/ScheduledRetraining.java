package dev.feedrank.orchestration;

import dev.feedrank.config.FeedrankConfig;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;

/**
 * Cron-triggered retraining ({@code feedrank.schedule.cron}; "off" disables it, as in the local and test profiles).
 * Every replica fires the same cron: each tick is claimed in PostgreSQL, so one replica starts the tick's run and
 * the others do nothing. A suspended schedule (persisted, obeyed by every replica) starts nothing. The run itself
 * is subject to the pipeline lease and concurrency policy like any trigger.
 */
@ApplicationScoped
public class ScheduledRetraining {

    private static final Logger LOG = Logger.getLogger(ScheduledRetraining.class);
    static final String JOB = "retraining";

    /** The schedule as shown by {@code GET /api/schedule}. */
    public record ScheduleView(String pipeline, String cron, Instant nextFireTime, boolean suspended, Instant changedAt,
                               String changedBy, String reason) {
    }

    private final RunLauncher launcher;
    private final RunStore store;
    private final FeedrankConfig config;
    private final Scheduler scheduler;
    private final Event<ScheduleTick> ticks;
    private final String owner = ProcessIdentity.id();

    public ScheduledRetraining(RunLauncher launcher, RunStore store, FeedrankConfig config, Scheduler scheduler,
                               Event<ScheduleTick> ticks) {
        this.launcher = launcher;
        this.store = store;
        this.config = config;
        this.scheduler = scheduler;
        this.ticks = ticks;
    }

    @Scheduled(identity = JOB, cron = "${feedrank.schedule.cron}", concurrentExecution = Scheduled.ConcurrentExecution.PROCEED)
    void onTick(ScheduledExecution execution) {
        fire(execution.getScheduledFireTime());
    }

    /** A tick now (what the cron does; also used by tests). */
    public Optional<RunSummary> fire() {
        return fire(Instant.now());
    }

    public Optional<RunSummary> fire(Instant fireTime) {
        String pipeline = config.runs().pipeline();
        try {
            // every tick, suspended or not, claimed here or not: observers keep what serves production fresh (Redis TTLs)
            ticks.fire(new ScheduleTick(pipeline, fireTime));
        } catch (RuntimeException e) {
            LOG.warnf("scheduled tick %s: an observer failed: %s", fireTime, e.getMessage());
        }
        if (store.scheduleState(pipeline).map(RunStore.ScheduleState::suspended).orElse(false)) {
            LOG.infof("scheduled tick %s: the schedule of pipeline %s is suspended; no run", fireTime, pipeline);
            return Optional.empty();
        }
        Instant tick = fireTime.truncatedTo(ChronoUnit.SECONDS);
        if (!store.claimTick(pipeline, tick, owner)) {
            LOG.infof("scheduled tick %s already claimed by another replica", tick);
            return Optional.empty();
        }
        RunSummary s = launcher.submit(Trigger.SCHEDULE, null, Map.of());
        store.tickRun(pipeline, tick, s.runId());
        LOG.infof("scheduled trigger %s: run %d %s", tick, s.runId(), s.status());
        return Optional.of(s);
    }

    public ScheduleView view() {
        String pipeline = config.runs().pipeline();
        var state = store.scheduleState(pipeline);
        var job = scheduler.getScheduledJob(JOB);
        Instant next = job == null || state.map(RunStore.ScheduleState::suspended).orElse(false) ? null : job.getNextFireTime();
        return new ScheduleView(pipeline, config.schedule().cron(), next, state.map(RunStore.ScheduleState::suspended).orElse(false),
                state.map(RunStore.ScheduleState::changedAt).orElse(null), state.map(RunStore.ScheduleState::changedBy).orElse(null),
                state.map(RunStore.ScheduleState::reason).orElse(null));
    }

    public ScheduleView suspend(String by, String reason) {
        store.setScheduleSuspended(config.runs().pipeline(), true, by, reason);
        LOG.infof("schedule suspended by %s: %s", by, reason);
        return view();
    }

    public ScheduleView resume(String by, String reason) {
        store.setScheduleSuspended(config.runs().pipeline(), false, by, reason);
        LOG.infof("schedule resumed by %s: %s", by, reason);
        return view();
    }
}
