package dev.feedrank.orchestration;

import jakarta.transaction.RollbackException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which errors get another try. The real exception chain of a commit failed by the idle-transaction timeout is in
 * {@link StalledLockHolderTest}; these are the shapes around it.
 */
class TransientErrorsTest {

    static RollbackException failedCommit(String sqlState) {
        RollbackException e = new RollbackException("ARJUNA016053: Could not commit transaction.");
        e.addSuppressed(new IllegalStateException("XAException: Error trying to transactionCommit local transaction",
                new SQLException("FATAL: terminating connection", sqlState)));
        return e;
    }

    @Test
    void aFailedCommitIsReadThroughWhatTheTransactionManagerSuppressed() {
        assertTrue(TransientErrors.isTransient(failedCommit("25P03")));
        assertTrue(TransientErrors.endedIdleInTransaction(failedCommit("25P03")));
        assertTrue(TransientErrors.isTransient(new RuntimeException("wrapped", failedCommit("08006"))), "connection lost at commit");
        assertFalse(TransientErrors.endedIdleInTransaction(failedCommit("08006")), "it may have committed");
        assertFalse(TransientErrors.isTransient(failedCommit("23505")), "a unique violation is not retried");
        assertFalse(TransientErrors.isTransient(new RollbackException("marked rollback-only")));
    }

    @Test
    void otherSuppressedExceptionsDoNotMakeAnErrorTransient() {
        IllegalStateException bug = new IllegalStateException("a bug");
        bug.addSuppressed(new IOException("closing the stream failed too"));
        assertFalse(TransientErrors.isTransient(bug));
        assertTrue(TransientErrors.isTransient(new UncheckedIOException(new IOException("connection reset"))));
        assertFalse(TransientErrors.isTransient(new IllegalArgumentException("bad setting", new IOException("x"))),
                "a bad setting is never retried, whatever its cause");
    }

    @Test
    void aCycleOfCausesEnds() {
        RuntimeException a = new RuntimeException("a");
        RollbackException b = new RollbackException("b");
        a.initCause(b);
        b.addSuppressed(a);
        assertFalse(TransientErrors.isTransient(a));
        assertEquals(2, TransientErrors.causes(a).size());
    }
}
