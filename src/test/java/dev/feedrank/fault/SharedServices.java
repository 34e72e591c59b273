package dev.feedrank.fault;

import dev.feedrank.local.EmbeddedS3;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What several app processes share, as replicas do: a fresh database on the machine's PostgreSQL (127.0.0.1:5432) and
 * an in-process S3 server; {@link #env()} points a process at both.
 */
final class SharedServices implements AutoCloseable {

    static final String PG = "jdbc:postgresql://127.0.0.1:5432/";

    final String database;
    final EmbeddedS3 s3;
    private final String accessKey;
    private final String secretKey;

    private SharedServices(String database, EmbeddedS3 s3, String accessKey, String secretKey) {
        this.database = database;
        this.s3 = s3;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** Skips the test (assumption) when the machine's PostgreSQL is not there. */
    static SharedServices start(String name) throws Exception {
        String database = "feedrank_" + name + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("create database " + database);
        } catch (Exception e) {
            assumeTrue(false, "needs the machine's PostgreSQL on 127.0.0.1:5432: " + e.getMessage());
        }
        return new SharedServices(database, EmbeddedS3.start(null, name + "-access", name + "-secret"),
                name + "-access", name + "-secret");
    }

    Connection connect() throws Exception {
        return DriverManager.getConnection(PG + database, "postgres", "");
    }

    /** The environment of a process using the shared database and S3. */
    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_JDBC_URL", PG + database);
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "");
        env.put("FEEDRANK_STORAGE_ENDPOINT", s3.endpoint());
        env.put("FEEDRANK_STORAGE_ACCESS_KEY", accessKey);
        env.put("FEEDRANK_STORAGE_SECRET_KEY", secretKey);
        return env;
    }

    @Override
    public void close() throws Exception {
        s3.close();
        try (Connection c = DriverManager.getConnection(PG + "postgres", "postgres", ""); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + database + " with (force)");
        }
    }
}
