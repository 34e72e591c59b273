package dev.feedrank.fault;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The packaged jar started as a deployment would start it (no {@code --local}, the prod profile, a real database and
 * S3 server): with the S3 secret key left at the built-in default, unset, or a placeholder it refuses to start, and
 * a server without a JWT verification key refuses too, as does a start without a database; each says what to set (the
 * output's last line), and nothing runs.
 */
class ProductionStartIT {

    private static SharedServices services;
    private static final Path WORK = Path.of("target", "production-start-it");

    @BeforeAll
    static void start() throws Exception {
        services = SharedServices.start("prodstart");
    }

    @AfterAll
    static void stop() throws Exception {
        if (services != null) services.close();
    }

    @Test
    void theDefaultUnsetOrPlaceholderS3SecretKeyStopsTheStart() throws Exception {
        for (String secret : new String[] {"feedrank-secret", null, "CHANGE_ME", " "}) {
            Map<String, String> env = services.env();
            if (secret == null) env.remove("FEEDRANK_STORAGE_SECRET_KEY");
            else env.put("FEEDRANK_STORAGE_SECRET_KEY", secret);
            String log = refused(env, "serve");
            assertTrue(log.contains("refusing to start: the S3 secret key is"), "secret " + secret + ":\n" + AppProcess.tail(log));
            assertTrue(log.contains("FEEDRANK_STORAGE_SECRET_KEY"), "the message says what to set: " + AppProcess.tail(log));
            assertTrue(log.contains("feedrank: could not start: refusing to start: the S3 secret key is"),
                    "and it ends the output in one line: " + AppProcess.tail(log));
        }
        // a one-shot command is a start too
        Map<String, String> env = services.env();
        env.put("FEEDRANK_STORAGE_SECRET_KEY", "feedrank-secret");
        assertTrue(refused(env, "run", "--dataset", "synthetic").contains("refusing to start: the S3 secret key is"));
        assertNoRun();
    }

    @Test
    void aServerWithoutAJwtVerificationKeyStops() throws Exception {
        Map<String, String> env = services.env(); // credentials of the test's own S3 server, no MP_JWT_VERIFY_*
        String log = refused(env, "serve");
        assertTrue(log.contains("refusing to start the server without a JWT verification key"), AppProcess.tail(log));
        assertTrue(log.contains("MP_JWT_VERIFY_PUBLICKEY_LOCATION"), AppProcess.tail(log));
        assertNoRun();
    }

    @Test
    void noDatabaseConfiguredSaysWhatToSetInOneLine() throws Exception {
        Map<String, String> env = services.env();
        env.remove("QUARKUS_DATASOURCE_JDBC_URL");
        String log = refused(env, "serve");
        String[] lines = log.strip().split("\n"); // the log ends with stderr
        assertTrue(lines[lines.length - 1].startsWith("feedrank: could not start: no database configured: set QUARKUS_DATASOURCE_JDBC_URL"),
                "the last line says what is missing: " + AppProcess.tail(log));
    }

    private static String refused(Map<String, String> env, String... args) throws Exception {
        env.remove("MP_JWT_VERIFY_PUBLICKEY");
        env.remove("MP_JWT_VERIFY_PUBLICKEY_LOCATION");
        env.put("QUARKUS_HTTP_PORT", "0");
        try (AppProcess app = AppProcess.start(WORK, env, args)) {
            int exit = app.awaitExit(Duration.ofMinutes(2));
            assertNotEquals(0, exit, "feedrank " + String.join(" ", args) + " started:\n" + AppProcess.tail(app.logText()));
            return app.logText();
        }
    }

    private static void assertNoRun() throws Exception {
        try (Connection c = services.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pipeline_run")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getLong(1), "no run was recorded");
        }
    }
}
