package dev.feedrank.orchestration;

import dev.feedrank.errors.NonRetryable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Which stage errors are worth another attempt: storage or database unreachable, connections dropped, timeouts.
 * Bad input data ({@link NonRetryable}), bad settings and missing objects never are.
 */
public final class TransientErrors {

    private TransientErrors() {
    }

    public static boolean isTransient(Throwable error) {
        if (error instanceof RemoteStageException remote) return remote.isTransient();
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NonRetryable || t instanceof IllegalArgumentException
                    || t instanceof FileNotFoundException || t instanceof NoSuchFileException) {
                return false;
            }
        }
        for (Throwable t : causes(error)) {
            if (t instanceof SQLException sql && transientSql(sql)) return true;
            if (t instanceof IOException || t instanceof TimeoutException) return true;
            if (t.getClass().getName().endsWith("JDBCConnectionException")) return true;
        }
        return false;
    }

    /**
     * Whether the database ended the session because it sat idle inside a transaction
     * ({@code idle_in_transaction_session_timeout}, SQLSTATE 25P03): the transaction was rolled back before any commit
     * reached the server, so repeating the call cannot write twice, whatever the call.
     */
    public static boolean endedIdleInTransaction(Throwable error) {
        for (Throwable t : causes(error)) {
            if (t instanceof SQLException sql && IDLE_IN_TRANSACTION_TIMEOUT.equals(sql.getSQLState())) return true;
        }
        return false;
    }

    /**
     * The error and its causes, plus what a transaction manager's exception suppressed (with their causes): a failed
     * commit reaches the caller as the JTA {@code RollbackException} without a cause, what the database said being a
     * suppressed exception of it. Other exceptions' suppressed ones (a close that failed after the real error) are not
     * read: they do not say why the call failed.
     */
    static List<Throwable> causes(Throwable error) {
        List<Throwable> out = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> todo = new ArrayDeque<>();
        if (error != null) todo.push(error);
        while (!todo.isEmpty() && out.size() < 64) {
            Throwable t = todo.pop();
            if (!seen.add(t)) continue;
            out.add(t);
            if (fromTransactionManager(t)) {
                Throwable[] suppressed = t.getSuppressed();
                for (int i = suppressed.length - 1; i >= 0; i--) todo.push(suppressed[i]);
            }
            if (t.getCause() != null) todo.push(t.getCause());
        }
        return out;
    }

    private static boolean fromTransactionManager(Throwable t) {
        String name = t.getClass().getName();
        return name.startsWith("jakarta.transaction.") || name.startsWith("javax.transaction.");
    }

    private static final String IDLE_IN_TRANSACTION_TIMEOUT = "25P03";

    private static boolean transientSql(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) return true;
        String state = e.getSQLState();
        if (state == null) {
            String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
            return m.contains("acquisition timeout") || m.contains("connection") || m.contains("i/o error");
        }
        // 08: connection exception; 57P: operator intervention (terminated backend, shutdown); 25P03: session ended
        // idle in a transaction (a stalled process continued); 40001/40P01: serialization failure / deadlock;
        // 53: insufficient resources
        return state.startsWith("08") || state.startsWith("57P") || state.equals(IDLE_IN_TRANSACTION_TIMEOUT)
                || state.equals("40001") || state.equals("40P01") || state.startsWith("53");
    }
}
