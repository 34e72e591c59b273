package dev.feedrank.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.orchestration.AttemptResult;
import dev.feedrank.orchestration.DetachedAttemptException;
import dev.feedrank.orchestration.FencedException;
import dev.feedrank.orchestration.RemoteStageException;
import dev.feedrank.orchestration.RunControl;
import dev.feedrank.orchestration.RunStore;
import dev.feedrank.orchestration.StageAttempt;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.orchestration.StageExecutor;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The {@code kubernetes} stage executor against fabric8's Kubernetes <b>mock</b> server in CRUD mode: an in-memory API
 * server that stores and returns objects and serves watches, but runs no controllers, schedules no pods and never
 * moves a Job's status. The test therefore plays the worker and the Job controller: it writes the attempt's
 * {@link AttemptResult} (as {@code StageWorker} does in the Job's pod) and sets the Job's status. The attempt rows live
 * in a small in-memory {@link RunStore} (the Kubernetes side is the unit under test; the PostgreSQL store's attempt
 * columns are covered by the process executor's tests).
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesStageExecutorTest {

    static KubernetesClient client;

    private static final String NS = "feedrank-test";
    private static final String IMAGE = "registry.example.internal/feedrank:1.4.0";

    private MemoryStore store;
    private KubernetesStageExecutor executor;
    private ExecutorService threads;

    @BeforeEach
    void setUp() {
        store = new MemoryStore();
        executor = new KubernetesStageExecutor(store.proxy(), () -> client);
        threads = Executors.newCachedThreadPool();
        client.batch().v1().jobs().inNamespace(NS).delete();
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
    }

    static FeedrankConfig config(long pollMillis, Map<String, String> more) {
        Map<String, String> p = new HashMap<>();
        p.put("feedrank.stages.executor", "kubernetes");
        p.put("feedrank.stages.kubernetes.namespace", NS);
        p.put("feedrank.stages.kubernetes.image", IMAGE);
        p.put("feedrank.stages.kubernetes.service-account", "feedrank-stage");
        p.put("feedrank.stages.kubernetes.env-from-config-maps", "feedrank-config");
        p.put("feedrank.stages.kubernetes.env-from-secrets", "feedrank-secrets");
        p.put("feedrank.stages.kubernetes.ttl-seconds-after-finished", "600");
        p.put("feedrank.stages.kubernetes.poll-millis", Long.toString(pollMillis));
        p.put("feedrank.stages.resources.train.cpu", "4");
        p.put("feedrank.stages.resources.train.memory", "12Gi");
        p.put("feedrank.stages.resources.train.gpu", "1");
        p.put("feedrank.stages.resources.train.node-selector", "nvidia.com/gpu.present=true,pool=gpu");
        p.put("feedrank.stages.resources.train.tolerations", "nvidia.com/gpu:NoSchedule,dedicated=training:NoExecute");
        p.put("feedrank.runs.shutdown-grace-seconds", "2");
        p.putAll(more);
        SmallRyeConfig c = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(p, "test", 500))
                .withMapping(FeedrankConfig.class)
                .withValidateUnknown(true)
                .build();
        return c.getConfigMapping(FeedrankConfig.class);
    }

    private Job job(String name) {
        return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    private List<Job> jobsOf(long runId) {
        return client.batch().v1().jobs().inNamespace(NS).withLabel(StageJobs.LABEL_RUN, Long.toString(runId)).list().getItems();
    }

    private void markJob(String name, boolean succeeded, String reason) {
        client.batch().v1().jobs().inNamespace(NS).withName(name).editStatus(j -> new JobBuilder(j).withNewStatus()
                .withSucceeded(succeeded ? 1 : 0).withFailed(succeeded ? 0 : 1)
                .addNewCondition().withType(succeeded ? "Complete" : "Failed").withStatus("True").withReason(reason).endCondition()
                .endStatus().build());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** Runs execute on another thread, as the runner's run thread. */
    private Future<Void> start(StageAttempt attempt, TestContext ctx, RunControl control) {
        return threads.submit(() -> {
            executor.execute(null, attempt, ctx.proxy(), control);
            return null;
        });
    }

    private static Throwable failureOf(Future<Void> f) throws Exception {
        try {
            f.get(20, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    /** The mock server logs every request at INFO. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** k8s/overlays/job-executor sets the per-stage resources as environment variables of the server. */
    @Test
    void perStageResourcesCanBeSetThroughEnvironmentVariables() {
        Map<String, String> env = Map.of("FEEDRANK_STAGES_EXECUTOR", "kubernetes",
                "FEEDRANK_STAGES_KUBERNETES_IMAGE", IMAGE,
                "FEEDRANK_STAGES_RESOURCES_TRAIN_GPU", "1",
                "FEEDRANK_STAGES_RESOURCES_TRAIN_MEMORY", "16Gi",
                "FEEDRANK_STAGES_RESOURCES_TRAIN_NODE_SELECTOR", "nvidia.com/gpu.present=true",
                "FEEDRANK_STAGES_RESOURCES_TRAIN_TOLERATIONS", "nvidia.com/gpu:NoSchedule",
                "FEEDRANK_STAGES_KUBERNETES_ENV_FROM_SECRETS", "feedrank-secrets");
        SmallRyeConfig c = new SmallRyeConfigBuilder()
                .withSources(new io.smallrye.config.EnvConfigSource(env, 300))
                .withMapping(FeedrankConfig.class)
                .build();
        FeedrankConfig config = c.getConfigMapping(FeedrankConfig.class);
        Job job = StageJobs.job(new StageAttempt(1, "default", "train", 1, 1, 1, 0), config.stages(), 2);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        assertEquals(new Quantity("1"), container.getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals(new Quantity("16Gi"), container.getResources().getLimits().get("memory"));
        assertEquals(Map.of("nvidia.com/gpu.present", "true"), pod.getNodeSelector());
        assertEquals("nvidia.com/gpu", pod.getTolerations().get(0).getKey());
        assertEquals(IMAGE, container.getImage());
    }

    @Test
    void jobNamesAreDeterministicDnsLabelsOfAtMost63Characters() {
        assertEquals("feedrank-42-train-3", StageJobs.jobName(42, "train", 3));
        assertEquals("feedrank-7-prepare-data-1", StageJobs.jobName(7, "prepare-data", 1));
        String longName = StageJobs.jobName(9_223_372_036_854_775_807L, "A_very_long_stage_name_that_goes_on_and_on", 12);
        assertTrue(longName.length() <= 63, longName);
        assertTrue(longName.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), longName);
        assertTrue(longName.endsWith("-12"), longName);
        assertEquals(StageJobs.jobName(5, "train", 2), StageJobs.jobName(5, "train", 2));
    }

    @Test
    void theTrainJobHasTheImageArgsResourcesSchedulingAndLimitsFromConfig() throws Exception {
        FeedrankConfig config = config(100, Map.of());
        long id = store.newAttempt(11, "train", 5);
        StageAttempt attempt = new StageAttempt(11, "default", "train", 1, id, 5, 7200);
        TestContext ctx = new TestContext(config);
        Future<Void> run = start(attempt, ctx, new RunControl(11, 5));
        String name = "feedrank-11-train-1";
        await(() -> job(name) != null, "the Job");
        Job job = job(name);

        Map<String, String> labels = job.getMetadata().getLabels();
        assertEquals("11", labels.get(StageJobs.LABEL_RUN));
        assertEquals("train", labels.get(StageJobs.LABEL_STAGE));
        assertEquals("1", labels.get(StageJobs.LABEL_ATTEMPT));
        assertEquals("default", labels.get(StageJobs.LABEL_PIPELINE));
        assertEquals("feedrank", labels.get(StageJobs.LABEL_MANAGED_BY));
        assertEquals(Long.toString(id), job.getMetadata().getAnnotations().get(StageJobs.ANNOTATION_EXECUTION));
        assertEquals(0, job.getSpec().getBackoffLimit(), "feedrank owns retries");
        assertEquals(600, job.getSpec().getTtlSecondsAfterFinished());
        assertEquals(7200 + 2 + StageJobs.DEADLINE_MARGIN_SECONDS, job.getSpec().getActiveDeadlineSeconds(),
                "the stage timeout plus the shutdown grace: the orchestrator's own timeout stops it first");
        assertEquals(labels, job.getSpec().getTemplate().getMetadata().getLabels());

        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertEquals("Never", pod.getRestartPolicy());
        assertEquals("feedrank-stage", pod.getServiceAccountName());
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "the worker needs no Kubernetes API");
        assertEquals(Map.of("nvidia.com/gpu.present", "true", "pool", "gpu"), pod.getNodeSelector());
        List<Toleration> tolerations = pod.getTolerations();
        assertEquals(2, tolerations.size());
        assertEquals("nvidia.com/gpu", tolerations.get(0).getKey());
        assertEquals("Exists", tolerations.get(0).getOperator());
        assertEquals("NoSchedule", tolerations.get(0).getEffect());
        assertEquals("dedicated", tolerations.get(1).getKey());
        assertEquals("Equal", tolerations.get(1).getOperator());
        assertEquals("training", tolerations.get(1).getValue());
        assertEquals("NoExecute", tolerations.get(1).getEffect());
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertTrue(pod.getVolumes().stream().anyMatch(v -> "tmp".equals(v.getName()) && v.getEmptyDir() != null));

        assertEquals(1, pod.getContainers().size());
        Container c = pod.getContainers().get(0);
        assertEquals(IMAGE, c.getImage());
        assertTrue(c.getCommand() == null || c.getCommand().isEmpty(), "the image's entrypoint runs the CLI");
        assertEquals(List.of("stage", "11", "train", "1"), c.getArgs());
        assertTrue(c.getEnv().stream().anyMatch(e -> "DJL_OFFLINE".equals(e.getName()) && "true".equals(e.getValue())));
        assertEquals(List.of("feedrank-config"), c.getEnvFrom().stream().filter(e -> e.getConfigMapRef() != null)
                .map(e -> e.getConfigMapRef().getName()).toList());
        assertEquals(List.of("feedrank-secrets"), c.getEnvFrom().stream().filter(e -> e.getSecretRef() != null)
                .map(e -> e.getSecretRef().getName()).toList());
        assertEquals(new Quantity("1"), c.getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals(new Quantity("4"), c.getResources().getRequests().get("cpu"));
        assertEquals(new Quantity("4"), c.getResources().getLimits().get("cpu"));
        assertEquals(new Quantity("12Gi"), c.getResources().getRequests().get("memory"));
        assertEquals(new Quantity("12Gi"), c.getResources().getLimits().get("memory"));
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(name, store.row(id).jobName(), "the Job's name is recorded on the attempt's row");

        // a stage without resources of its own gets none (and no GPU)
        Job evaluate = StageJobs.job(new StageAttempt(11, "default", "evaluate", 1, 99, 5, 0), config.stages(), 2);
        Container e = evaluate.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(e.getResources().getLimits() == null || e.getResources().getLimits().isEmpty());
        assertNull(evaluate.getSpec().getActiveDeadlineSeconds(), "no timeout, no deadline");
        assertNull(evaluate.getSpec().getTemplate().getSpec().getNodeSelector());

        store.attemptResult(id, AttemptResult.succeeded(Map.of("model", "runs/11/model.params"), null, null, 1234.5));
        markJob(name, true, null);
        assertNull(failureOf(run));
    }

    /** With the poll interval far above the test's patience, only the watch can wake the executor up. */
    @Test
    void aWatchEventOnTheJobEndsTheWaitAndTheWorkersResultIsApplied() throws Exception {
        long id = store.newAttempt(12, "train", 5);
        TestContext ctx = new TestContext(config(600_000, Map.of()));
        RunControl control = new RunControl(12, 5);
        Future<Void> run = start(new StageAttempt(12, "default", "train", 1, id, 5, 0), ctx, control);
        await(() -> job("feedrank-12-train-1") != null, "the Job");
        Thread.sleep(300); // the executor is waiting on its watch
        store.attemptResult(id, AttemptResult.succeeded(Map.of("model", "runs/12/best.params"), "promoted", "v12", 900.0));
        markJob("feedrank-12-train-1", true, null);
        long t0 = System.nanoTime();
        assertNull(failureOf(run));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "woken up by the watch, not by a poll");
        assertEquals(Map.of("model", "runs/12/best.params"), ctx.artifacts);
        assertEquals(900.0, ctx.throughput);
        assertEquals("promoted", ctx.outcome);
        assertFalse(control.stopRequested());
    }

    @Test
    void aFailedJobWithoutAResultIsATransientFailure() throws Exception {
        long id = store.newAttempt(13, "evaluate", 5);
        Future<Void> run = start(new StageAttempt(13, "default", "evaluate", 2, id, 5, 0),
                new TestContext(config(100, Map.of())), new RunControl(13, 5));
        await(() -> job("feedrank-13-evaluate-2") != null, "the Job");
        markJob("feedrank-13-evaluate-2", false, "BackoffLimitExceeded"); // the pod was OOM-killed: no result
        Throwable t = failureOf(run);
        RemoteStageException e = assertInstanceOf(RemoteStageException.class, t);
        assertTrue(e.isTransient(), "a worker that died is retried from its checkpoint");
        assertTrue(e.getMessage().startsWith("interrupted: "), e.getMessage());
        assertTrue(e.getMessage().contains("BackoffLimitExceeded"), e.getMessage());
    }

    @Test
    void aRecordedFailureIsThrownWithItsErrorAndRetryability() throws Exception {
        long id = store.newAttempt(14, "validate-data", 5);
        TestContext ctx = new TestContext(config(100, Map.of()));
        Future<Void> run = start(new StageAttempt(14, "default", "validate-data", 1, id, 5, 0), ctx, new RunControl(14, 5));
        await(() -> job("feedrank-14-validate-data-1") != null, "the Job");
        store.attemptResult(id, AttemptResult.failed(Map.of("report", "runs/14/validation.json"), null, "label-rate too low", false));
        markJob("feedrank-14-validate-data-1", false, "BackoffLimitExceeded");
        RemoteStageException e = assertInstanceOf(RemoteStageException.class, failureOf(run));
        assertFalse(e.isTransient());
        assertEquals("label-rate too low", e.getMessage());
        assertEquals(Map.of("report", "runs/14/validation.json"), ctx.artifacts, "a failed attempt's outputs are kept");
    }

    @Test
    void cancelDeletesTheJobAndAppliesTheWorkersStoppedResult() throws Exception {
        long id = store.newAttempt(15, "train", 5);
        RunControl control = new RunControl(15, 5);
        TestContext ctx = new TestContext(config(100, Map.of()));
        Future<Void> run = start(new StageAttempt(15, "default", "train", 1, id, 5, 0), ctx, control);
        await(() -> job("feedrank-15-train-1") != null, "the Job");
        control.stop(RunControl.CANCEL, "alice");
        await(() -> job("feedrank-15-train-1") == null, "the Job's deletion");
        // the pod got SIGTERM: the worker checkpoints and records STOPPED
        store.attemptResult(id, AttemptResult.stopped(Map.of("last-checkpoint", "runs/15/last.state"), null, "stopped",
                RunControl.CANCEL, "alice"));
        RemoteStageException e = assertInstanceOf(RemoteStageException.class, failureOf(run));
        assertFalse(e.isTransient());
        assertEquals(RunControl.CANCEL, control.reason());
        assertEquals(Map.of("last-checkpoint", "runs/15/last.state"), ctx.artifacts);
    }

    @Test
    void theStageTimeoutInterruptDeletesTheJobAndGivesUpAfterTheGracePeriod() throws Exception {
        long id = store.newAttempt(16, "train", 5);
        RunControl control = new RunControl(16, 5);
        Thread[] runThread = new Thread[1];
        Future<Void> run = threads.submit(() -> {
            runThread[0] = Thread.currentThread();
            executor.execute(null, new StageAttempt(16, "default", "train", 1, id, 5, 60),
                    new TestContext(config(100, Map.of())).proxy(), control);
            return null;
        });
        await(() -> job("feedrank-16-train-1") != null, "the Job");
        control.stop(RunControl.TIMEOUT, "feedrank"); // as the runner's watchdog: stop, then interrupt
        runThread[0].interrupt();
        await(() -> job("feedrank-16-train-1") == null, "the Job's deletion");
        long t0 = System.nanoTime();
        RemoteStageException e = assertInstanceOf(RemoteStageException.class, failureOf(run)); // no result: grace of 2 s
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(1000), "waited for the worker's result");
        assertTrue(e.getMessage().startsWith("stopped: "), e.getMessage());
        assertFalse(e.isTransient());
    }

    /**
     * Attempt 1 of the run's train stage, started under lease token 5, whose execution then shuts down: the executor
     * detaches and leaves its Job running and the attempt RUNNING. Returns the attempt's id.
     */
    private long detachedAttempt(long runId, FeedrankConfig config) throws Exception {
        long id = store.newAttempt(runId, "train", 5);
        RunControl first = new RunControl(runId, 5);
        Future<Void> run = start(new StageAttempt(runId, "default", "train", 1, id, 5, 0), new TestContext(config), first);
        String name = "feedrank-" + runId + "-train-1";
        await(() -> job(name) != null, "the Job");
        first.stop(RunControl.SHUTDOWN, "shutdown");
        assertInstanceOf(DetachedAttemptException.class, failureOf(run));
        assertNotNull(job(name), "the Job goes on without its orchestrator");
        assertEquals("RUNNING", store.row(id).status(), "the runner leaves a detached attempt RUNNING");
        return id;
    }

    @Test
    void aShutdownDetachesAndTheNextExecutionReattachesWithoutASecondJob() throws Exception {
        FeedrankConfig config = config(100, Map.of());
        long id = detachedAttempt(17, config);
        String uid = job("feedrank-17-train-1").getMetadata().getUid();

        // the next execution (a resume under a new lease token) adopts the attempt instead of starting attempt 2
        store.leaseToken.set(6);
        OptionalLong adopted = executor.reattach(config, new RunStore.Fence("default", 17, 6), "train");
        assertEquals(OptionalLong.of(id), adopted);
        assertEquals(6L, store.row(id).fencingToken(), "the worker's fence checks follow the new execution");
        TestContext ctx = new TestContext(config);
        Future<Void> again = start(new StageAttempt(17, "default", "train", 1, id, 6, 0), ctx, new RunControl(17, 6));
        Thread.sleep(500);
        assertEquals(1, jobsOf(17).size(), "no second Job for the attempt");
        assertEquals(uid, job("feedrank-17-train-1").getMetadata().getUid(), "the same Job, not a new one");
        store.attemptResult(id, AttemptResult.succeeded(Map.of("model", "runs/17/model.params"), null, null, null));
        markJob("feedrank-17-train-1", true, null);
        assertNull(failureOf(again));
        assertEquals(Map.of("model", "runs/17/model.params"), ctx.artifacts);
        assertEquals(1, jobsOf(17).size());
    }

    @Test
    void reattachClosesAnAttemptWhoseJobIsGoneAndIgnoresOthers() throws Exception {
        FeedrankConfig config = config(100, Map.of());
        // no attempt yet
        assertEquals(OptionalLong.empty(), executor.reattach(config, new RunStore.Fence("default", 18, 6), "train"));
        // the latest attempt's Job vanished (deleted by hand, TTL) without a result: closed, a new attempt starts
        long gone = store.newAttempt(18, "train", 5);
        store.attemptJob(gone, "feedrank-18-train-1");
        assertEquals(OptionalLong.empty(), executor.reattach(config, new RunStore.Fence("default", 18, 6), "train"));
        assertEquals("FAILED", store.row(gone).status());
        assertTrue(store.errors.get(gone).startsWith("interrupted: "), store.errors.get(gone));
        // a Job that ended with a result no orchestrator applied: adopted (the result is applied, nothing reruns)
        long done = store.newAttempt(18, "train", 5);
        store.attemptJob(done, "feedrank-18-train-2");
        store.attemptResult(done, AttemptResult.succeeded(Map.of("model", "m"), null, null, null));
        assertEquals(OptionalLong.of(done), executor.reattach(config, new RunStore.Fence("default", 18, 6), "train"));
        TestContext ctx = new TestContext(config);
        assertNull(failureOf(start(new StageAttempt(18, "default", "train", 2, done, 6, 0), ctx, new RunControl(18, 6))));
        assertEquals(Map.of("model", "m"), ctx.artifacts);
        // an in-process attempt is never adopted
        long local = store.newAttempt(19, "train", 5);
        store.executors.put(local, StageExecutor.IN_PROCESS);
        assertEquals(OptionalLong.empty(), executor.reattach(config, new RunStore.Fence("default", 19, 6), "train"));
        assertEquals("RUNNING", store.row(local).status());
    }

    @Test
    void cancellingARunWhoseJobWasLeftRunningDeletesTheJobAndClosesTheAttempt() throws Exception {
        FeedrankConfig config = config(100, Map.of());
        long id = detachedAttempt(23, config);

        // the run is FAILED interrupted now; its cancel asks the attempt's executor to stop the Job
        Optional<String> stopped = executor.stopDetached(config, store.row(id), "cancelled by ops while no orchestrator watched it");
        assertEquals(Optional.of("Job " + NS + "/feedrank-23-train-1 deleted"), stopped);
        await(() -> job("feedrank-23-train-1") == null, "the Job's deletion");
        assertEquals("CANCELLED", store.row(id).status());
        assertEquals("cancelled by ops while no orchestrator watched it: Job " + NS + "/feedrank-23-train-1 deleted",
                store.errors.get(id));
        // a resume then starts a new attempt (from the checkpoint) rather than adopting the closed one
        assertEquals(OptionalLong.empty(), executor.reattach(config, new RunStore.Fence("default", 23, 6), "train"));

        // nothing to stop: an attempt that is not RUNNING, one whose worker recorded its result (a resume applies it),
        // one whose Job ended, an in-process attempt
        assertEquals(Optional.empty(), executor.stopDetached(config, store.row(id), "again"));
        long finished = store.newAttempt(24, "train", 5);
        store.attemptJob(finished, "feedrank-24-train-1");
        client.batch().v1().jobs().inNamespace(NS).resource(StageJobs.job(new StageAttempt(24, "default", "train", 1,
                finished, 5, 0), config.stages(), 2)).create();
        store.attemptResult(finished, AttemptResult.succeeded(Map.of("model", "m"), null, null, null));
        assertEquals(Optional.empty(), executor.stopDetached(config, store.row(finished), "cancel"));
        assertNotNull(job("feedrank-24-train-1"), "a Job whose worker recorded its result is left for the resume");
        assertEquals("RUNNING", store.row(finished).status());
        long ended = store.newAttempt(25, "train", 5);
        store.attemptJob(ended, "feedrank-25-train-1");
        client.batch().v1().jobs().inNamespace(NS).resource(StageJobs.job(new StageAttempt(25, "default", "train", 1,
                ended, 5, 0), config.stages(), 2)).create();
        markJob("feedrank-25-train-1", false, "DeadlineExceeded");
        assertEquals(Optional.empty(), executor.stopDetached(config, store.row(ended), "cancel"));
        long local = store.newAttempt(26, "train", 5);
        store.executors.put(local, StageExecutor.IN_PROCESS);
        assertEquals(Optional.empty(), executor.stopDetached(config, store.row(local), "cancel"));
        assertEquals("RUNNING", store.row(local).status());
    }

    @Test
    void anAttemptStartedTwiceAdoptsItsExistingJob() throws Exception {
        FeedrankConfig config = config(100, Map.of());
        long id = store.newAttempt(20, "export", 5);
        StageAttempt attempt = new StageAttempt(20, "default", "export", 1, id, 5, 0);
        client.batch().v1().jobs().inNamespace(NS).resource(StageJobs.job(attempt, config.stages(), 2)).create();
        String uid = job("feedrank-20-export-1").getMetadata().getUid();
        Future<Void> run = start(attempt, new TestContext(config), new RunControl(20, 5));
        Thread.sleep(300);
        store.attemptResult(id, AttemptResult.succeeded(Map.of(), null, null, null));
        markJob("feedrank-20-export-1", true, null);
        assertNull(failureOf(run));
        assertEquals(1, jobsOf(20).size());
        assertEquals(uid, job("feedrank-20-export-1").getMetadata().getUid());
    }

    @Test
    void anAdoptedWorkerThatSawTheLeaseMoveBeforeItsRefenceIsRetried() throws Exception {
        long id = store.newAttempt(21, "train", 6);
        store.leaseToken.set(6);
        Future<Void> run = start(new StageAttempt(21, "default", "train", 1, id, 6, 0),
                new TestContext(config(100, Map.of())), new RunControl(21, 6));
        await(() -> job("feedrank-21-train-1") != null, "the Job");
        store.attemptResult(id, AttemptResult.stopped(Map.of(), null, "fenced", RunControl.LEASE_LOST, "feedrank"));
        markJob("feedrank-21-train-1", false, "BackoffLimitExceeded");
        RemoteStageException e = assertInstanceOf(RemoteStageException.class, failureOf(run));
        assertTrue(e.isTransient(), e.getMessage());
    }

    @Test
    void withoutAnImageTheAttemptFailsWithoutCreatingAJob() throws Exception {
        Map<String, String> noImage = new HashMap<>();
        noImage.put("feedrank.stages.kubernetes.image", "");
        long id = store.newAttempt(22, "train", 5);
        Throwable t = failureOf(start(new StageAttempt(22, "default", "train", 1, id, 5, 0),
                new TestContext(config(100, noImage)), new RunControl(22, 5)));
        RemoteStageException e = assertInstanceOf(RemoteStageException.class, t);
        assertFalse(e.isTransient());
        assertTrue(e.getMessage().contains("stages.kubernetes.image"), e.getMessage());
        assertTrue(jobsOf(22).isEmpty());
    }

    // ------------------------------------------------------------------------------------------
    // test doubles: attempt rows in memory, a stage context that records what is applied to it
    // ------------------------------------------------------------------------------------------

    static final class MemoryStore {
        final AtomicLong ids = new AtomicLong();
        final AtomicLong leaseToken = new AtomicLong(5);
        final Map<Long, long[]> runAndToken = new ConcurrentHashMap<>();
        final Map<Long, String> stages = new ConcurrentHashMap<>();
        final Map<Long, Integer> numbers = new ConcurrentHashMap<>();
        final Map<Long, String> statuses = new ConcurrentHashMap<>();
        final Map<Long, String> executors = new ConcurrentHashMap<>();
        final Map<Long, String> jobs = new ConcurrentHashMap<>();
        final Map<Long, String> errors = new ConcurrentHashMap<>();
        final Map<Long, AttemptResult> results = new ConcurrentHashMap<>();

        long newAttempt(long runId, String stage, long token) {
            long id = ids.incrementAndGet();
            int n = (int) numbers.entrySet().stream().filter(e -> runAndToken.get(e.getKey())[0] == runId
                    && stage.equals(stages.get(e.getKey()))).count() + 1;
            runAndToken.put(id, new long[]{runId, token});
            stages.put(id, stage);
            numbers.put(id, n);
            statuses.put(id, "RUNNING");
            executors.put(id, StageExecutor.KUBERNETES);
            return id;
        }

        RunStore.AttemptRow row(long id) {
            return new RunStore.AttemptRow(id, runAndToken.get(id)[0], stages.get(id), numbers.get(id), statuses.get(id),
                    runAndToken.get(id)[1], executors.get(id), null, null, jobs.get(id));
        }

        void attemptJob(long id, String name) {
            jobs.put(id, name);
        }

        void attemptResult(long id, AttemptResult r) {
            results.put(id, r);
        }

        RunStore proxy() {
            return (RunStore) Proxy.newProxyInstance(RunStore.class.getClassLoader(), new Class<?>[]{RunStore.class},
                    (p, m, args) -> switch (m.getName()) {
                        case "attempt" -> {
                            if (args.length == 1) yield Optional.ofNullable(numbers.containsKey((Long) args[0]) ? row((Long) args[0]) : null);
                            yield numbers.keySet().stream().filter(id -> runAndToken.get(id)[0] == (Long) args[0]
                                    && args[1].equals(stages.get(id)) && numbers.get(id).equals(args[2])).findFirst().map(this::row);
                        }
                        case "attemptJob" -> {
                            attemptJob((Long) args[0], (String) args[1]);
                            yield null;
                        }
                        case "refenceAttempt" -> {
                            if ("RUNNING".equals(statuses.get((Long) args[0]))) runAndToken.get((Long) args[0])[1] = (Long) args[1];
                            yield null;
                        }
                        case "attemptResult" -> {
                            if (args.length == 1) yield Optional.ofNullable(results.get((Long) args[0]));
                            attemptResult((Long) args[0], (AttemptResult) args[1]);
                            yield null;
                        }
                        case "cancelStage" -> {
                            statuses.put((Long) args[0], "CANCELLED");
                            errors.put((Long) args[0], (String) args[1]);
                            yield null;
                        }
                        case "failStage" -> {
                            statuses.put((Long) args[0], "FAILED");
                            errors.put((Long) args[0], (String) args[1]);
                            yield null;
                        }
                        case "assertFence" -> {
                            RunStore.Fence f = (RunStore.Fence) args[0];
                            if (f.token() != leaseToken.get()) throw new FencedException("superseded");
                            yield null;
                        }
                        case "toString" -> "MemoryStore";
                        case "hashCode" -> System.identityHashCode(p);
                        case "equals" -> p == args[0];
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }
    }

    static final class TestContext {
        final FeedrankConfig config;
        final Map<String, String> artifacts = new LinkedHashMap<>();
        final List<String> progress = new ArrayList<>();
        volatile Double throughput;
        volatile String outcome;

        TestContext(FeedrankConfig config) {
            this.config = config;
        }

        StageContext proxy() {
            return (StageContext) Proxy.newProxyInstance(StageContext.class.getClassLoader(), new Class<?>[]{StageContext.class},
                    (p, m, args) -> switch (m.getName()) {
                        case "config" -> config;
                        case "artifact" -> {
                            artifacts.put((String) args[0], (String) args[1]);
                            yield null;
                        }
                        case "recordThroughput" -> {
                            throughput = (Double) args[0];
                            yield null;
                        }
                        case "outcome" -> {
                            outcome = (String) args[0];
                            yield null;
                        }
                        case "stopRequested" -> false;
                        case "toString" -> "TestContext";
                        case "hashCode" -> System.identityHashCode(p);
                        case "equals" -> p == args[0];
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }
    }
}
