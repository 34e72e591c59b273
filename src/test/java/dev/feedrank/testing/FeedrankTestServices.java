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

    private EmbeddedS3 s3;
    private EmbeddedPostgresServer embeddedPg;
    private String database;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        try {
            s3 = EmbeddedS3.start(null, ACCESS, SECRET);
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
        config.put("mp.jwt.verify.publickey", TestTokens.publicKeyPem());
        config.put("mp.jwt.verify.issuer", TestTokens.ISSUER);
        return config;
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
