package dev.feedrank.orchestration;

import dev.feedrank.persistence.PipelineRunEntity;
import dev.feedrank.persistence.StageExecutionEntity;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A process stalled in the middle of a bookkeeping transaction (SIGSTOPped, as FencingIT does) holds its row locks
 * until PostgreSQL ends its idle transaction: every connection of the app carries
 * {@code idle_in_transaction_session_timeout} (30 s), so the reaper, which a resume runs first, gets the rows instead
 * of waiting out its own transaction timeout and failing.
 */
@QuarkusTest
class StalledLockHolderTest {

    @Inject
    RunStore store;

    @Inject
    InterruptedRunReaper reaper;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aStalledTransactionHoldingTheStageRowDoesNotBlockTheReaper() throws Exception {
        long run = store.createRun("default", Trigger.CLI, "synthetic", "{}", RunStatus.QUEUED, null);
        store.markRunning(run, "a-process-that-will-stall");
        long stage = store.startStage(new RunStore.Fence("default", run, 0), "train");
        QuarkusTransaction.requiringNew().run(() ->
                PipelineRunEntity.update("heartbeatAt = ?1 where id = ?2", Instant.now().minusSeconds(3600), run));
        Connection stalled = dataSource.getConnection();
        try {
            try (Statement s = stalled.createStatement(); ResultSet rs = s.executeQuery("show idle_in_transaction_session_timeout")) {
                assertTrue(rs.next());
                assertEquals("30s", rs.getString(1), "the app's connections end a stalled transaction after 30 s");
            }
            // the stalled owner: within a progress update of its stage row when it stopped (1 s here, to keep the test short)
            try (Statement s = stalled.createStatement()) {
                s.execute("set idle_in_transaction_session_timeout = '1s'");
                stalled.setAutoCommit(false);
                s.executeUpdate("update stage_execution set progress = 'epoch 3/20 batch 7/44' where id = " + stage);
            }
            // waits for the row until the database ends the stalled transaction (without the setting: until its own
            // 60 s transaction timeout, then fails)
            reaper.reap();
            QuarkusTransaction.requiringNew().run(() -> {
                assertEquals("FAILED", PipelineRunEntity.<PipelineRunEntity>findById(run).status);
                StageExecutionEntity s = StageExecutionEntity.findById(stage);
                assertEquals("FAILED", s.status);
                assertEquals("interrupted", s.error);
                assertNotEquals("epoch 3/20 batch 7/44", s.progress, "the stalled transaction's write was rolled back");
            });
            assertThrows(java.sql.SQLException.class, () -> {
                try (Statement s = stalled.createStatement()) {
                    s.execute("select 1");
                }
            }, "the stalled session was closed by the database");
        } finally {
            try {
                stalled.close();
            } catch (Exception ignored) {
                // already terminated by the database
            }
        }
    }

    /**
     * What a stalled owner sees when it is continued (FencingIT's process A): the commit of the write it was in fails
     * because the database ended the idle transaction. That failure is transient: the store retries the call on a fresh
     * connection (its fence check then refuses it if the lease was taken meanwhile) instead of failing the stage with an
     * unclassified error.
     */
    @Test
    void aCommitFailedByTheIdleTransactionTimeoutIsTransient() throws Exception {
        long run = store.createRun("default", Trigger.CLI, "synthetic", "{}", RunStatus.QUEUED, null);
        store.markRunning(run, "a-process-that-will-stall");
        long stage = store.startStage(new RunStore.Fence("default", run, 0), "train");
        RuntimeException failure = assertThrows(RuntimeException.class, () -> QuarkusTransaction.requiringNew().run(() -> {
            StageExecutionEntity.update("progress = ?1 where id = ?2", "epoch 1/3 batch 2/9", stage);
            StageExecutionEntity.getEntityManager().createNativeQuery("set idle_in_transaction_session_timeout = '1s'")
                    .executeUpdate();
            try {
                Thread.sleep(2500); // stalled: the session is idle in its transaction past the timeout
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }), "the commit fails: the database ended the session");
        // the transaction manager's RollbackException has no cause: what the database said is suppressed in it
        java.util.List<String> chain = TransientErrors.causes(failure).stream()
                .map(t -> t.getClass().getSimpleName() + ": " + t.getMessage()).toList();
        assertTrue(chain.toString().contains("idle-in-transaction timeout"), chain.toString());
        assertTrue(TransientErrors.isTransient(failure), "retried on a fresh connection: " + chain);
        assertTrue(TransientErrors.endedIdleInTransaction(failure), "never committed, so even an insert is repeated: " + chain);
        // and the store's own call goes through on a fresh connection
        store.stageProgress(stage, "epoch 1/3 batch 3/9");
        QuarkusTransaction.requiringNew().run(() ->
                assertEquals("epoch 1/3 batch 3/9", StageExecutionEntity.<StageExecutionEntity>findById(stage).progress));
    }
}
