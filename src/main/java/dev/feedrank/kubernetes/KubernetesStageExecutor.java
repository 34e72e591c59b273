package dev.feedrank.kubernetes;

import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.orchestration.AttemptResult;
import dev.feedrank.orchestration.DetachedAttemptException;
import dev.feedrank.orchestration.FencedException;
import dev.feedrank.orchestration.RemoteStageException;
import dev.feedrank.orchestration.RunControl;
import dev.feedrank.orchestration.RunStore;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageAttempt;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.orchestration.StageExecutor;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code stages.executor=kubernetes}: every stage attempt is a Kubernetes Job ({@link StageJobs}) that runs
 * {@code stage RUN_ID STAGE ATTEMPT} ({@code StageWorker}) in the server's image. The worker writes progress, metrics,
 * cost and its {@link AttemptResult} to PostgreSQL as the {@code process} executor's does; this side creates the Job,
 * records its name on the attempt's row, watches it (a watch wakes it up; it looks at least every
 * {@code stages.kubernetes.poll-millis}) and, once the Job has ended, applies the attempt's result.
 * <ul>
 *   <li>Job ended without a result (pod killed, evicted, out of memory, deadline): a transient failure; the runner
 *       retries with a new attempt (a new Job) that resumes from the checkpoint.</li>
 *   <li>cancel, replace, the stage timeout (an interrupt): the Job is deleted (propagation Background: its pod gets
 *       SIGTERM, checkpoints and records STOPPED within its grace period); this side waits
 *       {@code runs.shutdown-grace-seconds} for that result.</li>
 *   <li>this process shutting down, or losing the pipeline lease: the Job is left running and the attempt RUNNING
 *       ({@link DetachedAttemptException}); the next execution of the run re-attaches to it ({@link #reattach}).</li>
 * </ul>
 * The Kubernetes client is created only when this executor is used: a server on another executor never talks to a
 * cluster.
 */
@ApplicationScoped
public class KubernetesStageExecutor implements StageExecutor {

    private static final Logger LOG = Logger.getLogger(KubernetesStageExecutor.class);

    private final RunStore store;
    private final Supplier<KubernetesClient> clients;

    @Inject
    public KubernetesStageExecutor(RunStore store, Instance<KubernetesClient> clients) {
        this(store, (Supplier<KubernetesClient>) clients::get);
    }

    public KubernetesStageExecutor(RunStore store, Supplier<KubernetesClient> clients) {
        this.store = store;
        this.clients = clients;
    }

    @Override
    public String name() {
        return KUBERNETES;
    }

    private static String namespace(FeedrankConfig.Stages.Kubernetes settings, KubernetesClient client) {
        return settings.namespace().filter(s -> !s.isBlank())
                .orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
    }

    @Override
    public void execute(Stage stage, StageAttempt attempt, StageContext ctx, RunControl control) throws Exception {
        FeedrankConfig config = ctx.config();
        KubernetesClient client = clients.get();
        String namespace = namespace(config.stages().kubernetes(), client);
        Job spec;
        try {
            spec = StageJobs.job(attempt, config.stages(), config.runs().shutdownGraceSeconds());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new RemoteStageException("kubernetes executor: " + e.getMessage(), false);
        }
        String name = spec.getMetadata().getName();
        Resource<Job> job = client.batch().v1().jobs().inNamespace(namespace).withName(name);
        if (store.attemptResult(attempt.stageExecutionId()).isPresent()) {
            // an adopted attempt whose worker finished while no orchestrator watched: its result is all there is to do
            LOG.infof("run %d: stage %s attempt %d already has its worker's result (Job %s/%s)", attempt.runId(),
                    attempt.stage(), attempt.attempt(), namespace, name);
            applyResult(store.attemptResult(attempt.stageExecutionId()).get(), attempt, name, ctx, control);
            return;
        }
        try {
            if (job.get() != null) {
                LOG.infof("run %d: stage %s attempt %d: re-attaching to Job %s/%s", attempt.runId(), attempt.stage(),
                        attempt.attempt(), namespace, name);
            } else {
                client.batch().v1().jobs().inNamespace(namespace).resource(spec).create();
                LOG.infof("run %d: stage %s attempt %d runs in Job %s/%s", attempt.runId(), attempt.stage(),
                        attempt.attempt(), namespace, name);
            }
        } catch (KubernetesClientException e) {
            // 409: it exists already (created meanwhile): adopt it, never a second Job. Any other failure (a stage
            // timeout interrupting the call, a lost response) may have come after the server created it: a Job that
            // exists now is adopted too, so the wait below deletes it on a stop instead of leaving it orphaned.
            if (e.getCode() != 409 && !existsAfterFailedCreate(job)) {
                throw new RemoteStageException("interrupted: could not create Job " + namespace + "/" + name + ": "
                        + e.getMessage(), e.getCode() == 0 || e.getCode() >= 500 || e.getCode() == 429);
            }
            LOG.infof("run %d: stage %s attempt %d: Job %s/%s exists although its creation reported %s; adopting it",
                    attempt.runId(), attempt.stage(), attempt.attempt(), namespace, name, e.getMessage());
        }
        store.attemptJob(attempt.stageExecutionId(), name);
        Ending ending = await(job, attempt, control, config);
        Optional<AttemptResult> result = store.attemptResult(attempt.stageExecutionId());
        if (ending.kind() == Kind.DETACHED) {
            throw new DetachedAttemptException("detached from Job " + namespace + "/" + name + " ("
                    + control.reason() + "); it goes on and the run's next execution re-attaches to it");
        }
        if (result.isEmpty()) {
            if (ending.kind() == Kind.DELETED) {
                throw new RemoteStageException("stopped: Job " + namespace + "/" + name
                        + " was deleted and recorded no result within the grace period", false);
            }
            throw new RemoteStageException("interrupted: Job " + namespace + "/" + name + " ended without recording a result ("
                    + ending.detail() + ")", true);
        }
        applyResult(result.get(), attempt, name, ctx, control);
    }

    /**
     * Whether the Job exists, asked once more after its creation failed. An interrupt (the stage timeout) is held back
     * for the question and set again afterwards, so the wait still sees it.
     */
    private static boolean existsAfterFailedCreate(Resource<Job> job) {
        boolean interrupted = Thread.interrupted();
        try {
            return job.get() != null;
        } catch (KubernetesClientException e) {
            return false;
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private void applyResult(AttemptResult r, StageAttempt attempt, String name, StageContext ctx, RunControl control)
            throws RemoteStageException {
        if (AttemptResult.STOPPED.equals(r.status()) && RunControl.LEASE_LOST.equals(r.stopReason()) && !control.stopRequested()
                && holdsFence(attempt)) {
            // an adopted worker that looked at the lease between its new acquisition and its re-fencing: this execution
            // holds the lease, so the stop was no supersession; another attempt resumes from the checkpoint
            r.outputs().forEach(ctx::artifact);
            throw new RemoteStageException("interrupted: the worker of Job " + name
                    + " saw the lease move before it was re-fenced; retrying", true);
        }
        r.applyTo(ctx, control);
    }

    private boolean holdsFence(StageAttempt attempt) {
        try {
            store.assertFence(new RunStore.Fence(attempt.pipeline(), attempt.runId(), attempt.fencingToken()));
            return true;
        } catch (FencedException e) {
            return false;
        }
    }

    private enum Kind { ENDED, GONE, DELETED, DETACHED }

    /** How the wait for a Job ended. */
    private record Ending(Kind kind, String detail) {
    }

    /** Waits for the Job to end, or for a stop: deletes the Job (cancel, timeout) or detaches from it (shutdown, fenced). */
    private Ending await(Resource<Job> job, StageAttempt attempt, RunControl control, FeedrankConfig config)
            throws InterruptedException {
        long poll = Math.max(50, config.stages().kubernetes().pollMillis());
        int grace = Math.max(1, config.runs().shutdownGraceSeconds());
        LinkedBlockingQueue<Boolean> events = new LinkedBlockingQueue<>();
        Watch watch = null;
        try {
            watch = job.watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Job resource) {
                    events.offer(Boolean.TRUE);
                }

                @Override
                public void onClose(WatcherException cause) {
                    events.offer(Boolean.TRUE); // the loop polls on
                }
            });
        } catch (KubernetesClientException e) {
            LOG.warnf("run %d: watching stage %s's Job failed (%s); polling it", attempt.runId(), attempt.stage(), e.getMessage());
        }
        long giveUpAt = Long.MAX_VALUE;
        boolean interruptedOnce = false;
        try {
            while (true) {
                boolean interrupted = false;
                try {
                    events.poll(poll, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true; // the stage timeout: the runner's watchdog has asked the run to stop
                    interruptedOnce = true;
                }
                if (giveUpAt == Long.MAX_VALUE && (interrupted || control.stopRequested())) {
                    String reason = control.reason() == null ? RunControl.TIMEOUT : control.reason();
                    if (RunControl.SHUTDOWN.equals(reason) || RunControl.LEASE_LOST.equals(reason)) {
                        LOG.warnf("run %d: %s; leaving stage %s's Job %s running for the next execution to re-attach",
                                attempt.runId(), reason, attempt.stage(), jobName(job));
                        return new Ending(Kind.DETACHED, control.reason());
                    }
                    LOG.warnf("run %d: deleting stage %s's Job (%s); its pod checkpoints and stops", attempt.runId(),
                            attempt.stage(), reason);
                    try {
                        job.withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                    } catch (KubernetesClientException e) {
                        LOG.errorf("run %d: deleting the Job failed: %s", attempt.runId(), e.getMessage());
                    }
                    giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(grace);
                }
                if (giveUpAt != Long.MAX_VALUE) {
                    // deleted: wait for the worker's STOPPED result (its pod got SIGTERM), at most the grace period
                    if (store.attemptResult(attempt.stageExecutionId()).isPresent()) return new Ending(Kind.DELETED, "deleted");
                    if (System.nanoTime() > giveUpAt) {
                        LOG.errorf("run %d: stage %s's worker recorded no result within %d s of its Job's deletion",
                                attempt.runId(), attempt.stage(), grace);
                        return new Ending(Kind.DELETED, "deleted");
                    }
                    continue;
                }
                Job current;
                try {
                    current = job.get();
                } catch (KubernetesClientException e) {
                    LOG.warnf("run %d: reading stage %s's Job failed (%s); trying again", attempt.runId(), attempt.stage(), e.getMessage());
                    continue;
                }
                if (current == null) {
                    return new Ending(Kind.GONE, "the Job is gone");
                }
                if (StageJobs.finished(current)) {
                    // the worker records its result before it exits; the Job's status follows
                    return new Ending(Kind.ENDED, StageJobs.succeeded(current) ? "succeeded" : StageJobs.failure(current));
                }
            }
        } finally {
            if (watch != null) watch.close();
            if (interruptedOnce) Thread.currentThread().interrupt();
        }
    }

    private static String jobName(Resource<Job> job) {
        try {
            Job j = job.get();
            return j == null ? "(gone)" : j.getMetadata().getNamespace() + "/" + j.getMetadata().getName();
        } catch (KubernetesClientException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** A kubernetes attempt still RUNNING that has recorded its Job's name. */
    private static boolean runsAJob(RunStore.AttemptRow row) {
        return "RUNNING".equals(row.status()) && KUBERNETES.equals(row.executor()) && row.jobName() != null;
    }

    /**
     * A cancel of a run no execution owns: deletes the Job of a kubernetes attempt left RUNNING (propagation
     * Background: its pod gets SIGTERM and checkpoints) and closes the attempt CANCELLED. Nothing to do when the
     * attempt's worker has recorded its result (a resume applies it) or its Job is gone or has ended (a resume closes
     * it and starts a new attempt).
     */
    @Override
    public Optional<String> stopDetached(FeedrankConfig config, RunStore.AttemptRow row, String reason) {
        if (!runsAJob(row) || store.attemptResult(row.id()).isPresent()) return Optional.empty();
        KubernetesClient client = clients.get();
        String namespace = namespace(config.stages().kubernetes(), client);
        Resource<Job> job = client.batch().v1().jobs().inNamespace(namespace).withName(row.jobName());
        Job current = job.get();
        if (current == null || StageJobs.finished(current)) return Optional.empty();
        job.withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        String what = "Job " + namespace + "/" + row.jobName() + " deleted";
        store.cancelStage(row.id(), reason + ": " + what, Map.of());
        LOG.infof("run %d: stage %s attempt %d: %s (%s)", row.runId(), row.stage(), row.attempt(), what, reason);
        return Optional.of(what);
    }

    /**
     * Adopts the run's latest attempt of the stage if it is a kubernetes attempt still RUNNING whose Job goes on (or
     * ended with a result no orchestrator applied yet): its fencing token moves to {@code fence}'s and the runner
     * executes it again, which re-attaches to its Job. An attempt whose Job is gone or ended without a result, or whose
     * worker stopped, is closed FAILED {@code interrupted} and a new attempt starts (from the checkpoint).
     */
    @Override
    public OptionalLong reattach(FeedrankConfig config, RunStore.Fence fence, String stage) {
        try {
            Optional<RunStore.AttemptRow> latest = Optional.empty();
            for (int n = 1; ; n++) {
                Optional<RunStore.AttemptRow> row = store.attempt(fence.runId(), stage, n);
                if (row.isEmpty()) break;
                latest = row;
            }
            if (latest.isEmpty()) return OptionalLong.empty();
            RunStore.AttemptRow row = latest.get();
            if (!runsAJob(row)) return OptionalLong.empty();
            Optional<AttemptResult> result = store.attemptResult(row.id());
            KubernetesClient client = clients.get();
            String namespace = namespace(config.stages().kubernetes(), client);
            Job job = client.batch().v1().jobs().inNamespace(namespace).withName(row.jobName()).get();
            boolean adopt = result.isPresent() ? !AttemptResult.STOPPED.equals(result.get().status())
                    : job != null && !StageJobs.finished(job);
            if (!adopt) {
                String why = result.isPresent() ? "its worker stopped (" + result.get().error() + ")"
                        : job == null ? "its Job " + row.jobName() + " is gone" : "its Job " + row.jobName() + " ended without a result";
                LOG.warnf("run %d: stage %s attempt %d was left RUNNING but %s; starting a new attempt", fence.runId(),
                        stage, row.attempt(), why);
                store.failStage(row.id(), "interrupted: " + why, result.map(AttemptResult::outputs).orElse(Map.of()));
                return OptionalLong.empty();
            }
            store.refenceAttempt(row.id(), fence.token());
            LOG.infof("run %d: re-attaching to stage %s attempt %d (Job %s/%s%s; fencing token %s -> %d)", fence.runId(),
                    stage, row.attempt(), namespace, row.jobName(), result.isPresent() ? ", result already recorded" : ", running",
                    row.fencingToken(), fence.token());
            return OptionalLong.of(row.id());
        } catch (RuntimeException e) {
            LOG.warnf("run %d: could not look for a stage %s Job to re-attach to (%s); starting a new attempt",
                    fence.runId(), stage, e.getMessage());
            return OptionalLong.empty();
        }
    }
}
