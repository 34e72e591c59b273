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
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code serving.redis.publish-users=true}: the bundle's user embeddings are served beside the items, in the same
 * layout (one key per user, the manifest's count and checksum); a version published without them is completed with
 * them when they are wanted, and one that holds them is reused as it is.
 */
class PublishUsersTest {

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

    static RedisSettings settings(boolean publishUsers) {
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

    @Test
    void userEmbeddingsArePublishedWhenWantedAndAVersionWithoutThemIsCompleted() throws Exception {
        InMemoryObjectStorage storage = new InMemoryObjectStorage();
        String bundle = "models/v-users/";
        embeddings(storage, bundle, false, 40, 8, 1f);
        embeddings(storage, bundle, true, 25, 8, -1f);
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, settings(false), "default")) {
            int[] itemsOnly = EmbeddingPublisher.ensure(store, settings(false), "v-users", bundle, storage);
            assertArrayEquals(new int[] {40, 0, 8, 0}, itemsOnly, "items written, no users");
            assertEquals("item", store.manifest("v-users").get("kinds"));
            assertTrue(store.vector("v-users", RedisKeys.USER, "user-0").isEmpty());
        }
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, settings(true), "default")) {
            int[] withUsers = EmbeddingPublisher.ensure(store, settings(true), "v-users", bundle, storage);
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
            assertArrayEquals(new int[] {40, 25, 8, 1}, EmbeddingPublisher.ensure(store, settings(true), "v-users", bundle, storage),
                    "complete with its users: reused, nothing written");
        }
    }
}
