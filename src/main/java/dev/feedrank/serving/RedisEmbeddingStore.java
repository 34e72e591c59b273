package dev.feedrank.serving;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One connection to the serving Redis and the operations of the layout in {@link RedisKeys}: pipelined writes in
 * chunks with every reply checked, read-back verification (count and checksum), the pointer move, TTL refresh and
 * deletion of old versions. Blocking; never call it on an event-loop thread.
 */
public final class RedisEmbeddingStore implements AutoCloseable {

    /** One tower's vectors: row i of {@code data} (dim floats) belongs to {@code ids[i]}. */
    public record Vectors(String kind, String[] ids, float[] data, int dim) {
        public Vectors {
            if ((long) ids.length * dim != data.length) {
                throw new IllegalArgumentException(kind + ": " + ids.length + " ids × " + dim + " dims != " + data.length + " floats");
            }
        }

        byte[] bytes(int row) {
            ByteBuffer b = ByteBuffer.allocate(dim * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(data, row * dim, dim);
            return b.array();
        }

        /** {@code sha256:<hex>} over, per row in order, the id's UTF-8 bytes, a 0 byte and the vector's bytes. */
        public String checksum() {
            Checksum c = new Checksum();
            for (int r = 0; r < ids.length; r++) c.add(ids[r], bytes(r));
            return c.value();
        }
    }

    static final class Checksum {
        private final MessageDigest digest;

        Checksum() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void add(String id, byte[] vector) {
            digest.update(id.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(vector);
        }

        String value() {
            return "sha256:" + HexFormat.of().formatHex(digest.digest());
        }
    }

    private final Redis client;
    private final RedisConnection connection;
    private final RedisSettings settings;
    private final RedisKeys keys;
    private final long timeoutMs;

    private RedisEmbeddingStore(Redis client, RedisConnection connection, RedisSettings settings, RedisKeys keys) {
        this.client = client;
        this.connection = connection;
        this.settings = settings;
        this.keys = keys;
        this.timeoutMs = settings.timeout().toMillis();
    }

    public static RedisEmbeddingStore connect(Vertx vertx, RedisSettings settings, String pipeline) throws RedisUnavailableException {
        NetClientOptions net = new NetClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()));
        if (settings.tls() || settings.url().startsWith("rediss:")) net.setSsl(true);
        RedisOptions options = new RedisOptions().setConnectionString(settings.url()).setNetClientOptions(net)
                .setMaxPoolSize(1).setMaxWaitingHandlers(Math.max(2048, settings.chunkSize() * 4));
        settings.password().ifPresent(options::setPassword);
        Redis client = Redis.createClient(vertx, options);
        try {
            RedisConnection c = await(client.connect(), settings.timeout().toMillis(), "connect to " + settings.display());
            return new RedisEmbeddingStore(client, c, settings, new RedisKeys(settings.keyPrefix(), pipeline));
        } catch (RedisUnavailableException e) {
            client.close();
            throw e;
        }
    }

    public RedisKeys keys() {
        return keys;
    }

    private static <T> T await(Future<T> future, long timeoutMs, String what) throws RedisUnavailableException {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new RedisUnavailableException("Redis: " + what + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new RedisUnavailableException("Redis: " + what + " timed out after " + timeoutMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisUnavailableException("Redis: " + what + " interrupted", e);
        }
    }

    private Response send(Request r, String what) throws RedisUnavailableException {
        return await(connection.send(r), timeoutMs, what);
    }

    /** Sends a chunk of commands in one pipeline and returns every reply (one per command). */
    private List<Response> batch(List<Request> requests, String what) throws RedisUnavailableException {
        if (requests.isEmpty()) return List.of();
        List<Response> replies = await(connection.batch(requests), timeoutMs, what);
        if (replies == null || replies.size() != requests.size()) {
            throw new RedisUnavailableException("Redis: " + what + ": " + requests.size() + " commands sent, "
                    + (replies == null ? 0 : replies.size()) + " replies");
        }
        return replies;
    }

    public Optional<String> current() throws RedisUnavailableException {
        Response r = send(Request.cmd(Command.GET).arg(keys.current()), "GET " + keys.current());
        return r == null ? Optional.empty() : Optional.of(r.toString());
    }

    public Map<String, String> manifest(String version) throws RedisUnavailableException {
        Response r = send(Request.cmd(Command.HGETALL).arg(keys.manifest(version)), "HGETALL manifest");
        Map<String, String> out = new LinkedHashMap<>();
        if (r == null) return out;
        for (String k : r.getKeys()) out.put(k, r.get(k).toString());
        return out;
    }

    /**
     * Writes one tower's vectors ({@code SET … PX ttl}) and its id list, in chunks of {@code chunk-size} pipelined
     * commands; every reply must be OK (or the list's expected length).
     */
    public void write(String version, Vectors v) throws RedisUnavailableException {
        long ttl = settings.ttl().toMillis();
        int chunk = settings.chunkSize();
        for (int start = 0; start < v.ids().length; start += chunk) {
            int end = Math.min(v.ids().length, start + chunk);
            List<Request> reqs = new ArrayList<>(end - start);
            for (int r = start; r < end; r++) {
                reqs.add(Request.cmd(Command.SET).arg(keys.vector(version, v.kind(), v.ids()[r])).arg(v.bytes(r)).arg("PX").arg(ttl));
            }
            List<Response> replies = batch(reqs, "SET " + v.kind() + " vectors " + start + ".." + (end - 1));
            for (int i = 0; i < replies.size(); i++) {
                if (replies.get(i) == null || !"OK".equals(replies.get(i).toString())) {
                    throw new RedisUnavailableException("Redis: SET of " + v.kind() + " " + v.ids()[start + i] + " answered " + replies.get(i));
                }
            }
        }
        String idsKey = keys.ids(version, v.kind());
        send(Request.cmd(Command.DEL).arg(idsKey), "DEL " + idsKey);
        for (int start = 0; start < v.ids().length; start += chunk) {
            int end = Math.min(v.ids().length, start + chunk);
            Request push = Request.cmd(Command.RPUSH).arg(idsKey);
            for (int r = start; r < end; r++) push.arg(v.ids()[r]);
            Response len = send(push, "RPUSH " + idsKey);
            if (len == null || len.toLong() != end) {
                throw new RedisUnavailableException("Redis: " + idsKey + " has length " + len + " after pushing " + end + " ids");
            }
        }
        expire(idsKey, ttl);
    }

    /** Replaces the version's manifest hash. */
    public void writeManifest(String version, Map<String, String> fields) throws RedisUnavailableException {
        String key = keys.manifest(version);
        Request hset = Request.cmd(Command.HSET).arg(key);
        fields.forEach((k, val) -> hset.arg(k).arg(val));
        batch(List.of(Request.cmd(Command.DEL).arg(key), hset, Request.cmd(Command.PEXPIRE).arg(key).arg(settings.ttl().toMillis())),
                "write manifest " + key);
    }

    private void expire(String key, long ttl) throws RedisUnavailableException {
        send(Request.cmd(Command.PEXPIRE).arg(key).arg(ttl), "PEXPIRE " + key);
    }

    /** What a read-back found for one version. */
    public record Verification(boolean complete, String detail) {
    }

    /**
     * Reads the version back from Redis: its manifest, for each tower the id list (its length must be the manifest's
     * count) and every vector (each present, with the manifest's dim, and their checksum equal to the manifest's).
     */
    public Verification verify(String version) throws RedisUnavailableException {
        Map<String, String> manifest = manifest(version);
        if (manifest.isEmpty()) return new Verification(false, "no manifest");
        int dim = Integer.parseInt(manifest.getOrDefault("dim", "0"));
        for (String kind : manifest.getOrDefault("kinds", RedisKeys.ITEM).split(",")) {
            long count = Long.parseLong(manifest.getOrDefault(kind + "_count", "-1"));
            String idsKey = keys.ids(version, kind);
            Response len = send(Request.cmd(Command.LLEN).arg(idsKey), "LLEN " + idsKey);
            if (len == null || len.toLong() != count) {
                return new Verification(false, kind + " ids: " + (len == null ? 0 : len.toLong()) + " in Redis, manifest count " + count);
            }
            Checksum sum = new Checksum();
            int chunk = settings.chunkSize();
            for (long start = 0; start < count; start += chunk) {
                Response ids = send(Request.cmd(Command.LRANGE).arg(idsKey).arg(start).arg(Math.min(count, start + chunk) - 1), "LRANGE " + idsKey);
                Request mget = Request.cmd(Command.MGET);
                for (int i = 0; i < ids.size(); i++) mget.arg(keys.vector(version, kind, ids.get(i).toString()));
                Response values = send(mget, "MGET " + kind + " vectors");
                for (int i = 0; i < ids.size(); i++) {
                    Response value = values.get(i);
                    if (value == null) return new Verification(false, kind + " " + ids.get(i) + " is missing");
                    byte[] bytes = value.toBytes();
                    if (bytes.length != dim * 4) {
                        return new Verification(false, kind + " " + ids.get(i) + " has " + bytes.length + " bytes, not " + dim * 4);
                    }
                    sum.add(ids.get(i).toString(), bytes);
                }
            }
            String expected = manifest.get(kind + "_checksum");
            String actual = sum.value();
            if (!actual.equals(expected)) return new Verification(false, kind + " checksum read back " + actual + " != manifest " + expected);
        }
        return new Verification(true, "complete");
    }

    /** Moves the pointer to the version and records it as the most recently live one. */
    public void point(String version) throws RedisUnavailableException {
        long ttl = settings.ttl().toMillis();
        List<Response> r = batch(List.of(
                Request.cmd(Command.SET).arg(keys.current()).arg(version).arg("PX").arg(ttl),
                Request.cmd(Command.ZADD).arg(keys.versions()).arg(System.currentTimeMillis()).arg(version),
                Request.cmd(Command.PEXPIRE).arg(keys.versions()).arg(ttl)), "point " + keys.current() + " at " + version);
        if (r.get(0) == null || !"OK".equals(r.get(0).toString())) {
            throw new RedisUnavailableException("Redis: SET " + keys.current() + " answered " + r.get(0));
        }
    }

    /** Keys whose TTL a refresh renewed, and keys of the version found missing. */
    public record Refresh(String version, long refreshed, long missing) {
    }

    /** Renews the TTL of every key of the version (vectors, id lists, manifest) and of the pointer and version set. */
    public Refresh refresh(String version) throws RedisUnavailableException {
        long ttl = settings.ttl().toMillis();
        long refreshed = 0;
        long missing = 0;
        Map<String, String> manifest = manifest(version);
        if (manifest.isEmpty()) return new Refresh(version, 0, 1);
        for (String kind : manifest.getOrDefault("kinds", RedisKeys.ITEM).split(",")) {
            long[] counts = forEachIdChunk(version, kind, (ids) -> {
                List<Request> reqs = new ArrayList<>(ids.size());
                for (String id : ids) reqs.add(Request.cmd(Command.PEXPIRE).arg(keys.vector(version, kind, id)).arg(ttl));
                return batch(reqs, "PEXPIRE " + kind + " vectors");
            });
            refreshed += counts[0];
            missing += counts[1];
        }
        List<Request> meta = new ArrayList<>();
        for (String kind : manifest.getOrDefault("kinds", RedisKeys.ITEM).split(",")) {
            meta.add(Request.cmd(Command.PEXPIRE).arg(keys.ids(version, kind)).arg(ttl));
        }
        meta.add(Request.cmd(Command.PEXPIRE).arg(keys.manifest(version)).arg(ttl));
        meta.add(Request.cmd(Command.PEXPIRE).arg(keys.current()).arg(ttl));
        meta.add(Request.cmd(Command.PEXPIRE).arg(keys.versions()).arg(ttl));
        for (Response r : batch(meta, "PEXPIRE manifest and pointer")) {
            if (r != null && r.toLong() == 1) refreshed++;
        }
        return new Refresh(version, refreshed, missing);
    }

    private interface ChunkAction {
        List<Response> apply(List<String> ids) throws RedisUnavailableException;
    }

    /** Runs the action on the version's ids chunk by chunk; returns {replies equal to 1, other replies}. */
    private long[] forEachIdChunk(String version, String kind, ChunkAction action) throws RedisUnavailableException {
        String idsKey = keys.ids(version, kind);
        long ones = 0;
        long others = 0;
        int chunk = settings.chunkSize();
        for (long start = 0; ; start += chunk) {
            Response ids = send(Request.cmd(Command.LRANGE).arg(idsKey).arg(start).arg(start + chunk - 1), "LRANGE " + idsKey);
            if (ids == null || ids.size() == 0) break;
            List<String> list = new ArrayList<>(ids.size());
            for (int i = 0; i < ids.size(); i++) list.add(ids.get(i).toString());
            for (Response r : action.apply(list)) {
                if (r != null && r.toLong() == 1) ones++;
                else others++;
            }
            if (ids.size() < chunk) break;
        }
        return new long[] {ones, others};
    }

    /**
     * Deletes every published version but the live one and the most recently live others, {@code keep} in all.
     *
     * @return the deleted versions
     */
    public List<String> deleteOld(int keep) throws RedisUnavailableException {
        String live = current().orElse(null);
        Response all = send(Request.cmd(Command.ZREVRANGE).arg(keys.versions()).arg(0).arg(-1), "ZREVRANGE " + keys.versions());
        List<String> kept = new ArrayList<>();
        if (live != null) kept.add(live);
        List<String> deleted = new ArrayList<>();
        for (int i = 0; all != null && i < all.size(); i++) {
            String v = all.get(i).toString();
            if (kept.contains(v)) continue;
            if (kept.size() < keep) {
                kept.add(v);
                continue;
            }
            delete(v);
            deleted.add(v);
        }
        return deleted;
    }

    /** Deletes one version's keys (vectors, id lists, manifest) and forgets it. */
    public void delete(String version) throws RedisUnavailableException {
        Map<String, String> manifest = manifest(version);
        List<Request> meta = new ArrayList<>();
        for (String kind : manifest.getOrDefault("kinds", RedisKeys.ITEM + "," + RedisKeys.USER).split(",")) {
            forEachIdChunk(version, kind, ids -> {
                Request unlink = Request.cmd(Command.UNLINK);
                for (String id : ids) unlink.arg(keys.vector(version, kind, id));
                return List.of(send(unlink, "UNLINK " + kind + " vectors"));
            });
            meta.add(Request.cmd(Command.UNLINK).arg(keys.ids(version, kind)));
        }
        meta.add(Request.cmd(Command.UNLINK).arg(keys.manifest(version)));
        meta.add(Request.cmd(Command.ZREM).arg(keys.versions()).arg(version));
        batch(meta, "delete version " + version);
    }

    /** One stored vector, or empty (for readers and tests). */
    public Optional<float[]> vector(String version, String kind, String id) throws RedisUnavailableException {
        Response r = send(Request.cmd(Command.GET).arg(keys.vector(version, kind, id)), "GET vector");
        if (r == null) return Optional.empty();
        float[] out = new float[r.toBytes().length / 4];
        ByteBuffer.wrap(r.toBytes()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return Optional.of(out);
    }

    /** Remaining time to live of a key in milliseconds (-2: missing, -1: none). */
    public long pttl(String key) throws RedisUnavailableException {
        return send(Request.cmd(Command.PTTL).arg(key), "PTTL " + key).toLong();
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (RuntimeException ignored) {
            // already closed by a dropped connection
        }
        client.close();
    }
}
