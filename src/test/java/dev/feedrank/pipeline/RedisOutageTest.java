package dev.feedrank.pipeline;

import dev.feedrank.serving.RedisEmbeddingStore;
import dev.feedrank.serving.RedisSettings;
import dev.feedrank.serving.RedisTesting;
import dev.feedrank.testing.FeedrankTestServices;
import dev.feedrank.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.feedrank.testing.TestTokens.asOperator;
import static dev.feedrank.testing.TestTokens.asViewer;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A redis-server of this test's own (never the machine's shared one) is frozen (SIGSTOP) while a promoting run
 * exports: publish fails after its retries, the pointer stays on the old complete version, a manual rollback is
 * refused without moving anything; Redis back, a resume finishes publish only.
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(RedisOutageTest.OwnRedis.class)
class RedisOutageTest {

    static RedisTesting.OwnServer server;

    public static class OwnRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                if (server == null) {
                    RedisTesting.OwnServer started = RedisTesting.OwnServer.start();
                    server = started;
                    // Quarkus may load this profile in more than one class loader: whatever started a server stops it
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        try {
                            started.close();
                        } catch (Exception ignored) {
                            // exiting anyway
                        }
                    }));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Map.of("feedrank.serving.redis.url", server.url(),
                    "feedrank.serving.redis.timeout", "2s",
                    "feedrank.runs.heartbeat-seconds", "1",
                    "feedrank.stages.backoff-initial-ms", "100",
                    "feedrank.stages.backoff-max-ms", "400");
        }
    }

    @Inject
    Vertx vertx;

    @AfterAll
    static void stopRedis() throws Exception {
        if (server != null) server.close();
        server = null;
    }

    /**
     * Tiny runs that always promote: this test is about publish, not about the model (gate checks off, so every run
     * is promoted on its servability check alone).
     */
    static Map<String, String> tiny() {
        return RunApi.small("synthetic.users", "120", "synthetic.items", "60", "synthetic.impressions", "6000",
                "train.epochs", "1", "negatives.per-positive", "4", "eval.baselines", "none",
                "gate.min.auc", "off", "gate.beat-baseline", "false", "gate.max-regression.auc", "off",
                "gate.max-regression.ndcg@10", "off", "gate.allow-no-checks", "true");
    }

    RedisEmbeddingStore store() throws Exception {
        return RedisEmbeddingStore.connect(vertx, new RedisSettings(server.url(), Optional.empty(), false, Duration.ofHours(24), 2,
                false, 100, "feedrank", Duration.ofSeconds(5)), "default");
    }

    static List<String> attempts(JsonPath run, String stage) {
        return RunLifecycleTest.attempts(run, stage);
    }

    @Test
    void redisFrozenDuringPublishFailsTheRunAtPublishAndResumeFinishesPublishOnly() throws Exception {
        JsonPath firstRun = RunApi.runToEnd("synthetic", tiny());
        assertEquals("PROMOTED", firstRun.getString("outcome"), () -> "first run: " + firstRun.getString("error"));
        String first = firstRun.getString("model.version");
        try (RedisEmbeddingStore store = store()) {
            assertEquals(first, store.current().orElseThrow());
        }

        // a second promoted run; Redis freezes while it exports
        long id = RunApi.start("synthetic", tiny());
        awaitStageRunning(id, "export");
        server.pause();
        JsonPath failed;
        try {
            failed = RunApi.await(id, Duration.ofMinutes(5));
            assertEquals("FAILED", failed.getString("status"));
            assertThat(failed.getString("error"), startsWith("publish: "));
            assertEquals(List.of("1:FAILED", "2:FAILED", "3:FAILED"), attempts(failed, "publish"));
            assertEquals(List.of("1:SUCCEEDED"), attempts(failed, "export"));
            // the registry moved with export; serving stays on the old version until publish succeeds. A manual
            // move meanwhile is refused (503) and moves nothing
            asOperator().contentType(ContentType.JSON).body(Map.of("reason", "during the outage"))
                    .post("/api/aliases/production/rollback").then().statusCode(503)
                    .body("message", containsString("the alias did not move"));
        } finally {
            server.resume();
        }
        String second = failed.getString("model.version");
        asViewer().get("/api/aliases/production").then().statusCode(200).body("version", equalTo(second));
        try (RedisEmbeddingStore store = store()) {
            assertEquals(first, store.current().orElseThrow(), "the pointer is still on the old version");
            assertTrue(store.verify(first).complete(), "and that version is complete");
        }

        asOperator().post("/api/runs/" + id + "/resume").then().statusCode(202);
        JsonPath resumed = RunApi.await(id, Duration.ofMinutes(5));
        assertEquals("SUCCEEDED", resumed.getString("status"), () -> "resumed: " + resumed.getString("error"));
        assertEquals("PROMOTED", resumed.getString("outcome"));
        assertEquals(second, resumed.getString("model.version"));
        assertEquals(List.of("1:FAILED", "2:FAILED", "3:FAILED", "4:SUCCEEDED"), attempts(resumed, "publish"));
        assertEquals(List.of("1:SUCCEEDED"), attempts(resumed, "export"), "only publish ran again");
        assertEquals(List.of("1:SUCCEEDED"), attempts(resumed, "train"));
        try (RedisEmbeddingStore store = store()) {
            assertEquals(second, store.current().orElseThrow());
            assertTrue(store.verify(second).complete());
        }
    }

    static void awaitStageRunning(long runId, String stage) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath run = TestTokens.asViewer().when().get("/api/runs/" + runId).then().statusCode(200).extract().jsonPath();
            List<Map<String, Object>> stages = run.getList("stages");
            if (stages.stream().anyMatch(s -> stage.equals(s.get("name")))) return;
            if (!"RUNNING".equals(run.getString("status")) && !"QUEUED".equals(run.getString("status"))) {
                throw new AssertionError("run " + runId + " ended before " + stage + ": " + run.getString("error"));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + stage + " stage in run " + runId);
    }
}
