package dev.feedrank.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real PostgreSQL (zonky embedded binaries, offline), its cluster kept in a folder across runs when given one. */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** @param dataDir the cluster's folder (kept), or null for a throw-away cluster */
    public static EmbeddedPostgresServer start(Path dataDir, Path workDir) throws IOException {
        // no hook of its own: the caller stops it (local mode: after a run stopping at SIGTERM has written its status)
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setRegisterShutdownHook(false);
        if (workDir != null) {
            Files.createDirectories(workDir);
            builder.setOverrideWorkingDirectory(workDir.toFile());
        }
        if (dataDir != null) {
            Files.createDirectories(dataDir);
            stopLeftover(dataDir);
            builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
        }
        return new EmbeddedPostgresServer(builder.start());
    }

    /**
     * A process killed with SIGKILL leaves its embedded PostgreSQL running (an orphan holding the cluster's lock
     * file) or a stale {@code postmaster.pid}. Stop the orphan (fast shutdown, then a hard kill; PostgreSQL recovers
     * from its WAL either way) and remove a stale lock file, so the cluster starts cleanly.
     */
    static void stopLeftover(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) return;
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        } catch (RuntimeException e) {
            Files.deleteIfExists(pidFile);
            return;
        }
        var handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().command().map(c -> c.contains("postgres")).orElse(false));
        if (handle.isEmpty()) {
            System.err.println("feedrank local mode: removing the stale lock of a PostgreSQL that is gone (pid " + pid + ")");
            Files.deleteIfExists(pidFile);
            return;
        }
        System.err.println("feedrank local mode: an embedded PostgreSQL left behind by a killed process is still running (pid "
                + pid + "); stopping it to start cleanly");
        try {
            // SIGINT = PostgreSQL's fast shutdown
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
            handle.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            handle.get().destroyForcibly();
            try {
                handle.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // checked below
            }
        }
        if (handle.get().isAlive()) throw new IOException("the leftover PostgreSQL (pid " + pid + ") on " + dataDir + " did not stop");
        Files.deleteIfExists(pidFile);
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
