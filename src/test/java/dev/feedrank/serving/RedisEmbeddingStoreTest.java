package dev.feedrank.serving;

import dev.feedrank.registry.BundleFiles;
import dev.feedrank.registry.Npy;
import dev.feedrank.testing.InMemoryObjectStorage;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The Redis layout against real Redis servers: the machine's (under a key prefix of its own) and one started here. */
class RedisEmbeddingStoreTest {

    static final String PREFIX = RedisTesting.uniquePrefix();
    static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        RedisTesting.deleteKeys(RedisTesting.MACHINE_URL, PREFIX);
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    static RedisEmbeddingStore.Vectors vectors(String kind, int n, int dim, long seed) {
        Random r = new Random(seed);
        String[] ids = new String[n];
        float[] data = new float[n * dim];
        for (int i = 0; i < n; i++) ids[i] = "i" + i + (i % 7 == 0 ? ":odd id, with ü" : "");
        for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
        return new RedisEmbeddingStore.Vectors(kind, ids, data, dim);
    }

    @Test
    void aVersionIsWrittenInChunksReadBackAndServedOnlyOnceComplete() throws Exception {
        RedisSettings s = RedisTesting.settings(RedisTesting.MACHINE_URL, PREFIX);
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s, "p1")) {
            RedisEmbeddingStore.Vectors v = vectors(RedisKeys.ITEM, 123, 8, 1);
            EmbeddingPublisher.write(store, "v1", "test", v, null);
            assertTrue(store.verify("v1").complete());
            assertTrue(store.current().isEmpty(), "writing does not serve");
            store.point("v1");
            assertEquals("v1", store.current().orElseThrow());
            for (int i : new int[] {0, 7, 122}) {
                float[] got = store.vector("v1", RedisKeys.ITEM, v.ids()[i]).orElseThrow();
                for (int d = 0; d < 8; d++) assertEquals(v.data()[i * 8 + d], got[d], 0f);
            }
            long ttl = store.pttl(store.keys().vector("v1", RedisKeys.ITEM, v.ids()[5]));
            assertTrue(ttl > 23 * 3600_000L && ttl <= 24 * 3600_000L, "ttl " + ttl);
            assertEquals("123", store.manifest("v1").get("item_count"));
            assertEquals(v.checksum(), store.manifest("v1").get("item_checksum"));

            // a key gone (expired, evicted): the read-back says so, and so would a publish of it
            redisCli("unlink", store.keys().vector("v1", RedisKeys.ITEM, v.ids()[42]));
            RedisEmbeddingStore.Verification broken = store.verify("v1");
            assertFalse(broken.complete());
            assertTrue(broken.detail().contains("missing"), broken.detail());
        }
    }

    @Test
    void oldVersionsBeyondKeepAreDeletedButNeverTheLiveOne() throws Exception {
        RedisSettings s = RedisTesting.settings(RedisTesting.MACHINE_URL, PREFIX);
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s, "p2")) {
            for (String version : List.of("a", "b", "c")) {
                EmbeddingPublisher.write(store, version, "test", vectors(RedisKeys.ITEM, 10, 4, version.hashCode()), null);
                store.point(version);
                Thread.sleep(2); // distinct "went live" scores
            }
            assertEquals(List.of("a"), store.deleteOld(2));
            assertTrue(store.manifest("a").isEmpty());
            assertFalse(store.verify("a").complete());
            assertTrue(store.verify("b").complete());
            store.point("b"); // a rollback: b live again, c kept as the previous one
            assertEquals(List.of(), store.deleteOld(2));
            assertEquals(List.of("c"), store.deleteOld(1));
            assertTrue(store.verify("b").complete());
        }
    }

    @Test
    void aFrozenRedisFailsThePublishAndThePointerStaysOnTheCompleteVersion() throws Exception {
        try (RedisTesting.OwnServer server = RedisTesting.OwnServer.start()) {
            RedisSettings s = new RedisSettings(server.url(), java.util.Optional.empty(), false, java.time.Duration.ofHours(24), 2,
                    false, 50, "feedrank", java.time.Duration.ofSeconds(1));
            try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s, "default")) {
                EmbeddingPublisher.write(store, "v1", "test", vectors(RedisKeys.ITEM, 200, 16, 1), null);
                store.point("v1");
                server.pause();
                assertThrows(RedisUnavailableException.class,
                        () -> EmbeddingPublisher.write(store, "v2", "test", vectors(RedisKeys.ITEM, 200, 16, 2), null));
                server.resume();
            }
            try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s, "default")) {
                assertEquals("v1", store.current().orElseThrow());
                assertTrue(store.verify("v1").complete());
            }
            server.close();
            RedisUnavailableException refused = assertThrows(RedisUnavailableException.class,
                    () -> RedisEmbeddingStore.connect(vertx, s, "default"));
            assertTrue(refused.getMessage().contains("connect to redis://127.0.0.1:" + server.port), refused.getMessage());
        }
    }

    @Test
    void badSettingsAreRefusedWithTheKeyNamed() {
        assertThrows(IllegalArgumentException.class, () -> RedisSettings.from(config("http://x:1", "24h")));
    }

    static dev.feedrank.config.FeedrankConfig config(String url, String ttl) {
        return new io.smallrye.config.SmallRyeConfigBuilder()
                .withSources(new io.smallrye.config.PropertiesConfigSource(java.util.Map.of("feedrank.serving.redis.url", url,
                        "feedrank.serving.redis.ttl", ttl), "t", 500))
                .withMapping(dev.feedrank.config.FeedrankConfig.class).build()
                .getConfigMapping(dev.feedrank.config.FeedrankConfig.class);
    }

    @Test
    void ttlAcceptsShortAndIsoForms() {
        assertEquals(java.time.Duration.ofHours(24), RedisSettings.from(config(RedisTesting.MACHINE_URL, "24h")).orElseThrow().ttl());
        assertEquals(java.time.Duration.ofMinutes(90), RedisSettings.from(config(RedisTesting.MACHINE_URL, "PT90M")).orElseThrow().ttl());
        assertEquals("redis://:***@h:6379/0", RedisSettings.masked("redis://:secret@h:6379/0"));
    }

    static void redisCli(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("redis-cli", "-p", "6379"));
        cmd.addAll(List.of(args));
        new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    static RedisSettings withUsers(boolean publishUsers) {
        return new RedisSettings(RedisTesting.MACHINE_URL, Optional.empty(), false, Duration.ofHours(24), 2, publishUsers,
                16, PREFIX, Duration.ofSeconds(5));
    }

    /** A bundle's embedding files: {@code n} rows of {@code dim} values and their ids. */
    static void embeddings(InMemoryObjectStorage storage, String prefix, boolean users, int n, int dim, float base) throws Exception {
        float[] data = new float[n * dim];
        for (int i = 0; i < data.length; i++) data[i] = base + i * 0.001f;
        StringBuilder ids = new StringBuilder("row,id,vocab_index\n");
        for (int r = 0; r < n; r++) ids.append(r).append(',').append(users ? "user-" : "item:").append(r).append(',').append(r + 1).append('\n');
        storage.put(prefix + (users ? BundleFiles.USER_EMBEDDINGS : BundleFiles.ITEM_EMBEDDINGS), Npy.write(data, n, dim), "application/octet-stream");
        storage.put(prefix + (users ? BundleFiles.USER_IDS : BundleFiles.ITEM_IDS), ids.toString().getBytes(StandardCharsets.UTF_8), "text/csv");
    }

    /**
     * {@code serving.redis.publish-users=true}: the bundle's user embeddings are served beside the items, in the same
     * layout (one key per user, the manifest's count and checksum); a version published without them is completed with
     * them when they are wanted, and one that holds them is reused as it is.
     */
    @Test
    void userEmbeddingsArePublishedWhenWantedAndAVersionWithoutThemIsCompleted() throws Exception {
        InMemoryObjectStorage storage = new InMemoryObjectStorage();
        String bundle = "models/v-users/";
        embeddings(storage, bundle, false, 40, 8, 1f);
        embeddings(storage, bundle, true, 25, 8, -1f);
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, withUsers(false), "default")) {
            int[] itemsOnly = EmbeddingPublisher.ensure(store, withUsers(false), "v-users", bundle, storage);
            assertArrayEquals(new int[] {40, 0, 8, 0}, itemsOnly, "items written, no users");
            assertEquals("item", store.manifest("v-users").get("kinds"));
            assertTrue(store.vector("v-users", RedisKeys.USER, "user-0").isEmpty());
        }
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, withUsers(true), "default")) {
            int[] withUsers = EmbeddingPublisher.ensure(store, withUsers(true), "v-users", bundle, storage);
            assertArrayEquals(new int[] {40, 25, 8, 0}, withUsers, "the version is rewritten with its users");
            Map<String, String> manifest = store.manifest("v-users");
            assertEquals("item,user", manifest.get("kinds"));
            assertEquals("25", manifest.get("user_count"));
            assertNotNull(manifest.get("user_checksum"));
            assertTrue(store.verify("v-users").complete(), store.verify("v-users").detail());
            for (int r = 0; r < 25; r++) {
                float[] got = store.vector("v-users", RedisKeys.USER, "user-" + r).orElseThrow(() -> new AssertionError("no user vector"));
                for (int d = 0; d < 8; d++) assertEquals(-1f + (r * 8 + d) * 0.001f, got[d], 1e-6f, "user-" + r + "[" + d + "]");
            }
            assertTrue(store.pttl(store.keys().vector("v-users", RedisKeys.USER, "user-3")) > Duration.ofHours(23).toMillis(),
                    "user keys carry the TTL");
            assertArrayEquals(new int[] {40, 25, 8, 1}, EmbeddingPublisher.ensure(store, withUsers(true), "v-users", bundle, storage),
                    "complete with its users: reused, nothing written");
        }
    }
}
