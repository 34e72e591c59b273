package dev.feedrank.orchestration;

import dev.feedrank.persistence.PipelineRunEntity;
import dev.feedrank.persistence.StageExecutionEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

/** A run left RUNNING by a process that is gone (stale heartbeat) becomes FAILED with reason interrupted. */
@QuarkusTest
class InterruptedRunReaperTest {

    @Inject
    RunStore store;

    @Inject
    InterruptedRunReaper reaper;

    @Test
    void staleRunningRunsAreInterruptedAndLiveOnesAreLeftAlone() {
        long dead = store.createRun("default", Trigger.CLI, "synthetic", "{}", RunStatus.QUEUED, null);
        store.markRunning(dead, "pid-of-a-dead-process");
        long deadStage = store.startStage(new RunStore.Fence("default", dead, 0), "train");
        long live = store.createRun("default", Trigger.API, "synthetic", "{}", RunStatus.QUEUED, null);
        store.markRunning(live, "a-live-process");
        QuarkusTransaction.requiringNew().run(() ->
                PipelineRunEntity.update("heartbeatAt = ?1 where id = ?2", Instant.now().minusSeconds(3600), dead));

        reaper.reap();

        QuarkusTransaction.requiringNew().run(() -> {
            PipelineRunEntity d = PipelineRunEntity.findById(dead);
            assertEquals("FAILED", d.status);
            assertEquals("interrupted", d.error);
            assertNotNull(d.finishedAt);
            StageExecutionEntity s = StageExecutionEntity.findById(deadStage);
            assertEquals("FAILED", s.status);
            assertEquals("interrupted", s.error);
            assertEquals("RUNNING", PipelineRunEntity.<PipelineRunEntity>findById(live).status, "a fresh heartbeat is left alone");
        });
        store.finishRun(live, RunStatus.FAILED, null, null, "test cleanup");
    }
}
