package dev.feedrank.serving;

/**
 * The Redis layout of one pipeline (docs/serving.md): {@code <prefix>:<pipeline>:current} names the live version;
 * {@code …:<version>:manifest} (hash: dim, dtype, counts, checksums), {@code …:<version>:item:<id>} (float32
 * little-endian bytes), {@code …:<version>:item-ids} (list of the ids, bundle order), the same for {@code user};
 * {@code …:versions} (sorted set: version by the time it last went live).
 */
public record RedisKeys(String prefix, String pipeline) {

    public static final String ITEM = "item";
    public static final String USER = "user";

    public String base() {
        return prefix + ":" + pipeline;
    }

    public String current() {
        return base() + ":current";
    }

    public String versions() {
        return base() + ":versions";
    }

    public String manifest(String version) {
        return base() + ":" + version + ":manifest";
    }

    public String vector(String version, String kind, String id) {
        return base() + ":" + version + ":" + kind + ":" + id;
    }

    public String ids(String version, String kind) {
        return base() + ":" + version + ":" + kind + "-ids";
    }
}
