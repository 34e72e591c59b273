package dev.feedrank.orchestration;

import dev.feedrank.errors.NonRetryable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
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
        boolean transientCause = false;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NonRetryable || t instanceof IllegalArgumentException
                    || t instanceof FileNotFoundException || t instanceof NoSuchFileException) {
                return false;
            }
            if (t instanceof SQLException sql && transientSql(sql)) transientCause = true;
            else if (t instanceof IOException || t instanceof TimeoutException) transientCause = true;
            else if (t.getClass().getName().endsWith("JDBCConnectionException")) transientCause = true;
        }
        return transientCause;
    }

    private static boolean transientSql(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) return true;
        String state = e.getSQLState();
        if (state == null) {
            String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
            return m.contains("acquisition timeout") || m.contains("connection") || m.contains("i/o error");
        }
        // 08: connection exception; 57P: operator intervention (terminated backend, shutdown); 40001/40P01:
        // serialization failure / deadlock; 53: insufficient resources
        return state.startsWith("08") || state.startsWith("57P") || state.equals("40001") || state.equals("40P01")
                || state.startsWith("53");
    }
}
