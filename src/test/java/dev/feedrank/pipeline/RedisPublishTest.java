package dev.feedrank.pipeline;

import dev.feedrank.registry.BundleLoader;
import dev.feedrank.serving.RedisEmbeddingStore;
import dev.feedrank.serving.RedisKeys;
import dev.feedrank.serving.RedisSettings;
import dev.feedrank.serving.RedisTesting;
import dev.feedrank.storage.ObjectStorage;
import dev.feedrank.testing.FeedrankTestServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

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
 * Whole runs with publishing on, against the machine's Redis (keys under a prefix of this class's own, deleted
 * afterwards), real PostgreSQL, S3 and training: a promoted run serves its embeddings, a rejected one only renews the
 * live TTL, manual promote and rollback re-point Redis (re-publishing from the bundle when the keys are gone).
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(RedisPublishTest.WithRedis.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisPublishTest {

    static final String PREFIX = RedisTesting.uniquePrefix();

    public static class WithRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("feedrank.serving.redis.url", RedisTesting.MACHINE_URL,
                    "feedrank.serving.redis.key-prefix", PREFIX,
                    "feedrank.serving.redis.chunk-size", "64",
                    "feedrank.validation.drift-severity", "warning");
        }
    }

    @Inject
    ObjectStorage storage;

    @Inject
    Vertx vertx;

    @Inject
    jakarta.enterprise.event.Event<dev.feedrank.orchestration.ScheduleTick> ticks;

    static String first;
    static String rejected;

    @AfterAll
    static void cleanUp() throws Exception {
        RedisTesting.deleteKeys(RedisTesting.MACHINE_URL, PREFIX);
    }

    RedisEmbeddingStore store() throws Exception {
        return RedisEmbeddingStore.connect(vertx, RedisTesting.settings(RedisTesting.MACHINE_URL, PREFIX), "default");
    }

    static String publishProgress(JsonPath run) {
        List<Map<String, Object>> stages = run.getList("stages");
        Map<String, Object> publish = stages.get(stages.size() - 1);
        assertEquals("publish", publish.get("name"));
        assertEquals("SUCCEEDED", publish.get("status"), () -> "publish: " + publish);
        return String.valueOf(publish.get("progress"));
    }

    /** Every item of the bundle is served with its exported vector (max |diff| <= 1e-6). */
    void assertServes(RedisEmbeddingStore store, String version) throws Exception {
        assertEquals(version, store.current().orElseThrow());
        BundleLoader.Embeddings items = new BundleLoader().embeddings("models/" + version + "/", storage, false);
        int dim = items.matrix().cols();
        assertEquals(Integer.toString(dim), store.manifest(version).get("dim"));
        assertEquals(Integer.toString(items.ids().length), store.manifest(version).get("item_count"));
        double maxDiff = 0;
        for (int r = 0; r < items.ids().length; r++) {
            float[] got = store.vector(version, RedisKeys.ITEM, items.ids()[r]).orElseThrow(AssertionError::new);
            assertEquals(dim, got.length);
            for (int d = 0; d < dim; d++) maxDiff = Math.max(maxDiff, Math.abs(got[d] - items.matrix().data()[r * dim + d]));
        }
        assertTrue(maxDiff <= 1e-6, "max |diff| " + maxDiff);
        assertTrue(store.verify(version).complete());
    }

    static void assertTtlAboutADay(RedisEmbeddingStore store, String key) throws Exception {
        long ttl = store.pttl(key);
        assertTrue(ttl > Duration.ofHours(23).toMillis() && ttl <= Duration.ofHours(24).toMillis(), key + " ttl " + ttl + " ms");
    }

    /** A tiny run (RedisOutageTest.tiny) that its gate rejects. */
    static Map<String, String> tinyRejected() {
        Map<String, String> m = new java.util.LinkedHashMap<>(RedisOutageTest.tiny());
        m.put("gate.min.auc", "0.999");
        m.put("train.seed", "43");
        return m;
    }

    /** Sets the live version's TTL to 5 minutes, as if its last renewal was almost a day ago; returns one of its item ids. */
    String shortenLiveTtl(int row) throws Exception {
        String anItem = new BundleLoader().embeddings("models/" + first + "/", storage, false).ids()[row];
        RedisSettings shortTtl = new RedisSettings(RedisTesting.MACHINE_URL, Optional.empty(), false, Duration.ofMinutes(5), 2,
                false, 64, PREFIX, Duration.ofSeconds(5));
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, shortTtl, "default")) {
            store.refresh(first);
            assertTrue(store.pttl(store.keys().vector(first, RedisKeys.ITEM, anItem)) <= Duration.ofMinutes(5).toMillis());
            assertTrue(store.pttl(store.keys().current()) <= Duration.ofMinutes(5).toMillis());
        }
        return anItem;
    }

    @Test
    @Order(1)
    void aPromotedRunServesItsItemEmbeddingsFromRedis() throws Exception {
        JsonPath run = RunApi.runToEnd("synthetic", RedisOutageTest.tiny());
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals("PROMOTED", run.getString("outcome"));
        first = run.getString("model.version");
        assertThat(publishProgress(run), allOf(startsWith("published 60 items"), containsString("Redis now serves " + first + " (was none)")));
        try (RedisEmbeddingStore store = store()) {
            assertEquals(PREFIX + ":default:current", store.keys().current());
            assertServes(store, first);
            assertTtlAboutADay(store, store.keys().current());
            assertTtlAboutADay(store, store.keys().manifest(first));
            assertTtlAboutADay(store, store.keys().vector(first, RedisKeys.ITEM,
                    new BundleLoader().embeddings("models/" + first + "/", storage, false).ids()[0]));
        }
    }

    @Test
    @Order(2)
    void aRejectedRunChangesNothingButRenewsTheLiveTtl() throws Exception {
        String anItem = shortenLiveTtl(3);
        JsonPath run = RunApi.runToEnd("synthetic", tinyRejected());
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals("REJECTED", run.getString("outcome"));
        rejected = run.getString("model.version");
        assertThat(publishProgress(run), allOf(containsString("was not promoted; Redis unchanged"),
                containsString("TTL of live version " + first + " refreshed")));
        try (RedisEmbeddingStore store = store()) {
            assertEquals(first, store.current().orElseThrow());
            assertTrue(store.manifest(rejected).isEmpty(), "nothing of the rejected version was written");
            assertTtlAboutADay(store, store.keys().vector(first, RedisKeys.ITEM, anItem));
            assertTtlAboutADay(store, store.keys().current());
        }
    }

    @Test
    @Order(3)
    void promoteAndRollbackRePointRedisAndRepublishExpiredVersionsFromTheBundle() throws Exception {
        asOperator().contentType(ContentType.JSON).body(Map.of("reason", "serve the rejected one for a test", "force", true))
                .post("/api/models/" + rejected + "/promote").then().statusCode(200).body("to", equalTo(rejected));
        try (RedisEmbeddingStore store = store()) {
            assertServes(store, rejected);
            // the first version's keys are gone (expired or evicted): a rollback re-publishes it from its S3 bundle
            store.delete(first);
            assertFalse(store.verify(first).complete());
        }
        asOperator().contentType(ContentType.JSON).body(Map.of("reason", "back"))
                .post("/api/aliases/production/rollback").then().statusCode(200).body("to", equalTo(first));
        asViewer().get("/api/aliases/production").then().statusCode(200).body("version", equalTo(first));
        try (RedisEmbeddingStore store = store()) {
            assertServes(store, first);
            assertTrue(store.verify(rejected).complete(), "the previous version is kept (keep-versions 2)");
        }
    }

    @Test
    @Order(4)
    void everyScheduleTickRenewsTheLiveTtl() throws Exception {
        String anItem = shortenLiveTtl(1);
        // what ScheduledRetraining fires on every tick, before (and whatever) the tick's run
        ticks.fire(new dev.feedrank.orchestration.ScheduleTick("default", java.time.Instant.now()));
        try (RedisEmbeddingStore store = store()) {
            assertEquals(first, store.current().orElseThrow());
            assertTtlAboutADay(store, store.keys().current());
            assertTtlAboutADay(store, store.keys().vector(first, RedisKeys.ITEM, anItem));
        }
    }
}
