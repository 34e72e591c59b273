package dev.feedrank.bench;

import dev.feedrank.serving.EmbeddingPublisher;
import dev.feedrank.serving.RedisEmbeddingStore;
import dev.feedrank.serving.RedisKeys;
import dev.feedrank.serving.RedisSettings;
import io.vertx.core.Vertx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * bench/publish: items/s written to Redis by feedrank's publisher (pipelined chunks, every reply checked) against a
 * plain {@code redis-cli --pipe} load of the same SET commands (same keys, bytes, TTL and id list), as a ratio.
 * Keys go under {@code <key-prefix>:bench:…} and are deleted at the end. Usage:
 * {@code PublishBench [--url redis://127.0.0.1:6379/0] [--items 100000] [--dim 64] [--chunk 1000] [--key-prefix feedrank-bench]}
 */
public final class PublishBench {

    private PublishBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of("url", "redis://127.0.0.1:6379/0", "items", "100000", "dim", "64",
                "chunk", "1000", "key-prefix", "feedrank-bench"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--") || !a.containsKey(args[i].substring(2))) throw new IllegalArgumentException("unknown option " + args[i]);
            a.put(args[i].substring(2), args[i + 1]);
        }
        int n = Integer.parseInt(a.get("items"));
        int dim = Integer.parseInt(a.get("dim"));
        RedisSettings s = new RedisSettings(a.get("url"), Optional.empty(), false, Duration.ofHours(1), 2, false,
                Integer.parseInt(a.get("chunk")), a.get("key-prefix"), Duration.ofSeconds(60));
        String[] ids = new String[n];
        float[] data = new float[n * dim];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < n; i++) ids[i] = "item-" + i;
        for (int i = 0; i < data.length; i++) data[i] = (float) r.nextDouble(-1, 1);
        RedisEmbeddingStore.Vectors v = new RedisEmbeddingStore.Vectors(RedisKeys.ITEM, ids, data, dim);

        Vertx vertx = Vertx.vertx();
        try (RedisEmbeddingStore store = RedisEmbeddingStore.connect(vertx, s, "bench")) {
            // warm-up (JIT, connection), not timed
            store.write("warmup", new RedisEmbeddingStore.Vectors(RedisKeys.ITEM, java.util.Arrays.copyOf(ids, Math.min(n, 5000)),
                    java.util.Arrays.copyOf(data, Math.min(n, 5000) * dim), dim));
            store.delete("warmup");

            long t0 = System.nanoTime();
            store.write("writes", v);
            double writeS = (System.nanoTime() - t0) / 1e9;
            store.delete("writes");

            t0 = System.nanoTime();
            EmbeddingPublisher.write(store, "publish", "bench", v, null); // write + manifest + read-back of count and checksum
            double publishS = (System.nanoTime() - t0) / 1e9;
            store.delete("publish");

            Path resp = Files.createTempFile("feedrank-publish-bench", ".resp");
            try {
                writeResp(resp, store.keys(), v, s.ttl().toMillis());
                int port = java.net.URI.create(s.url()).getPort();
                t0 = System.nanoTime();
                Process p = new ProcessBuilder("redis-cli", "-h", java.net.URI.create(s.url()).getHost(), "-p",
                        Integer.toString(port < 0 ? 6379 : port), "--pipe").redirectInput(resp.toFile())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int exit = p.waitFor();
                double cliS = (System.nanoTime() - t0) / 1e9;
                if (exit != 0 || !out.contains("errors: 0")) throw new IOException("redis-cli --pipe failed (" + exit + "): " + out);
                store.delete("cli");
                double writeRate = n / writeS;
                double publishRate = n / publishS;
                double cliRate = n / cliS;
                System.out.printf(Locale.ROOT, "items=%d dim=%d chunk=%d resp_file_mb=%.1f%n", n, dim, s.chunkSize(), Files.size(resp) / 1e6);
                System.out.printf(Locale.ROOT, "feedrank_write_items_per_s=%.0f (%.2f s: SET … PX in pipelined chunks, every reply checked, + id list)%n", writeRate, writeS);
                System.out.printf(Locale.ROOT, "feedrank_publish_items_per_s=%.0f (%.2f s: the same + manifest + read-back of count and checksum)%n", publishRate, publishS);
                System.out.printf(Locale.ROOT, "redis_cli_pipe_items_per_s=%.0f (%.2f s: the same SETs and id list from a RESP file)%n", cliRate, cliS);
                System.out.printf(Locale.ROOT, "ratio_write=%.2f ratio_publish=%.2f%n", writeRate / cliRate, publishRate / cliRate);
            } finally {
                Files.deleteIfExists(resp);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    /** The same commands as the publisher's writes ({@code SET key bytes PX ttl}, then {@code RPUSH} of the ids), in RESP. */
    static void writeResp(Path file, RedisKeys keys, RedisEmbeddingStore.Vectors v, long ttlMs) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            byte[] ttl = Long.toString(ttlMs).getBytes(StandardCharsets.US_ASCII);
            ByteBuffer b = ByteBuffer.allocate(v.dim() * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < v.ids().length; i++) {
                b.clear();
                b.asFloatBuffer().put(v.data(), i * v.dim(), v.dim());
                command(out, "SET".getBytes(StandardCharsets.US_ASCII),
                        keys.vector("cli", v.kind(), v.ids()[i]).getBytes(StandardCharsets.UTF_8), b.array(),
                        "PX".getBytes(StandardCharsets.US_ASCII), ttl);
            }
            int chunk = 1000;
            for (int start = 0; start < v.ids().length; start += chunk) {
                int end = Math.min(v.ids().length, start + chunk);
                byte[][] parts = new byte[end - start + 2][];
                parts[0] = "RPUSH".getBytes(StandardCharsets.US_ASCII);
                parts[1] = keys.ids("cli", v.kind()).getBytes(StandardCharsets.UTF_8);
                for (int i = start; i < end; i++) parts[i - start + 2] = v.ids()[i].getBytes(StandardCharsets.UTF_8);
                command(out, parts);
            }
        }
    }

    private static void command(OutputStream out, byte[]... parts) throws IOException {
        out.write(("*" + parts.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] p : parts) {
            out.write(("$" + p.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(p);
            out.write('\r');
            out.write('\n');
        }
    }
}
