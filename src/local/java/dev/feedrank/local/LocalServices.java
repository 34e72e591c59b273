package dev.feedrank.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Local mode: when no database URL or S3 endpoint is configured, start an embedded PostgreSQL and an embedded S3
 * server keeping their data under the local folder (default {@code ./.feedrank}), and point the app at them through
 * system properties set before Quarkus boots. Both stop when the JVM exits. When no JWT verification key is
 * configured, JWTs are verified with a local RSA key pair (created once under {@code jwt/}, then reused) and an
 * operator token signed with it is printed on stderr.
 */
public final class LocalServices {

    public static final String ACCESS_KEY = "feedrank";
    public static final String SECRET_KEY = "feedrank-secret";
    /** Issuer of local tokens unless MP_JWT_VERIFY_ISSUER / mp.jwt.verify.issuer says otherwise (as application.properties). */
    public static final String DEFAULT_ISSUER = "feedrank";
    public static final String OPERATOR_SUBJECT = "local-operator";
    public static final Duration TOKEN_LIFETIME = Duration.ofDays(30);

    private LocalServices() {
    }

    /**
     * Shutdown hooks run concurrently with the application's own shutdown: a run stopping at SIGTERM still needs
     * the database and the object store to write its checkpoint and status, so they stop after it.
     */
    private static void closeAfterRuns(AutoCloseable service) {
        dev.feedrank.orchestration.RunLauncher.awaitNoExecutingRuns(Duration.ofSeconds(120));
        closeQuietly(service);
    }

    public static void startIfUnconfigured(Path dir) throws Exception {
        if (!configured("quarkus.datasource.jdbc.url", "QUARKUS_DATASOURCE_JDBC_URL")) {
            EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir.resolve("postgres"), dir.resolve("postgres-work"));
            System.setProperty("quarkus.datasource.jdbc.url", pg.jdbcUrl());
            System.setProperty("quarkus.datasource.username", "postgres");
            System.setProperty("quarkus.datasource.password", "postgres");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAfterRuns(pg), "embedded-postgres-stop"));
            System.err.println("feedrank local mode: embedded PostgreSQL at " + pg.jdbcUrl() + " (data in " + dir.resolve("postgres") + ")");
        }
        if (!configured("feedrank.storage.endpoint", "FEEDRANK_STORAGE_ENDPOINT")) {
            EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), ACCESS_KEY, SECRET_KEY);
            System.setProperty("feedrank.storage.endpoint", s3.endpoint());
            System.setProperty("feedrank.storage.access-key", ACCESS_KEY);
            System.setProperty("feedrank.storage.secret-key", SECRET_KEY);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAfterRuns(s3), "embedded-s3-stop"));
            System.err.println("feedrank local mode: embedded S3 at " + s3.endpoint() + " (objects in " + dir.resolve("s3") + ")");
        }
        if (configured("mp.jwt.verify.publickey", "MP_JWT_VERIFY_PUBLICKEY")
                || configured("mp.jwt.verify.publickey.location", "MP_JWT_VERIFY_PUBLICKEY_LOCATION")) {
            System.err.println("feedrank local mode: JWTs are verified with the configured public key (no local token)");
        } else {
            useLocalTokens(dir.resolve("jwt"));
        }
    }

    /**
     * Verify JWTs with the key pair under {@code jwtDir} and print an operator token (also written to
     * {@code operator.token}, mode 600) valid for {@link #TOKEN_LIFETIME}.
     */
    static void useLocalTokens(Path jwtDir) throws IOException {
        KeyPair keys = LocalTokens.loadOrCreate(jwtDir);
        String issuer = firstSet(System.getProperty("mp.jwt.verify.issuer"), System.getenv("MP_JWT_VERIFY_ISSUER"), DEFAULT_ISSUER);
        System.setProperty("mp.jwt.verify.publickey", LocalTokens.publicKeyPem(keys.getPublic()));
        System.setProperty("mp.jwt.verify.issuer", issuer);
        Instant until = Instant.now().plus(TOKEN_LIFETIME).truncatedTo(ChronoUnit.SECONDS);
        String token = LocalTokens.mint(keys.getPrivate(), issuer, OPERATOR_SUBJECT, until, "operator", "viewer");
        Path tokenFile = jwtDir.resolve("operator.token");
        Path tmp = Files.createTempFile(jwtDir, ".operator", ".tmp");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // left with the folder's permissions
        }
        Files.writeString(tmp, token + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, tokenFile, StandardCopyOption.REPLACE_EXISTING);
        System.err.println("feedrank local mode: operator token (valid until " + until + "): " + token);
        if (!"false".equals(System.getProperty("quarkus.http.host-enabled"))) {
            String port = firstSet(System.getProperty("quarkus.http.port"), System.getenv("QUARKUS_HTTP_PORT"), "8080");
            System.err.println("feedrank local mode: e.g. curl -H \"Authorization: Bearer $(cat " + tokenFile
                    + ")\" http://localhost:" + port + "/api/runs  (key pair in " + jwtDir + ")");
            System.err.println("feedrank local mode: web console (signs the local operator in): http://localhost:" + port
                    + "/ui/login?token=" + token);
        }
    }

    private static String firstSet(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v;
        return null;
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
