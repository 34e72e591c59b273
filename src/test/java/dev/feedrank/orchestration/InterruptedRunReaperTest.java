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

    @Test
    void aStaleRunWhoseRowIsLockedByAnotherTransactionIsSkippedNotOverwritten() throws Exception {
        long busy = store.createRun("default", Trigger.CLI, "synthetic", "{}", RunStatus.QUEUED, null);
        store.markRunning(busy, "a-process-renewing-right-now");
        QuarkusTransaction.requiringNew().run(() ->
                PipelineRunEntity.update("heartbeatAt = ?1 where id = ?2", Instant.now().minusSeconds(3600), busy));
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        try (var c = java.sql.DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""))) {
            c.setAutoCommit(false);
            // another transaction (the owner's heartbeat) holds the row and makes it fresh
            try (var s = c.createStatement()) {
                s.executeUpdate("update pipeline_run set heartbeat_at = now() where id = " + busy);
            }
            assertFalse(store.interruptStaleRuns(Instant.now().minusSeconds(60)).contains(busy), "a locked row is skipped");
            c.commit();
        }
        assertFalse(store.interruptStaleRuns(Instant.now().minusSeconds(60)).contains(busy), "the committed heartbeat keeps it alive");
        QuarkusTransaction.requiringNew().run(() -> assertEquals("RUNNING", PipelineRunEntity.<PipelineRunEntity>findById(busy).status));
        store.finishRun(busy, RunStatus.FAILED, null, null, "test cleanup");
    }
}
