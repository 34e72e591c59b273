package dev.feedrank.orchestration;

import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.persistence.PipelineRunEntity;
import dev.feedrank.persistence.StageExecutionEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cancel of a run that stopped (FAILED {@code interrupted}: its orchestrator shut down) while one of its stage workers
 * runs on detached, as a Kubernetes Job does: the launcher finds the attempt still RUNNING in PostgreSQL and asks the
 * attempt's executor to stop it; the run becomes CANCELLED (resumable). The executor here stands in for the
 * kubernetes one (whose Job deletion is tested against the mock API server in KubernetesStageExecutorTest) and
 * closes the attempt as that one does.
 */
@QuarkusTest
class DetachedCancelTest {

    @Inject
    RunStore store;

    @Inject
    RunLauncher launcher;

    @Inject
    DetachedWorkers workers;

    /** An executor whose attempts a worker executes detached; stopping one closes it CANCELLED. */
    @ApplicationScoped
    static class DetachedWorkers implements StageExecutor {
        static final String NAME = "detached-test";
        private final List<RunStore.AttemptRow> stopped = new CopyOnWriteArrayList<>();
        @Inject
        RunStore store;

        /** The attempts it was asked to stop (a method: the injected bean is a client proxy). */
        List<RunStore.AttemptRow> stopped() {
            return stopped;
        }

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public void execute(Stage stage, StageAttempt attempt, StageContext ctx, RunControl control) {
            throw new UnsupportedOperationException("only stopDetached is used by this test");
        }

        @Override
        public Optional<String> stopDetached(FeedrankConfig config, RunStore.AttemptRow attempt, String reason) {
            if (!NAME.equals(attempt.executor())) return Optional.empty();
            stopped.add(attempt);
            store.cancelStage(attempt.id(), reason + ": worker " + attempt.id() + " stopped", Map.of());
            return Optional.of("worker " + attempt.id());
        }
    }

    @Test
    void cancellingAnInterruptedRunStopsItsDetachedWorkerAndTheRunBecomesCancelled() {
        long run = store.createRun("default", Trigger.API, "synthetic", "{}", RunStatus.QUEUED, null);
        store.markRunning(run, "a-process-that-shut-down");
        RunStore.Fence fence = new RunStore.Fence("default", run, 0);
        long prepare = store.startStage(fence, "prepare-data", StageExecutor.IN_PROCESS);
        store.finishStage(prepare, Map.of("dataset", "datasets/x/"));
        long train = store.startStage(fence, "train", DetachedWorkers.NAME);
        store.finishRun(run, RunStatus.FAILED, null, null, "interrupted: shutdown");
        assertEquals(1, store.runningAttempts(run).size(), "the detached attempt is still RUNNING");

        String done = launcher.cancel(run, "operator-7");

        assertEquals(1, workers.stopped().stream().filter(a -> a.id() == train).count(), "its executor was asked to stop it");
        assertTrue(done.startsWith("cancelled: stopped train attempt 1 (worker " + train + ")"), done);
        assertTrue(done.contains("interrupted: shutdown"), done);
        QuarkusTransaction.requiringNew().run(() -> {
            PipelineRunEntity r = PipelineRunEntity.findById(run);
            assertEquals("CANCELLED", r.status);
            assertTrue(r.error.startsWith("cancelled by operator-7: stopped train attempt 1"), r.error);
            StageExecutionEntity t = StageExecutionEntity.findById(train);
            assertEquals("CANCELLED", t.status);
            assertTrue(t.error.startsWith("cancelled by operator-7 while no orchestrator watched it"), t.error);
            assertEquals("SUCCEEDED", StageExecutionEntity.<StageExecutionEntity>findById(prepare).status);
        });
        assertTrue(store.runningAttempts(run).isEmpty());
        assertTrue(RunStatus.CANCELLED.resumable(), "the cancelled run stays resumable");

        // nothing runs any more: a second cancel is refused, as for any stopped run
        RunStateException again = assertThrows(RunStateException.class, () -> launcher.cancel(run, "operator-7"));
        assertTrue(again.getMessage().contains("is CANCELLED"), again.getMessage());
    }

    @Test
    void aStoppedRunWithoutADetachedWorkerCannotBeCancelled() {
        long run = store.createRun("default", Trigger.API, "synthetic", "{}", RunStatus.QUEUED, null);
        store.markRunning(run, "a-process");
        long train = store.startStage(new RunStore.Fence("default", run, 0), "train", StageExecutor.IN_PROCESS);
        store.failStage(train, "boom", Map.of());
        store.finishRun(run, RunStatus.FAILED, null, null, "boom");

        RunStateException e = assertThrows(RunStateException.class, () -> launcher.cancel(run, "operator-7"));
        assertTrue(e.getMessage().contains("is FAILED"), e.getMessage());
        QuarkusTransaction.requiringNew().run(() ->
                assertEquals("FAILED", PipelineRunEntity.<PipelineRunEntity>findById(run).status));
    }
}
