package dev.feedrank.orchestration;

/**
 * Where a stage attempt executes ({@code stages.executor}). The runner creates the attempt's row (RUNNING, with this
 * execution's fencing token) and hands it to the executor:
 * <ul>
 *   <li>{@code in-process}: the stage runs in this JVM (default);</li>
 *   <li>{@code process}: a child JVM, {@code feedrank stage RUN_ID STAGE ATTEMPT};</li>
 *   <li>{@code kubernetes}: a Kubernetes Job running the same command in the same image.</li>
 * </ul>
 * A remote worker ({@link StageWorker}) reads its inputs from PostgreSQL and S3, writes its outputs, metrics and
 * progress there, checks the fence before writes that matter, records its cost and then its {@link AttemptResult} on
 * the attempt's row. The runner alone moves the attempt's status, so recording, retries, timeouts and cancel work the
 * same whatever the executor.
 */
public interface StageExecutor {

    String IN_PROCESS = "in-process";
    String PROCESS = "process";
    String KUBERNETES = "kubernetes";

    /** The value of {@code stages.executor} that selects this executor. */
    String name();

    /** True when the attempt runs in another process, which measures and records its own cost. */
    default boolean remote() {
        return true;
    }

    /**
     * Executes one attempt and returns when it has ended: normally when it succeeded (its outputs, outcome and
     * throughput applied to {@code ctx}, e.g. through {@link AttemptResult#applyTo}), or by throwing its failure (a
     * remote failure as {@link RemoteStageException}, transient or not). While it waits it honours
     * {@code control.stopRequested()} and an interrupt of the calling thread (the stage timeout): a remote worker is
     * asked to stop (SIGTERM: it checkpoints and records a STOPPED result) and given {@code runs.shutdown-grace-seconds}
     * before it is killed.
     */
    void execute(Stage stage, StageAttempt attempt, StageContext ctx, RunControl control) throws Exception;

    /**
     * Called by the runner before it starts the first attempt of a stage in an execution (a new run, or a resume): the
     * id of an attempt of this stage that a worker still executes, or whose worker recorded a result, while no
     * orchestrator watched it (the previous one died or was restarted). The executor has moved that attempt to
     * {@code fence}'s token ({@link RunStore#refenceAttempt}); the runner then executes that attempt (same row, same
     * worker) instead of starting a new one. Empty (the default): start a new attempt. Must not throw.
     */
    default java.util.OptionalLong reattach(dev.feedrank.config.FeedrankConfig config, RunStore.Fence fence, String stage) {
        return java.util.OptionalLong.empty();
    }

    /**
     * For a cancel of a run that no execution owns any more (FAILED {@code interrupted} after its orchestrator shut
     * down or lost the lease): stops an attempt whose worker this executor left going on without an orchestrator
     * (a detached Kubernetes Job), so that it does not run to its end for nobody, and closes the attempt CANCELLED
     * with {@code reason}. Returns what was stopped (e.g. {@code Job ns/name}), or empty when the attempt has no such
     * worker (the default: an in-process attempt or a child JVM ends with its orchestrator) or its worker has ended
     * already (a resume applies its result). Its checkpoint stays, so a resume continues from it.
     */
    default java.util.Optional<String> stopDetached(dev.feedrank.config.FeedrankConfig config, RunStore.AttemptRow attempt,
                                                    String reason) {
        return java.util.Optional.empty();
    }
}
