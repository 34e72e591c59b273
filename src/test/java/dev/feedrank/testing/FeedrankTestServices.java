package dev.feedrank.testing;

import dev.feedrank.local.EmbeddedPostgresServer;
import dev.feedrank.local.EmbeddedS3;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Real services for tests: the machine's PostgreSQL on 127.0.0.1:5432 when reachable (a fresh database per test
 * run, dropped afterwards), else an embedded PostgreSQL; a real S3 server (s3proxy, in memory) in-process; and JWT
 * verification with a key pair generated for this test JVM, whose tokens {@link TestTokens} mints.
 */
public class FeedrankTestServices implements QuarkusTestResourceLifecycleManager {

    static final String MACHINE_PG = "jdbc:postgresql://127.0.0.1:5432/";
    static final String ACCESS = "test-access";
    static final String SECRET = "test-secret-key";

    private static volatile FeedrankTestServices current;

    private volatile EmbeddedS3 s3;
    private Path s3Folder;
    private int s3Port;
    private EmbeddedPostgresServer embeddedPg;
    private String database;

    /** Stops the S3 server of the running test application (connections are refused until {@link #startS3()}). */
    public static synchronized void stopS3() throws Exception {
        FeedrankTestServices c = current;
        if (c.s3 != null) c.s3.close();
        c.s3 = null;
    }

    /** Starts it again on the same port with the objects it had. */
    public static synchronized void startS3() throws Exception {
        FeedrankTestServices c = current;
        if (c.s3 == null) c.s3 = EmbeddedS3.start(c.s3Folder, ACCESS, SECRET, c.s3Port);
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        try {
            // objects in a folder on a fixed port, so a test can stop the server and start it again
            s3Folder = java.nio.file.Files.createDirectories(Path.of("target", "test-s3", UUID.randomUUID().toString()));
            try (var socket = new java.net.ServerSocket(0)) {
                s3Port = socket.getLocalPort();
            }
            s3 = EmbeddedS3.start(s3Folder, ACCESS, SECRET, s3Port);
            current = this;
            config.put("feedrank.storage.endpoint", s3.endpoint());
            config.put("feedrank.storage.access-key", ACCESS);
            config.put("feedrank.storage.secret-key", SECRET);
            config.put("feedrank.storage.bucket", "feedrank-test");
            String name = "feedrank_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            if (createMachineDatabase(name)) {
                database = name;
                config.put("quarkus.datasource.jdbc.url", MACHINE_PG + name);
                config.put("quarkus.datasource.username", "postgres");
                config.put("quarkus.datasource.password", "");
            } else {
                embeddedPg = EmbeddedPostgresServer.start(null, Path.of("target", "embedded-pg"));
                config.put("quarkus.datasource.jdbc.url", embeddedPg.jdbcUrl());
                config.put("quarkus.datasource.username", "postgres");
                config.put("quarkus.datasource.password", "postgres");
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not start test services", e);
        }
        config.put("feedrank.work-dir", Path.of("target", "test-work").toAbsolutePath().toString());
        config.put("feedrank.data.allowed-locations", String.join(",", allowedLocations()));
        config.put("mp.jwt.verify.publickey", TestTokens.publicKeyPem());
        config.put("mp.jwt.verify.issuer", TestTokens.ISSUER);
        return config;
    }

    /**
     * Where test datasets live: the system temp dir (JUnit's {@code @TempDir}), the shared MovieLens data next to the
     * project, the work dir's {@code datasets/} and the test bucket's {@code datasets/} and {@code inputs/} prefixes.
     * Not the project's {@code target/} folder: {@code SecurityTest} keeps what must stay unreadable there.
     */
    public static java.util.List<String> allowedLocations() {
        return java.util.List.of(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().toString(),
                Path.of("..", "shared").toAbsolutePath().normalize().toString(),
                Path.of("target", "test-work", "datasets").toAbsolutePath().toString(),
                "s3://feedrank-test/datasets/", "s3://feedrank-test/inputs/");
    }

    private static boolean createMachineDatabase(String name) {
        try (Connection c = DriverManager.getConnection(MACHINE_PG + "postgres", "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("create database " + name);
            return true;
        } catch (SQLException e) {
            System.err.println("machine PostgreSQL not usable (" + e.getMessage() + "); using an embedded one");
            return false;
        }
    }

    @Override
    public void stop() {
        try {
            if (s3 != null) s3.close();
            if (embeddedPg != null) embeddedPg.close();
            if (database != null) {
                try (Connection c = DriverManager.getConnection(MACHINE_PG + "postgres", "postgres", "");
                     Statement s = c.createStatement()) {
                    s.execute("drop database if exists " + database + " with (force)");
                }
            }
        } catch (Exception e) {
            System.err.println("stopping test services: " + e);
        }
    }
}
