package dev.feedrank.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.local.LocalTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two app processes (two replicas) against one PostgreSQL database and one S3 server, with the same cron:
 * exactly one run per tick, never two runs executing at once, and Forbid holds for API triggers on either replica.
 */
class ReplicasIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static SharedServices services;
    static KeyPair keys;

    @BeforeAll
    static void services() throws Exception {
        services = SharedServices.start("replicas");
        keys = LocalTokens.generate();
    }

    @AfterAll
    static void stop() throws Exception {
        if (services != null) services.close();
    }

    static Map<String, String> env(int port) {
        Map<String, String> env = new HashMap<>(services.env());
        env.put("MP_JWT_VERIFY_PUBLICKEY", LocalTokens.publicKeyPem(keys.getPublic()));
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("FEEDRANK_SCHEDULE_CRON", "0/15 * * * * ?");
        env.put("FEEDRANK_SYNTHETIC_USERS", "300");
        env.put("FEEDRANK_SYNTHETIC_ITEMS", "150");
        env.put("FEEDRANK_SYNTHETIC_IMPRESSIONS", "20000");
        env.put("FEEDRANK_TRAIN_EPOCHS", "1");
        // the document's BCE technique (the default before the softmax): its epochs are long enough for the
        // "long API run" below to still be running when the other replica is triggered
        env.put("FEEDRANK_TRAIN_LOSS", "bce");
        env.put("FEEDRANK_TRAIN_COLD_START_RATE", "0.5");
        env.put("FEEDRANK_TRAIN_REFIT", "false");
        env.put("FEEDRANK_TRAIN_BATCH_SIZE", "512");
        env.put("FEEDRANK_RUNS_HEARTBEAT_SECONDS", "1");
        env.put("FEEDRANK_RUNS_STALE_AFTER_SECONDS", "5");
        return env;
    }

    static int freePort() throws Exception {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static HttpResponse<String> post(int port, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode get(int port, String path, String token) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + token).build();
        return JSON.readTree(HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void twoReplicasWithTheSameCronStartOneRunPerTickAndForbidHoldsAcrossThem() throws Exception {
        String operator = LocalTokens.mint(keys.getPrivate(), "feedrank", "replica-test", Instant.now().plusSeconds(3600), "operator", "viewer");
        Path root = Path.of("target", "fault-it", "replicas").toAbsolutePath();
        int portA = freePort();
        int portB = freePort();
        try (AppProcess a = AppProcess.start(root.resolve("a"), env(portA), "serve");
             AppProcess b = AppProcess.start(root.resolve("b"), env(portB), "serve")) {
            a.awaitLog("Listening on", Duration.ofMinutes(3));
            b.awaitLog("Listening on", Duration.ofMinutes(3));
            Instant started = Instant.now();
            // let the cron fire at least three times on both replicas
            while (Duration.between(started, Instant.now()).getSeconds() < 50) Thread.sleep(1000);
            String both = a.logText() + b.logText();

            try (Connection c = services.connect(); Statement s = c.createStatement()) {
                List<Long> tickRuns = new ArrayList<>();
                Set<String> claimedBy = new HashSet<>();
                try (ResultSet r = s.executeQuery("select run_id, claimed_by from schedule_tick order by fire_time")) {
                    while (r.next()) {
                        tickRuns.add(r.getLong(1));
                        claimedBy.add(r.getString(2));
                    }
                }
                long scheduleRuns;
                try (ResultSet r = s.executeQuery("select count(*) from pipeline_run where trigger = 'schedule'")) {
                    r.next();
                    scheduleRuns = r.getLong(1);
                }
                System.out.printf("replicas: %d ticks, %d scheduled runs, ticks claimed by %s%n", tickRuns.size(), scheduleRuns, claimedBy);
                assertTrue(tickRuns.size() >= 3, "the cron fired at least three times: " + tickRuns);
                assertEquals(tickRuns.size(), new HashSet<>(tickRuns).size(), "each tick has its own run");
                assertEquals(tickRuns.size(), scheduleRuns, "exactly one run per tick, though both replicas fired every tick");
                assertTrue(both.contains("already claimed by another replica"), "the other replica saw each tick and stood back");
                // no two runs ever executed at the same time
                List<Instant[]> spans = new ArrayList<>();
                try (ResultSet r = s.executeQuery("select started_at, finished_at from pipeline_run where started_at is not null order by started_at")) {
                    while (r.next()) {
                        Timestamp end = r.getTimestamp(2);
                        spans.add(new Instant[] {r.getTimestamp(1).toInstant(), end == null ? Instant.MAX : end.toInstant()});
                    }
                }
                for (int i = 1; i < spans.size(); i++) {
                    assertFalse(spans.get(i)[0].isBefore(spans.get(i - 1)[1]), "run executions overlap: " + i);
                }
            }

            // Forbid across replicas: a long API run on A, then a trigger on B is skipped and recorded
            post(portA, "/api/schedule/suspend", "{\"reason\":\"manual test\"}", operator);
            awaitIdle(portA, operator);
            HttpResponse<String> accepted = post(portA, "/api/runs",
                    "{\"overrides\": {\"train.epochs\": \"40\", \"train.early-stopping-patience\": \"40\"}}", operator);
            assertEquals(202, accepted.statusCode(), accepted.body());
            long longRun = JSON.readTree(accepted.body()).get("runId").asLong();
            awaitStatus(portA, operator, longRun, "RUNNING");
            HttpResponse<String> forbidden = post(portB, "/api/runs", "{}", operator);
            assertEquals(409, forbidden.statusCode(), forbidden.body());
            assertTrue(forbidden.body().contains("run " + longRun + " holds the pipeline lease"), forbidden.body());
            long skipped = JSON.readTree(forbidden.body()).get("runId").asLong();
            assertEquals("SKIPPED", get(portA, "/api/runs/" + skipped, operator).get("status").asText());
            // and a cancel sent to B stops the run executing on A (through the database, seen by A's heartbeat)
            assertEquals(202, post(portB, "/api/runs/" + longRun + "/cancel", "", operator).statusCode());
            JsonNode cancelled = awaitStatus(portA, operator, longRun, "CANCELLED");
            assertEquals("cancelled by replica-test", cancelled.get("error").asText());
        }
    }

    static void awaitIdle(int port, String token) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (get(port, "/api/runs?status=RUNNING", token).get("total").asLong() > 0
                || get(port, "/api/runs?status=QUEUED", token).get("total").asLong() > 0) {
            if (System.nanoTime() > deadline) fail("runs still going after 5 minutes");
            Thread.sleep(500);
        }
    }

    static JsonNode awaitStatus(int port, String token, long runId, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            JsonNode run = get(port, "/api/runs/" + runId, token);
            if (status.equals(run.get("status").asText())) return run;
            if (System.nanoTime() > deadline) fail("run " + runId + " not " + status + ": " + run);
            Thread.sleep(300);
        }
    }
}
