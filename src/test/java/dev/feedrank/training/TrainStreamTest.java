package dev.feedrank.training;

import dev.feedrank.data.Examples;
import dev.feedrank.data.TrainShards;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The epoch stream of a sharded train split: every view row exactly once per epoch whatever the window, batches of
 * the batch size, the same batches for the same generator (what an exact resume relies on), another order per epoch,
 * a bounded read-ahead, and read errors surfacing in the training thread.
 */
class TrainStreamTest {

    /** {@code shards} shards of {@code rows} rows each; row r of shard k has user k*rows + r (its identity) and ts r. */
    private static List<Examples> parts(int shards, int rows) {
        List<Examples> out = new ArrayList<>();
        for (int k = 0; k < shards; k++) {
            Examples e = new Examples(new int[rows], new int[rows], new float[rows], new float[rows], new float[rows],
                    new boolean[rows], new long[rows]);
            for (int r = 0; r < rows; r++) {
                e.user()[r] = k * rows + r;
                e.item()[r] = r % 7;
                e.click()[r] = 1f;
                e.ts()[r] = r;
            }
            out.add(e);
        }
        return out;
    }

    private static TrainShards shardsOf(List<Examples> parts, int window, int prefetch, TrainShards.Reader reader) {
        List<TrainShards.Shard> listed = new ArrayList<>();
        for (int k = 0; k < parts.size(); k++) listed.add(new TrainShards.Shard("train/part-" + k, parts.get(k).size()));
        return new TrainShards(listed, reader, window, prefetch);
    }

    private static TrainShards shardsOf(List<Examples> parts, int window, int prefetch) {
        return shardsOf(parts, window, prefetch, s -> parts.get(Integer.parseInt(s.key().substring(s.key().lastIndexOf('-') + 1))));
    }

    /** One view row per train row, except users divisible by 5, which have 3 (a positive and two negatives' slots). */
    private static final TrainStream.Expander EXPANDER = new TrainStream.Expander() {
        @Override
        public int viewRows(Examples shard, int i) {
            return shard.user()[i] % 5 == 0 ? 3 : 1;
        }

        @Override
        public boolean negativeSlot(int k) {
            return k > 0;
        }
    };

    private static long expected(List<Examples> parts) {
        long n = 0;
        for (Examples e : parts) for (int i = 0; i < e.size(); i++) n += EXPANDER.viewRows(e, i);
        return n;
    }

    /** The epoch's view rows as "user/slot" strings, batch by batch. */
    private static List<List<String>> epoch(TrainShards shards, long seed, int batch, long expected, int skip) throws Exception {
        List<List<String>> out = new ArrayList<>();
        try (TrainStream s = new TrainStream(shards, new SplittableRandom(seed), EXPANDER, batch, expected)) {
            s.skip(skip);
            for (TrainStream.Rows r; (r = s.next()) != null; ) {
                List<String> rows = new ArrayList<>();
                for (int i = 0; i < r.size; i++) rows.add(r.user[i] + (r.negative[i] ? "/n" : "/p"));
                out.add(rows);
            }
        }
        return out;
    }

    @Test
    void everyViewRowOncePerEpochInBatchesOfTheBatchSizeWhateverTheWindow() throws Exception {
        List<Examples> parts = parts(5, 203);
        long expected = expected(parts);
        List<String> all = new ArrayList<>();
        for (Examples e : parts) {
            for (int i = 0; i < e.size(); i++) {
                for (int k = 0; k < EXPANDER.viewRows(e, i); k++) all.add(e.user()[i] + (k > 0 ? "/n" : "/p"));
            }
        }
        all.sort(null);
        for (int window : new int[] {1, 50, 400, 10_000}) {
            List<List<String>> batches = epoch(shardsOf(parts, window, 2), 7, 64, expected, 0);
            List<String> seen = new ArrayList<>();
            for (int b = 0; b < batches.size(); b++) {
                if (b < batches.size() - 1) assertEquals(64, batches.get(b).size(), "window " + window + " batch " + b);
                seen.addAll(batches.get(b));
            }
            assertEquals(expected, seen.size(), "window " + window);
            seen.sort(null);
            assertEquals(all, seen, "window " + window + ": each view row exactly once");
        }
    }

    @Test
    void theSameGeneratorGivesTheSameBatchesAndASkipContinuesExactly() throws Exception {
        List<Examples> parts = parts(4, 150);
        long expected = expected(parts);
        TrainShards shards = shardsOf(parts, 100, 1);
        List<List<String>> a = epoch(shards, 11, 32, expected, 0);
        assertEquals(a, epoch(shards, 11, 32, expected, 0), "deterministic");
        assertEquals(a.subList(5, a.size()), epoch(shards, 11, 32, expected, 5), "resumed after 5 batches");
        assertNotEquals(a, epoch(shards, 12, 32, expected, 0), "another epoch's generator, another order");
        // within the window the order is shuffled; a window as large as the split mixes the shards in every batch
        assertNotEquals(a.get(0), a.get(0).stream().sorted((x, y) -> Integer.compare(user(x), user(y))).toList(),
                "the first batch is not in file order");
        List<List<String>> full = epoch(shardsOf(parts, 10_000, 1), 11, 32, expected, 0);
        long shardsInFirst = full.get(0).stream().map(r -> user(r) / 150).distinct().count();
        assertTrue(shardsInFirst > 1, "first batch from " + shardsInFirst + " shard(s)");
    }

    private static int user(String row) {
        return Integer.parseInt(row.substring(0, row.indexOf('/')));
    }

    @Test
    void readsAtMostThePrefetchAheadAndSurfacesReadErrors() throws Exception {
        List<Examples> parts = parts(8, 50);
        AtomicInteger reads = new AtomicInteger();
        TrainShards counting = shardsOf(parts, 10, 2, s -> {
            reads.incrementAndGet();
            return parts.get(Integer.parseInt(s.key().substring(s.key().lastIndexOf('-') + 1)));
        });
        try (TrainStream s = new TrainStream(counting, new SplittableRandom(1), EXPANDER, 16, expected(parts))) {
            assertNotNull(s.next());
            Thread.sleep(300); // give the reader every chance to run ahead
            // the shard being consumed, 2 queued, and one read that waits for room in the queue
            assertTrue(reads.get() <= 4, "read " + reads.get() + " of 8 shards after the first batch");
        }
        TrainShards failing = shardsOf(parts, 10, 2, s -> {
            if (s.key().endsWith("-3")) throw new IOException("shard 3 is gone");
            return parts.get(Integer.parseInt(s.key().substring(s.key().lastIndexOf('-') + 1)));
        });
        IOException e = assertThrows(IOException.class, () -> epoch(failing, 1, 16, expected(parts), 0));
        assertEquals("shard 3 is gone", e.getMessage());
        TrainShards wrongSize = shardsOf(parts, 10, 2, s -> parts(1, 7).get(0));
        IllegalStateException bad = assertThrows(IllegalStateException.class, () -> epoch(wrongSize, 1, 16, expected(parts), 0));
        assertTrue(bad.getMessage().contains("has 7 rows, schema.json says 50"), bad.getMessage());
    }
}
