package dev.feedrank.serving;

import dev.feedrank.config.FeedrankConfig;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The {@code serving.redis.*} settings of a run (or of the process), checked; empty when no URL is set (publishing off). */
public record RedisSettings(String url, Optional<String> password, boolean tls, Duration ttl, int keepVersions,
                            boolean publishUsers, int chunkSize, String keyPrefix, Duration timeout) {

    public static Optional<RedisSettings> from(FeedrankConfig config) {
        FeedrankConfig.Redis r = config.serving().redis();
        Optional<String> url = r.url().map(String::trim).filter(u -> !u.isEmpty());
        if (url.isEmpty()) return Optional.empty();
        URI uri;
        try {
            uri = URI.create(url.get());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("feedrank.serving.redis.url is not a URL: " + e.getMessage());
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("feedrank.serving.redis.url must look like redis://host:6379/0 or rediss://host:6380/0, not '"
                    + masked(url.get()) + "'");
        }
        if (r.ttl().isNegative() || r.ttl().toMillis() < 1000) {
            throw new IllegalArgumentException("feedrank.serving.redis.ttl must be at least 1s, not " + r.ttl());
        }
        if (r.keepVersions() < 1) throw new IllegalArgumentException("feedrank.serving.redis.keep-versions must be at least 1, not " + r.keepVersions());
        if (r.chunkSize() < 1 || r.chunkSize() > 100_000) {
            throw new IllegalArgumentException("feedrank.serving.redis.chunk-size must be within 1..100000, not " + r.chunkSize());
        }
        if (!r.keyPrefix().matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("feedrank.serving.redis.key-prefix must be 1-64 of [A-Za-z0-9_.-], not '" + r.keyPrefix() + "'");
        }
        if (r.timeout().toMillis() < 1) throw new IllegalArgumentException("feedrank.serving.redis.timeout must be positive");
        return Optional.of(new RedisSettings(url.get(), r.password().filter(p -> !p.isEmpty()), r.tls(), r.ttl(),
                r.keepVersions(), r.publishUsers(), r.chunkSize(), r.keyPrefix(), r.timeout()));
    }

    /** The URL without its password, for logs and progress lines. */
    public String display() {
        return masked(url);
    }

    static String masked(String url) {
        return dev.feedrank.config.RunConfigFactory.maskUserInfo(url);
    }
}
