package dev.feedrank.local;

import java.nio.file.Path;

/**
 * Local mode: when no database URL or S3 endpoint is configured, start an embedded PostgreSQL and an embedded S3
 * server keeping their data under the local folder (default {@code ./.feedrank}), and point the app at them through
 * system properties set before Quarkus boots. Both stop when the JVM exits.
 */
public final class LocalServices {

    public static final String ACCESS_KEY = "feedrank";
    public static final String SECRET_KEY = "feedrank-secret";

    private LocalServices() {
    }

    public static void startIfUnconfigured(Path dir) throws Exception {
        if (!configured("quarkus.datasource.jdbc.url", "QUARKUS_DATASOURCE_JDBC_URL")) {
            EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir.resolve("postgres"), dir.resolve("postgres-work"));
            System.setProperty("quarkus.datasource.jdbc.url", pg.jdbcUrl());
            System.setProperty("quarkus.datasource.username", "postgres");
            System.setProperty("quarkus.datasource.password", "postgres");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(pg), "embedded-postgres-stop"));
            System.err.println("feedrank local mode: embedded PostgreSQL at " + pg.jdbcUrl() + " (data in " + dir.resolve("postgres") + ")");
        }
        if (!configured("feedrank.storage.endpoint", "FEEDRANK_STORAGE_ENDPOINT")) {
            EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), ACCESS_KEY, SECRET_KEY);
            System.setProperty("feedrank.storage.endpoint", s3.endpoint());
            System.setProperty("feedrank.storage.access-key", ACCESS_KEY);
            System.setProperty("feedrank.storage.secret-key", SECRET_KEY);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(s3), "embedded-s3-stop"));
            System.err.println("feedrank local mode: embedded S3 at " + s3.endpoint() + " (objects in " + dir.resolve("s3") + ")");
        }
    }

    private static boolean configured(String property, String env) {
        String p = System.getProperty(property);
        String e = System.getenv(env);
        return p != null && !p.isBlank() || e != null && !e.isBlank();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // shutting down
        }
    }
}
