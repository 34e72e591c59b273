package dev.feedrank.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Small helpers around an in-memory DuckDB connection. */
final class Sql {
    private Sql() {
    }

    private static final AtomicLong CONNECTIONS = new AtomicLong();

    /**
     * A fresh in-memory DuckDB (UTC, never fetching extensions) within {@code settings}' memory limit and threads,
     * spilling past that limit to its own folder {@code <workDir>/duckdb-tmp-<pid>-<n>} (its {@code temp_directory}).
     * One folder per connection because DuckDB removes a temp folder it created when its database closes, and
     * prepare-data can hold two connections at once (the preparation and a cache read). DuckDB creates the folder
     * only when it spills (not recursively: {@code workDir} is created here) and removes it on close, so nothing is
     * left behind. Without a {@code temp_directory} an in-memory DuckDB would spill to {@code .tmp} in the process's
     * current directory.
     */
    static Connection open(DuckDbSettings settings, Path workDir) throws SQLException {
        Path dir = workDir.toAbsolutePath();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the work dir " + dir, e);
        }
        Path temp = dir.resolve(DuckDbSettings.TEMP_PREFIX + ProcessHandle.current().pid() + "-" + CONNECTIONS.incrementAndGet());
        // the driver directly, not DriverManager: DriverManager only hands out drivers visible to the caller's class
        // loader, which is not always the one that registered DuckDB (e.g. under Quarkus' class loaders)
        Connection db = new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", new java.util.Properties());
        try (Statement st = db.createStatement()) {
            st.execute("SET autoinstall_known_extensions = false");
            st.execute("SET TimeZone = 'UTC'");
            st.execute("SET memory_limit = " + str(settings.memoryLimit()));
            st.execute("SET temp_directory = " + path(temp));
            if (settings.threads() != null) st.execute("SET threads = " + settings.threads());
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    /** A quoted identifier. */
    static String id(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** A quoted string literal. */
    static String str(String value) {
        return '\'' + value.replace("'", "''") + '\'';
    }

    static String path(Path file) {
        return str(file.toAbsolutePath().toString());
    }

    static void exec(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute(sql);
        }
    }

    static long queryLong(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The first row of a query, as strings; {@code null} when it returns no row. */
    static String[] firstRow(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next()) return null;
            String[] row = new String[rs.getMetaData().getColumnCount()];
            for (int i = 0; i < row.length; i++) row[i] = rs.getString(i + 1);
            return row;
        }
    }

    static List<String> strings(Connection db, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    static List<String> columns(Connection db, String table) throws SQLException {
        return strings(db, "SELECT column_name FROM information_schema.columns WHERE table_name = " + str(table)
                + " ORDER BY ordinal_position");
    }
}
