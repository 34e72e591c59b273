package dev.feedrank.data;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * A prepared train split kept in S3 as Parquet shards ({@code train/part-NNNNN.parquet}, its positives in a seeded
 * random order written at prepare time), and how training streams it: at most {@code prefetch} shards read ahead of
 * the one being trained on, rows shuffled within a window of {@code window} rows (training's view rows: a positive and
 * the slots of its per-batch negatives), shard order reshuffled per epoch. Training then holds one window and a few
 * shards of the split, plus the per-user positives its negative sampling needs ({@link TrainIndex}), instead of the
 * whole split.
 */
public final class TrainShards {

    /** One shard: its object key and row count (from {@code schema.json}). */
    public record Shard(String key, int rows) {
    }

    /** Reads one shard whole (every column of {@link Examples}). */
    @FunctionalInterface
    public interface Reader {
        Examples read(Shard shard) throws IOException;
    }

    /** Default {@code train.shuffle-window}: view rows shuffled together. */
    public static final int DEFAULT_WINDOW = 1_000_000;
    /** Default {@code train.prefetch-shards}. */
    public static final int DEFAULT_PREFETCH = 2;

    private final List<Shard> shards;
    private final Reader reader;
    private final int window;
    private final int prefetch;

    public TrainShards(List<Shard> shards, Reader reader, int window, int prefetch) {
        this.shards = List.copyOf(shards);
        this.reader = Objects.requireNonNull(reader, "reader");
        if (this.shards.isEmpty()) throw new IllegalArgumentException("a sharded train split needs at least one shard");
        if (window < 1) throw new IllegalArgumentException("train.shuffle-window must be >= 1, got " + window);
        if (prefetch < 1) throw new IllegalArgumentException("train.prefetch-shards must be >= 1, got " + prefetch);
        this.window = window;
        this.prefetch = prefetch;
    }

    /** The same shards read with another window and prefetch ({@code train.shuffle-window}, {@code train.prefetch-shards}). */
    public TrainShards streamedWith(int window, int prefetch) {
        return new TrainShards(shards, reader, window, prefetch);
    }

    public List<Shard> shards() {
        return shards;
    }

    public int count() {
        return shards.size();
    }

    public long rows() {
        long n = 0;
        for (Shard s : shards) n += s.rows();
        return n;
    }

    public int window() {
        return window;
    }

    public int prefetch() {
        return prefetch;
    }

    /** Reads shard {@code i}, checking its row count against the schema's. */
    public Examples read(int i) throws IOException {
        Shard s = shards.get(i);
        Examples e = reader.read(s);
        if (e.size() != s.rows()) {
            throw new IllegalStateException(s.key() + " has " + e.size() + " rows, schema.json says " + s.rows());
        }
        return e;
    }

    /** What a training checkpoint must match to continue the same stream. */
    public String describe() {
        return "streamed from " + shards.size() + " shards of " + rows() + " rows, shuffle window " + window;
    }
}
