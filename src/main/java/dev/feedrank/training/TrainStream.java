package dev.feedrank.training;

import dev.feedrank.data.Examples;
import dev.feedrank.data.TrainShards;

import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One epoch of a streamed train split ({@link TrainShards}), as batches of view rows: the shards in an order drawn
 * per epoch, read ahead by a background thread into a queue of at most {@link TrainShards#prefetch()} shards; each
 * positive expanded into its view rows ({@link Expander}: the positive, and for pointwise losses the slots of its
 * per-batch negatives); the view rows shuffled within a window of {@link TrainShards#window()} rows (a shuffle
 * buffer: once full, each incoming row takes the place of a uniformly drawn row, which is emitted; at the end the rest
 * leaves in a uniformly drawn order). Everything random comes from the one generator passed in, drawn in the same
 * sequence whatever the timing of the reads, so an epoch's batches are a function of (seed, epoch) and a resume that
 * skips the batches already trained ({@link #skip(int)}) continues exactly.
 */
final class TrainStream implements AutoCloseable {

    /** View rows of a batch (or of the window): per row its positive's fields and whether it is a negative's slot. */
    static final class Rows {
        int size;
        final int[] user;
        final int[] item;
        final long[] ts;
        final float[] click;
        final float[] like;
        final float[] share;
        final boolean[] negative;

        Rows(int capacity) {
            user = new int[capacity];
            item = new int[capacity];
            ts = new long[capacity];
            click = new float[capacity];
            like = new float[capacity];
            share = new float[capacity];
            negative = new boolean[capacity];
        }

        void add(Examples e, int i, boolean negativeSlot) {
            set(size++, e.user()[i], e.item()[i], e.ts()[i], e.click()[i], e.like()[i], e.share()[i], negativeSlot);
        }

        void set(int at, int u, int it, long t, float c, float l, float s, boolean neg) {
            user[at] = u;
            item[at] = it;
            ts[at] = t;
            click[at] = c;
            like[at] = l;
            share[at] = s;
            negative[at] = neg;
        }

        /** Appends row {@code from} of {@code other}. */
        void addFrom(Rows other, int from) {
            set(size++, other.user[from], other.item[from], other.ts[from], other.click[from], other.like[from],
                    other.share[from], other.negative[from]);
        }
    }

    /** How many view rows a train row becomes, and which. */
    interface Expander {
        /** The number of view rows of row {@code i} of {@code shard} (0 to skip it). */
        int viewRows(Examples shard, int i);

        /** Whether view row {@code k} (0-based, below {@link #viewRows}) of a row is a negative's slot. */
        boolean negativeSlot(int k);
    }

    private static final Object END = new Object();

    private final TrainShards shards;
    private final SplittableRandom random;
    private final Expander expander;
    private final int batchSize;
    private final Rows window;
    private final int capacity;
    private final BlockingQueue<Object> queue;
    private final Thread reader;
    private Examples shard;
    private int row;
    private int pending; // view rows of the current row still to add
    private int pendingDone;
    private boolean inputDone;
    private long emitted;

    /**
     * @param random the epoch's generator: draws the shard order first, then every window position
     * @param expected the epoch's view rows (the window is no larger)
     */
    TrainStream(TrainShards shards, SplittableRandom random, Expander expander, int batchSize, long expected) {
        this.shards = shards;
        this.random = random;
        this.expander = expander;
        this.batchSize = batchSize;
        this.capacity = (int) Math.max(1, Math.min(shards.window(), expected));
        this.window = new Rows(capacity);
        int[] order = TwoTowerTrainer.permutation(shards.count(), random);
        this.queue = new ArrayBlockingQueue<>(shards.prefetch());
        this.reader = new Thread(() -> read(order), "train-shard-prefetch");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(int[] order) {
        try {
            for (int k : order) {
                if (Thread.currentThread().isInterrupted()) return;
                queue.put(shards.read(k));
            }
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
            try {
                queue.put(e);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** View rows emitted so far this epoch. */
    long emitted() {
        return emitted;
    }

    /** Drops the next {@code batches} batches (those a resumed training already trained on). */
    void skip(int batches) throws Exception {
        for (int b = 0; b < batches; b++) {
            if (next() == null) throw new IllegalStateException("the train shards ended after " + b + " of the " + batches + " batches to skip");
        }
    }

    /** The next batch of up to {@code batchSize} view rows, or {@code null} when the epoch is over. */
    Rows next() throws Exception {
        Rows out = new Rows(batchSize);
        while (out.size < batchSize) {
            if (!inputDone && window.size < capacity) {
                if (!nextInput()) continue; // input ended (inputDone set) or a row without view rows
                window.addFrom(staged, 0);
            } else if (!inputDone) {
                if (!nextInput()) continue;
                int j = random.nextInt(capacity);
                out.addFrom(window, j);
                copy(staged, 0, window, j);
            } else if (window.size > 0) {
                int j = random.nextInt(window.size);
                out.addFrom(window, j);
                copy(window, window.size - 1, window, j);
                window.size--;
            } else {
                break;
            }
        }
        emitted += out.size;
        return out.size == 0 ? null : out;
    }

    private final Rows staged = new Rows(1);

    /** Stages the next view row in {@code staged}; false when the input ended or the current row has none. */
    private boolean nextInput() throws Exception {
        if (pending > pendingDone) {
            staged.size = 0;
            staged.add(shard, row, expander.negativeSlot(pendingDone++));
            return true;
        }
        if (shard != null && row + 1 < shard.size()) {
            row++;
        } else {
            Object o = queue.take();
            if (o == END) {
                inputDone = true;
                shard = null;
                return false;
            }
            if (o instanceof Exception e) throw e;
            if (o instanceof Error e) throw e;
            shard = (Examples) o;
            row = 0;
            if (shard.size() == 0) {
                shard = null;
                return false;
            }
        }
        pending = expander.viewRows(shard, row);
        pendingDone = 0;
        return false; // the caller asks again: the first view row of this row (if any) is staged then
    }

    private static void copy(Rows from, int i, Rows to, int j) {
        to.set(j, from.user[i], from.item[i], from.ts[i], from.click[i], from.like[i], from.share[i], from.negative[i]);
    }

    @Override
    public void close() {
        reader.interrupt();
        queue.clear();
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
    }
}
