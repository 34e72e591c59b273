package dev.feedrank.serving;

import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.orchestration.ScheduleTick;
import dev.feedrank.registry.BundleLoader;
import dev.feedrank.registry.ServingPublisher;
import dev.feedrank.storage.ObjectStorage;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Publishes a model version's embeddings to Redis (docs/serving.md): vectors under the version's prefix, a manifest
 * with counts and checksums, a read-back, and only then the pointer; keeps the live version's TTL fresh; re-points
 * serving on manual promote and rollback ({@link ServingPublisher}, re-publishing from the S3 bundle when the
 * version's keys expired). Off (every method a no-op) while {@code feedrank.serving.redis.url} is unset.
 */
@ApplicationScoped
public class EmbeddingPublisher implements ServingPublisher {

    private static final Logger LOG = Logger.getLogger(EmbeddingPublisher.class);
    public static final String OFF = "publish off: feedrank.serving.redis.url is not set (set it, e.g. --set serving.redis.url=redis://127.0.0.1:6379/0 or FEEDRANK_SERVING_REDIS_URL, to serve promoted embeddings from Redis)";

    private final Vertx vertx;
    private final ObjectStorage storage;
    private final FeedrankConfig config;

    public EmbeddingPublisher(Vertx vertx, ObjectStorage storage, FeedrankConfig config) {
        this.vertx = vertx;
        this.storage = storage;
        this.config = config;
    }

    /** What a publish did. */
    public record Published(String version, String previous, int items, int users, int dim, boolean reused,
                            double seconds, List<String> deleted) {
        public double itemsPerSecond() {
            return seconds > 0 ? (items + users) / seconds : 0;
        }
    }

    public static boolean enabled(FeedrankConfig config) {
        return RedisSettings.from(config).isPresent();
    }

    /**
     * Makes {@code version} live in Redis: written (unless already there and complete), read back, pointed at, then
     * versions beyond keep-versions deleted.
     */
    public Published publish(FeedrankConfig cfg, String version, String bundlePrefix) throws IOException {
        RedisSettings s = settings(cfg);
        long t0 = System.nanoTime();
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s, cfg.runs().pipeline())) {
            String previous = store.current().orElse(null);
            int[] counts = ensure(store, s, version, bundlePrefix);
            store.point(version);
            store.refresh(version);
            List<String> deleted = store.deleteOld(s.keepVersions());
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Published(version, previous, counts[0], counts[1], counts[2], counts[3] == 1, seconds, deleted);
        }
    }

    /** Writes the version if Redis does not hold it complete; returns {items, users, dim, reused ? 1 : 0}. */
    static int[] ensure(RedisEmbeddingStore store, RedisSettings s, String version, String bundlePrefix, ObjectStorage storage)
            throws IOException {
        RedisEmbeddingStore.Verification existing = store.verify(version);
        Map<String, String> manifest = store.manifest(version);
        boolean usersWanted = s.publishUsers();
        boolean hasUsers = manifest.getOrDefault("kinds", "").contains(RedisKeys.USER);
        if (existing.complete() && hasUsers == usersWanted) {
            return new int[] {Integer.parseInt(manifest.get("item_count")),
                    hasUsers ? Integer.parseInt(manifest.get("user_count")) : 0, Integer.parseInt(manifest.get("dim")), 1};
        }
        BundleLoader loader = new BundleLoader();
        BundleLoader.Embeddings items = loader.embeddings(bundlePrefix, storage, false);
        RedisEmbeddingStore.Vectors iv = new RedisEmbeddingStore.Vectors(RedisKeys.ITEM, items.ids(), items.matrix().data(), items.matrix().cols());
        RedisEmbeddingStore.Vectors uv = null;
        if (usersWanted) {
            BundleLoader.Embeddings users = loader.embeddings(bundlePrefix, storage, true);
            uv = new RedisEmbeddingStore.Vectors(RedisKeys.USER, users.ids(), users.matrix().data(), users.matrix().cols());
        }
        write(store, version, bundlePrefix, iv, uv);
        return new int[] {iv.ids().length, uv == null ? 0 : uv.ids().length, iv.dim(), 0};
    }

    private int[] ensure(RedisEmbeddingStore store, RedisSettings s, String version, String bundlePrefix) throws IOException {
        return ensure(store, s, version, bundlePrefix, storage);
    }

    /**
     * Writes vectors, id lists and manifest, then reads them back: the count and checksum in Redis must equal what
     * was computed here, or it fails (and the pointer does not move).
     */
    public static void write(RedisEmbeddingStore store, String version, String source, RedisEmbeddingStore.Vectors items,
                             RedisEmbeddingStore.Vectors users) throws IOException {
        store.write(version, items);
        if (users != null) store.write(version, users);
        Map<String, String> m = new LinkedHashMap<>();
        m.put("version", version);
        m.put("pipeline", store.keys().pipeline());
        m.put("dim", Integer.toString(items.dim()));
        m.put("dtype", "float32");
        m.put("byte_order", "little");
        m.put("kinds", users == null ? RedisKeys.ITEM : RedisKeys.ITEM + "," + RedisKeys.USER);
        m.put("item_count", Integer.toString(items.ids().length));
        m.put("item_checksum", items.checksum());
        if (users != null) {
            m.put("user_count", Integer.toString(users.ids().length));
            m.put("user_checksum", users.checksum());
        }
        m.put("item_key", store.keys().vector(version, RedisKeys.ITEM, "{id}"));
        m.put("source", source);
        m.put("published_at", Instant.now().toString());
        store.writeManifest(version, m);
        RedisEmbeddingStore.Verification v = store.verify(version);
        if (!v.complete()) {
            throw new RedisUnavailableException("Redis does not hold version " + version + " as written (" + v.detail()
                    + "); the pointer was not moved");
        }
    }

    /**
     * Renews the TTL of the live version's keys (nothing else changes).
     *
     * @return a one-line description
     */
    public String refreshLive(FeedrankConfig cfg) throws IOException {
        RedisSettings s = settings(cfg);
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s, cfg.runs().pipeline())) {
            Optional<String> live = store.current();
            if (live.isEmpty()) return "Redis has no live version under " + store.keys().current() + "; nothing to refresh";
            RedisEmbeddingStore.Refresh r = store.refresh(live.get());
            return "TTL of live version " + live.get() + " refreshed to " + s.ttl() + " (" + r.refreshed() + " keys"
                    + (r.missing() > 0 ? "; " + r.missing() + " keys of it missing" : "") + ")";
        }
    }

    private static RedisSettings settings(FeedrankConfig cfg) {
        return RedisSettings.from(cfg).orElseThrow(() -> new IllegalStateException(OFF));
    }

    // --- the registry's port: manual promote and rollback (process configuration) ---

    @Override
    public void prepare(String version, String bundlePrefix) throws Exception {
        Optional<RedisSettings> s = RedisSettings.from(config);
        if (s.isEmpty()) return;
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s.get(), config.runs().pipeline())) {
            int[] r = ensure(store, s.get(), version, bundlePrefix);
            LOG.infof("serving: version %s %s in Redis (%d items)", version, r[3] == 1 ? "still complete" : "re-published from its bundle", r[0]);
        }
    }

    @Override
    public void activate(String version) throws Exception {
        Optional<RedisSettings> s = RedisSettings.from(config);
        if (s.isEmpty()) return;
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s.get(), config.runs().pipeline())) {
            store.point(version);
            store.refresh(version);
            List<String> deleted = store.deleteOld(s.get().keepVersions());
            LOG.infof("serving: %s -> %s%s", store.keys().current(), version, deleted.isEmpty() ? "" : "; deleted old versions " + deleted);
        }
    }

    @Override
    public void restore(String version) {
        Optional<RedisSettings> s = RedisSettings.from(config);
        if (s.isEmpty() || version == null) return;
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s.get(), config.runs().pipeline())) {
            store.point(version);
        } catch (Exception e) {
            LOG.errorf("serving: could not point Redis back at %s after a failed alias move: %s", version, e.getMessage());
        }
    }

    // --- process events ---

    void onStart(@Observes StartupEvent ignored) {
        Optional<RedisSettings> s;
        try {
            s = RedisSettings.from(config);
        } catch (IllegalArgumentException e) {
            LOG.errorf("serving: %s", e.getMessage());
            return;
        }
        if (s.isEmpty()) {
            LOG.info("serving: " + OFF);
            return;
        }
        LOG.infof("serving: publishing promoted embeddings to %s (ttl %s, keep %d versions)", s.get().display(), s.get().ttl(),
                s.get().keepVersions());
        ttlWarning(s.get().ttl(), config.schedule().cron()).ifPresent(w -> LOG.warn("serving: " + w));
    }

    /**
     * The start-up warning when the TTL is shorter than twice the longest gap between two schedule fires (a late or
     * failed run could then let production's embeddings expire), or empty (schedule off, or TTL long enough).
     */
    static Optional<String> ttlWarning(Duration ttl, String cron) {
        return ScheduleInterval.longest(cron).filter(interval -> ttl.compareTo(interval.multipliedBy(2)) < 0)
                .map(interval -> String.format("feedrank.serving.redis.ttl %s is shorter than twice the schedule interval "
                        + "(%s, cron %s): a late or failed run could let production's embeddings expire; raise the TTL",
                        ttl, interval, cron));
    }

    /** On every schedule tick (whatever the run then does), the live version's TTL is renewed. */
    void onTick(@Observes ScheduleTick tick) {
        if (!enabled(config)) return;
        try {
            LOG.infof("scheduled tick %s: %s", tick.at(), refreshLive(config));
        } catch (Exception e) {
            LOG.warnf("scheduled tick %s: could not refresh the TTL of the live version in Redis: %s", tick.at(), e.getMessage());
        }
    }

    /** Longest gap between consecutive fire times of a Quartz cron (over the next fires), or empty when off. */
    static final class ScheduleInterval {
        static Optional<Duration> longest(String cron) {
            if (cron == null || cron.isBlank() || "off".equalsIgnoreCase(cron.trim())) return Optional.empty();
            try {
                var parser = new com.cronutils.parser.CronParser(com.cronutils.model.definition.CronDefinitionBuilder
                        .instanceDefinitionFor(com.cronutils.model.CronType.QUARTZ));
                var exec = com.cronutils.model.time.ExecutionTime.forCron(parser.parse(cron));
                java.time.ZonedDateTime t = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
                Duration longest = Duration.ZERO;
                for (int i = 0; i < 50; i++) {
                    Optional<java.time.ZonedDateTime> next = exec.nextExecution(t);
                    if (next.isEmpty()) break;
                    if (i > 0) longest = longest.compareTo(Duration.between(t, next.get())) < 0 ? Duration.between(t, next.get()) : longest;
                    t = next.get();
                }
                return longest.isZero() ? Optional.empty() : Optional.of(longest);
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
