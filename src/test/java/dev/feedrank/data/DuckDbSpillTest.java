package dev.feedrank.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;

import static org.junit.jupiter.api.Assertions.*;

/** prepare-data's DuckDB connections run within {@code data.duckdb-memory-limit} and spill under the work dir. */
class DuckDbSpillTest {

    @Test
    void aConnectionReportsTheConfiguredLimitThreadsAndTempFolderUnderTheWorkDir(@TempDir Path work) throws Exception {
        try (Connection db = Sql.open(new DuckDbSettings("512MB", 1), work)) {
            String[] s = Sql.firstRow(db, "SELECT current_setting('memory_limit'), current_setting('temp_directory'), "
                    + "current_setting('threads')");
            // DuckDB shows the limit in binary units: 512 MB = 488.2 MiB
            assertTrue(s[0].startsWith("488.2"), "memory_limit " + s[0]);
            Path temp = Path.of(s[1]);
            assertEquals(work.toAbsolutePath(), temp.getParent(), s[1]);
            assertTrue(temp.getFileName().toString().startsWith("duckdb-tmp-"), s[1]);
            assertFalse(Files.exists(temp), "created only when DuckDB spills");
            assertEquals("1", s[2]);
        }
        try (Connection a = Sql.open(DuckDbSettings.DEFAULT, work); Connection b = Sql.open(DuckDbSettings.DEFAULT, work)) {
            String ta = Sql.firstRow(a, "SELECT current_setting('temp_directory')")[0];
            String tb = Sql.firstRow(b, "SELECT current_setting('temp_directory')")[0];
            assertNotEquals(ta, tb, "each connection spills to its own folder (DuckDB removes the one it created on close)");
            assertTrue(Sql.firstRow(a, "SELECT current_setting('memory_limit')")[0].startsWith("1.8"), "2GB = 1.8 GiB");
        }
    }

    @Test
    void pastTheLimitAnInMemoryDatabaseSpillsToItsFolderAndRemovesItOnClose(@TempDir Path work) throws Exception {
        Path temp;
        try (Connection db = Sql.open(new DuckDbSettings("64MB", 1), work)) {
            temp = Path.of(Sql.firstRow(db, "SELECT current_setting('temp_directory')")[0]);
            // ~4M rows x 2 BIGINT/DOUBLE columns: well above 64MB, kept by spilling blocks to the temp folder
            Sql.exec(db, "CREATE TABLE t AS SELECT range AS i, hash(range) AS h FROM range(4000000)");
            assertEquals(4_000_000L, Sql.queryLong(db, "SELECT count(*) FROM (SELECT i FROM t ORDER BY h)"));
            assertTrue(Sql.queryLong(db, "SELECT count(*) FROM duckdb_temporary_files()") > 0, "spilled");
            assertTrue(Files.isDirectory(temp), "spill folder " + temp);
        }
        assertFalse(Files.exists(temp), "removed with its connection");
        try (var left = Files.list(work)) {
            assertEquals(java.util.List.of(), left.toList(), "nothing left in the work dir");
        }
    }

    @Test
    void refusesAMalformedLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DuckDbSettings("2 gigs", null));
        assertTrue(e.getMessage().contains("data.duckdb-memory-limit"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DuckDbSettings("1GB'; DROP TABLE x; --", null));
        assertThrows(IllegalArgumentException.class, () -> new DuckDbSettings("2GB", 0));
    }
}
