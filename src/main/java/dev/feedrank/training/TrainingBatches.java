package dev.feedrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedrank.data.Examples;
import dev.feedrank.data.NegativeSampler;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.data.TrainIndex;
import dev.feedrank.data.TrainNegatives;
import dev.feedrank.model.TwoTowerBlock;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * What one epoch iterates over and how a batch becomes tower inputs and a loss, per technique. The feature tables
 * stay in native memory; a batch is gathered by index there.
 *
 * <p>A prepared dataset ({@link PreparedDataset#trainNegatives()} set) stores the train positives only: each batch
 * draws their negatives ({@link NegativeSampler}: never one of the user's train positives, only items already seen at
 * the positive's time), fresh every epoch, from a generator seeded per (epoch, batch), so a resumed training draws
 * the same ones. A hand-built dataset without it carries its negatives in the train split (as below, "sampled").
 *
 * <ul>
 *   <li>Pointwise losses ({@code bce}, {@code weighted-bce}, {@code batch-hard-triplet}, and multi-task) iterate over
 *       every train example: each positive followed by {@code negatives.per-positive} negatives (drawn per batch, or
 *       the split's sampled ones).</li>
 *   <li>{@code pairwise} and {@code in-batch-softmax} iterate over the train positives; each comes with one
 *       negative (drawn per batch; or one of the split's sampled negatives of the same user, drawn per batch among
 *       them), the item tower embedding the positives' items then the negatives'.</li>
 *   <li>With hard negatives active, a {@code mix-ratio} share of those negatives is replaced by one of the user's
 *       mined items (drawn uniformly among its top k), but only when that item was already seen at the example's
 *       timestamp (the pair's positive's, for pairs): its first-seen time ({@link TrainNegatives#itemFirstSeen()};
 *       for hand-built data the earliest observed (non-sampled) example of train, validation or test) is at or
 *       before it, the rule the sampled negatives obey. Otherwise the
 *       sampled negative is kept. The comparison is in int64 (epoch seconds are beyond float's exact range) and
 *       draws no random numbers, so batches stay reproducible for a resume.</li>
 *   <li>Cold-start training (see {@code train.cold-start-rate}) shows a share of rows as the OOV user row and drops
 *       the item's ID to the OOV bucket, independently per item.</li>
 * </ul>
 * Random draws use the engine's generator, which the trainer reseeds per batch.
 */
final class TrainingBatches {

    /** Tower inputs of one batch and what its loss needs. */
    record Batch(NDList inputs, NDArray labels, NDArray taskLabels, NDArray itemIds, NDArray logQ, int rows) {
    }

    private final PreparedDataset data;
    private final TrainingSettings.Technique tech;
    private final boolean pairs;
    /** Per-batch negatives (the dataset stores train positives only), or {@code null}. */
    private final NegativeSampler sampler;
    private final NegativeSampler.UserItems trainPositives;
    /** The train split's positives per user and item (prepared datasets), or {@code null}. */
    private final TrainIndex index;
    /** Streamed: view rows per epoch (the train split is not in memory); -1 otherwise. */
    private final long streamedSize;
    /** Pointwise with per-batch negatives: view rows of positive p are rowStart[p] (itself) .. rowStart[p+1]-1. */
    private final int[] rowStart;
    /** View row -> train example index (pairs: the positives with at least one same-user negative). */
    private final int[] viewRows;
    private final int coldRow;
    // per view row (pairs): its candidate negatives' train indices, as a range of negList
    private final int[] negStart;
    private final int[] negCount;
    private final int[] negList;
    private final float[] itemLogQ;
    private final float uniformLogQ;
    /** Per item row, its first-seen time ({@code Long.MAX_VALUE} if never observed). */
    private final long[] firstSeen;

    private NDArray userVocab, userDense, itemVocab, itemDense, trainUser, trainItem, trainLabel, trainTasks,
            trainSampled, viewIndex, userNegStart, userNegCount, userNegList, logQ, mined, itemFirstSeen, trainTs;
    private int minedK;

    TrainingBatches(PreparedDataset data, TrainingSettings.Technique tech) {
        this.data = data;
        this.tech = tech;
        this.pairs = tech.loss().pairsPerPositive();
        Examples train = data.train();
        int users = data.users().rows();
        this.coldRow = firstOov(data.users().vocabIndex());
        TrainNegatives drawn = data.trainNegatives();
        boolean streamed = data.streamsTrain();
        this.index = drawn == null ? null : streamed && train.size() == 0
                ? indexOf(data) : TrainIndex.of(users, data.items().rows(), train);
        this.sampler = drawn == null ? null : drawn.sampler(index.itemPositives());
        this.trainPositives = drawn == null ? null : index.positives();
        int[] starts = null;
        long streamedRows = -1;
        if (sampler != null && streamed) {
            long withNegative = 0;
            if (train.size() > 0) {
                withNegative = withNegative(train);
            } else {
                try {
                    for (int k = 0; k < data.trainShards().count(); k++) withNegative += withNegative(data.trainShards().read(k));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("could not read the train shards", e);
                }
            }
            streamedRows = pairs ? withNegative : index.rows() + (long) drawn.perPositive() * withNegative;
            if (streamedRows > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("an epoch of " + streamedRows + " view rows is more than one epoch can count");
            }
            viewRows = null;
            negStart = negCount = negList = null;
        } else if (sampler != null) {
            // positives that can have a negative at their time (an item seen by then that is not the user's positive)
            int[] keep = new int[train.size()];
            int kept = 0;
            starts = pairs ? null : new int[train.size() + 1];
            int rows = 0;
            for (int i = 0; i < train.size(); i++) {
                boolean has = canDraw(train, i);
                if (pairs && has) keep[kept++] = i;
                if (!pairs) {
                    starts[i] = rows;
                    rows += viewRowsOf(has);
                }
            }
            if (!pairs) starts[train.size()] = rows;
            viewRows = pairs ? Arrays.copyOf(keep, kept) : null;
            negStart = negCount = negList = null;
        } else if (pairs) {
            // each positive is followed by the negatives sampled for it (NegativeSampler): a pair takes one of its
            // own, so the negative obeys the sampler's rules at this positive's time (never an item not yet seen).
            // Data not laid out that way (hand-built examples with observed negatives) falls back to any negative
            // of the same user.
            int[] userCount = new int[users];
            for (int i = 0; i < train.size(); i++) if (train.click()[i] < 0.5f) userCount[train.user()[i]]++;
            int[] userStart = new int[users + 1];
            for (int u = 0; u < users; u++) userStart[u + 1] = userStart[u] + userCount[u];
            int[] pool = new int[userStart[users]];
            int[] fill = java.util.Arrays.copyOf(userStart, users);
            for (int i = 0; i < train.size(); i++) if (train.click()[i] < 0.5f) pool[fill[train.user()[i]]++] = i;
            int positives = 0;
            long listSize = 0;
            for (int i = 0; i < train.size(); i++) {
                if (train.click()[i] < 0.5f) continue;
                int own = ownNegatives(train, i);
                int c = own > 0 ? own : userCount[train.user()[i]];
                if (c == 0) continue;
                positives++;
                listSize += c;
            }
            viewRows = new int[positives];
            negStart = new int[positives];
            negCount = new int[positives];
            negList = new int[Math.toIntExact(listSize)];
            int k = 0;
            int w = 0;
            for (int i = 0; i < train.size(); i++) {
                if (train.click()[i] < 0.5f) continue;
                int own = ownNegatives(train, i);
                int u = train.user()[i];
                int c = own > 0 ? own : userCount[u];
                if (c == 0) continue;
                viewRows[k] = i;
                negStart[k] = w;
                negCount[k++] = c;
                if (own > 0) for (int j = 0; j < own; j++) negList[w++] = i + 1 + j;
                else for (int j = userStart[u]; j < userStart[u + 1]; j++) negList[w++] = pool[j];
            }
        } else {
            negStart = negCount = negList = null;
            viewRows = null;
        }
        this.rowStart = starts;
        this.streamedSize = streamedRows;
        // logQ: log of each item's share of the train positives (the in-batch sampling distribution)
        int items = data.items().rows();
        itemLogQ = new float[items];
        int[] counts = index != null ? index.itemPositives() : new int[items];
        long total = 0;
        int seen = 0;
        if (index == null) {
            for (int i = 0; i < train.size(); i++) if (train.click()[i] >= 0.5f) counts[train.item()[i]]++;
        }
        for (int c : counts) total += c;
        for (int i = 0; i < items; i++) {
            itemLogQ[i] = counts[i] == 0 ? 0f : (float) Math.log((double) counts[i] / total);
            if (data.items().vocabIndex()[i] > 0) seen++;
        }
        uniformLogQ = (float) Math.log(1.0 / Math.max(1, seen));
        firstSeen = drawn != null ? drawn.itemFirstSeen() : itemFirstSeen(data);
    }

    /**
     * Per item row, the timestamp of its first observed (non-sampled) example over train, validation and test, as
     * prepare-data computes it for the negative sampler; {@code Long.MAX_VALUE} for an item never observed.
     */
    static long[] itemFirstSeen(PreparedDataset data) {
        long[] out = new long[data.items().rows()];
        Arrays.fill(out, Long.MAX_VALUE);
        for (Examples e : new Examples[] {data.train(), data.validation(), data.test()}) {
            if (e == null) continue;
            for (int i = 0; i < e.size(); i++) {
                if (!e.sampled()[i]) out[e.item()[i]] = Math.min(out[e.item()[i]], e.ts()[i]);
            }
        }
        return out;
    }

    /** One pass over the shards: the split's positives per user and item. */
    private static TrainIndex indexOf(PreparedDataset data) {
        try {
            return TrainIndex.of(data.users().rows(), data.items().rows(), data.trainShards());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("could not read the train shards", e);
        }
    }

    /** How many of {@code part}'s positives can have a negative drawn ({@link #canDraw}). */
    private long withNegative(Examples part) {
        long c = 0;
        for (int i = 0; i < part.size(); i++) if (canDraw(part, i)) c++;
        return c;
    }

    /**
     * Whether the prepared train example {@code i} of {@code part} can have a negative drawn at its time (negatives are
     * drawn, and an item seen by then is not one of the user's positives); refuses an example that is not a positive.
     */
    private boolean canDraw(Examples part, int i) {
        if (part.click()[i] < 0.5f) {
            throw new IllegalArgumentException("train example " + i + " is not a positive (click = 1): a "
                    + "prepared train split holds positives only, training samples their negatives");
        }
        return data.trainNegatives().perPositive() > 0
                && sampler.hasCandidate(part.user()[i], part.ts()[i], trainPositives);
    }

    /** A prepared positive's view rows: for pairs one if it can have a negative; pointwise itself and its negatives' slots. */
    private int viewRowsOf(boolean canDraw) {
        return pairs ? (canDraw ? 1 : 0) : 1 + (canDraw ? data.trainNegatives().perPositive() : 0);
    }

    /** The train split's positives per user (what hard negative mining and validation ranking exclude). */
    NegativeSampler.UserItems positives() {
        return trainPositives != null ? trainPositives
                : NegativeSampler.UserItems.positivesOf(data.users().rows(), data.train());
    }

    /** The split's index (prepared datasets), or {@code null}. */
    TrainIndex index() {
        return index;
    }

    boolean streamed() {
        return streamedSize >= 0;
    }

    /** The stream of an epoch opened ahead of time ({@link #openAhead}), and that epoch; or {@code null}. */
    private TrainStream ahead;
    private int aheadEpoch;

    /**
     * Streamed: opens epoch {@code epoch}'s stream now, so that its first shards are read while the current epoch is
     * validated ({@link #epoch(int, java.util.SplittableRandom, int, int)} then takes it over); nothing in memory mode.
     * The stream draws from {@code shuffle} only as batches are taken, so opening it early changes no batch.
     */
    void openAhead(int epoch, java.util.SplittableRandom shuffle, int batchSize) {
        closeAhead();
        if (!streamed()) return;
        ahead = stream(shuffle, batchSize);
        aheadEpoch = epoch;
    }

    /** Closes a stream opened ahead and not taken over (the training ended, or stopped). */
    void closeAhead() {
        if (ahead != null) ahead.close();
        ahead = null;
    }

    private TrainStream stream(java.util.SplittableRandom shuffle, int batchSize) {
        TrainStream.Expander expander = new TrainStream.Expander() {
            @Override
            public int viewRows(Examples shard, int i) {
                return viewRowsOf(canDraw(shard, i));
            }

            @Override
            public boolean negativeSlot(int slot) {
                return !pairs && slot > 0;
            }
        };
        return new TrainStream(data.trainShards(), shuffle, expander, batchSize, size());
    }

    /**
     * Epoch {@code epoch}'s view rows, from batch {@code fromBatch} on: a seeded permutation of the rows in memory, or
     * the stream of the shards ({@link TrainStream}; the one opened ahead for this epoch when there is one), both drawn
     * from {@code shuffle} (the epoch's generator).
     */
    EpochRows epoch(int epoch, java.util.SplittableRandom shuffle, int batchSize, int fromBatch) throws Exception {
        int n = size();
        if (!streamed()) {
            int[] order = TwoTowerTrainer.permutation(n, shuffle);
            return new EpochRows() {
                int b = fromBatch;

                @Override
                public Slice next() {
                    int from = b * batchSize;
                    if (from >= n) return null;
                    b++;
                    return new Slice(Arrays.copyOfRange(order, from, Math.min(n, from + batchSize)), null);
                }

                @Override
                public void close() {
                }
            };
        }
        TrainStream stream;
        if (ahead != null && aheadEpoch == epoch && fromBatch == 0) {
            stream = ahead;
            ahead = null;
        } else {
            closeAhead();
            stream = stream(shuffle, batchSize);
        }
        try {
            stream.skip(fromBatch);
        } catch (Exception | Error e) {
            stream.close();
            throw e;
        }
        return new EpochRows() {
            @Override
            public Slice next() throws Exception {
                TrainStream.Rows rows = stream.next();
                return rows == null ? null : new Slice(null, rows);
            }

            @Override
            public void close() {
                stream.close();
            }
        };
    }

    /** A batch's view rows: indices into the view (in memory) or the rows themselves (streamed). */
    record Slice(int[] viewRows, TrainStream.Rows rows) {
        int size() {
            return viewRows != null ? viewRows.length : rows.size;
        }
    }

    /** An epoch's batches, in order. */
    interface EpochRows extends AutoCloseable {
        /** The next batch's view rows, or {@code null} after the last. */
        Slice next() throws Exception;

        @Override
        void close();
    }

    int size() {
        if (streamed()) return (int) streamedSize;
        return pairs ? viewRows.length : rowStart != null ? rowStart[rowStart.length - 1] : data.train().size();
    }

    /** The train example index of a view row (for tests; per-batch negatives: the positive the row belongs to). */
    int example(int row) {
        return pairs ? viewRows[row] : rowStart != null ? positiveOf(row) : row;
    }

    /** Pointwise with per-batch negatives: the train positive a view row belongs to. */
    private int positiveOf(int row) {
        int p = Arrays.binarySearch(rowStart, row); // strictly increasing: every positive has its own row
        return p >= 0 ? p : -p - 2;
    }

    /** Copies the tables to native memory (once), and the mined negatives (each time they change). */
    void load(NDManager m, HardNegativeMiner.Mined minedNegatives) {
        if (userVocab == null) {
            userVocab = m.create(TwoTowerTrainer.toLong(data.users().vocabIndex()));
            userDense = m.create(data.users().dense(), new Shape(data.users().rows(), data.users().width()));
            itemVocab = m.create(TwoTowerTrainer.toLong(data.items().vocabIndex()));
            itemDense = m.create(data.items().dense(), new Shape(data.items().rows(), data.items().width()));
            if (pairs) logQ = m.create(itemLogQ);
            if (tech.hardNegatives().enabled()) itemFirstSeen = m.create(firstSeen); // int64: compared exactly with ts
        }
        if (sampler == null && trainUser == null) { // the split's own negatives: gathered by index in native memory
            Examples train = data.train();
            trainUser = m.create(TwoTowerTrainer.toLong(train.user()));
            trainItem = m.create(TwoTowerTrainer.toLong(train.item()));
            trainLabel = m.create(train.click());
            if (tech.multiTask().enabled()) {
                float[] t = new float[train.size() * 3];
                for (int i = 0; i < train.size(); i++) {
                    t[3 * i] = train.click()[i];
                    t[3 * i + 1] = train.like()[i];
                    t[3 * i + 2] = train.share()[i];
                }
                trainTasks = m.create(t, new Shape(train.size(), 3));
            }
            if (tech.hardNegatives().enabled() && !pairs) {
                float[] negative = new float[train.size()];
                for (int i = 0; i < train.size(); i++) negative[i] = train.click()[i] < 0.5f ? 1f : 0f;
                trainSampled = m.create(negative);
            }
            if (tech.hardNegatives().enabled()) trainTs = m.create(train.ts());
            if (pairs) {
                viewIndex = m.create(TwoTowerTrainer.toLong(viewRows));
                userNegStart = m.create(TwoTowerTrainer.toLong(negStart));
                float[] c = new float[negCount.length];
                for (int r = 0; r < c.length; r++) c[r] = negCount[r];
                userNegCount = m.create(c);
                userNegList = m.create(TwoTowerTrainer.toLong(negList));
            }
        }
        if (minedNegatives != null) {
            if (mined != null) mined.close();
            mined = m.create(minedNegatives.asLong());
            minedK = minedNegatives.k();
        }
    }

    /**
     * The batch of these view rows. {@code negativeSeed} seeds the per-batch negatives (the trainer derives it from
     * the seed, epoch and batch, so a resumed training draws the same ones).
     */
    Batch batch(Slice slice, NDManager bm, double coldStartRate, boolean useMined, long negativeSeed) {
        if (slice.rows() != null) return drawnBatch(slice.rows(), bm, coldStartRate, useMined, negativeSeed);
        return batch(slice.viewRows(), bm, coldStartRate, useMined, negativeSeed);
    }

    Batch batch(int[] viewRowsOfBatch, NDManager bm, double coldStartRate, boolean useMined, long negativeSeed) {
        if (sampler != null) return drawnBatch(rowsOf(viewRowsOfBatch), bm, coldStartRate, useMined, negativeSeed);
        NDArray rows = bm.create(TwoTowerTrainer.toLong(viewRowsOfBatch));
        int b = viewRowsOfBatch.length;
        Shape shape = new Shape(b);
        NDArray example = pairs ? TwoTowerTrainer.attach(viewIndex.get(rows), bm) : rows;
        NDArray u = TwoTowerTrainer.attach(trainUser.get(example), bm);
        NDArray i = TwoTowerTrainer.attach(trainItem.get(example), bm);
        NDArray labels = TwoTowerTrainer.attach(trainLabel.get(example), bm);
        NDArray tasks = trainTasks == null ? null : TwoTowerTrainer.attach(trainTasks.get(example), bm);
        NDArray items = i;
        NDArray ids = null;
        NDArray q = null;
        if (pairs) {
            NDArray count = TwoTowerTrainer.attach(userNegCount.get(rows), bm);
            NDArray slot = bm.randomUniform(0f, 1f, shape).mul(count).floor()
                    .toType(DataType.INT64, false).minimum(count.sub(1f).toType(DataType.INT64, false));
            NDArray negRow = TwoTowerTrainer.attach(userNegList.get(slot.add(TwoTowerTrainer.attach(userNegStart.get(rows), bm))), bm);
            NDArray negItem = TwoTowerTrainer.attach(trainItem.get(negRow), bm);
            if (useMined && mined != null) {
                negItem = mix(u, negItem, null, TwoTowerTrainer.attach(trainTs.get(example), bm), bm, shape);
            }
            items = i.concat(negItem);
            ids = items;
            q = pairLogQ(i, bm, shape);
        } else {
            if (useMined && mined != null) {
                items = mix(u, i, TwoTowerTrainer.attach(trainSampled.get(example), bm),
                        TwoTowerTrainer.attach(trainTs.get(example), bm), bm, shape);
            }
            ids = items;
        }
        return inputs(u, items, labels, tasks, ids, q, b, bm, coldStartRate);
    }

    /**
     * The logQ column of a pair batch ({@code positives} then as many negatives): the positives' log share of the train
     * positives, the negatives' uniform log probability; zeros without logQ correction.
     */
    private NDArray pairLogQ(NDArray positives, NDManager bm, Shape shape) {
        NDArray q = TwoTowerTrainer.attach(logQ.get(positives), bm);
        return (tech.logqCorrection() ? q : q.zerosLike()).concat(bm.full(shape, tech.logqCorrection() ? uniformLogQ : 0f));
    }

    /** The view rows of a prepared dataset in memory, as {@link #drawnBatch} takes them. */
    private TrainStream.Rows rowsOf(int[] rows) {
        Examples train = data.train();
        TrainStream.Rows out = new TrainStream.Rows(rows.length);
        for (int row : rows) {
            if (pairs) {
                out.add(train, viewRows[row], false);
            } else {
                int p = positiveOf(row);
                out.add(train, p, row != rowStart[p]);
            }
        }
        return out;
    }

    /** A batch of a prepared dataset: its positives with negatives drawn now (in the slots marked negative). */
    private Batch drawnBatch(TrainStream.Rows rows, NDManager bm, double coldStartRate, boolean useMined, long negativeSeed) {
        SplittableRandom random = new SplittableRandom(negativeSeed);
        int b = rows.size;
        Shape shape = new Shape(b);
        long[] user = new long[b];
        long[] item = new long[b];
        long[] ts = new long[b];
        if (pairs) {
            long[] negative = new long[b];
            for (int r = 0; r < b; r++) {
                user[r] = rows.user[r];
                item[r] = rows.item[r];
                ts[r] = rows.ts[r];
                negative[r] = draw(random, rows.user[r], ts[r]);
            }
            NDArray u = bm.create(user);
            NDArray i = bm.create(item);
            NDArray negItem = bm.create(negative);
            if (useMined && mined != null) negItem = mix(u, negItem, null, bm.create(ts), bm, shape);
            NDArray items = i.concat(negItem);
            return inputs(u, items, bm.ones(shape), null, items, pairLogQ(i, bm, shape), b, bm, coldStartRate);
        }
        boolean multiTask = tech.multiTask().enabled();
        float[] label = new float[b];
        float[] tasks = multiTask ? new float[3 * b] : null;
        float[] negative = new float[b];
        for (int r = 0; r < b; r++) {
            user[r] = rows.user[r];
            ts[r] = rows.ts[r];
            if (!rows.negative[r]) {
                item[r] = rows.item[r];
                label[r] = rows.click[r];
                if (multiTask) {
                    tasks[3 * r] = rows.click[r];
                    tasks[3 * r + 1] = rows.like[r];
                    tasks[3 * r + 2] = rows.share[r];
                }
            } else {
                item[r] = draw(random, rows.user[r], ts[r]);
                negative[r] = 1f;
            }
        }
        NDArray u = bm.create(user);
        NDArray items = bm.create(item);
        if (useMined && mined != null) items = mix(u, items, bm.create(negative), bm.create(ts), bm, shape);
        return inputs(u, items, bm.create(label), multiTask ? bm.create(tasks, new Shape(b, 3)) : null, items, null, b,
                bm, coldStartRate);
    }

    /** A negative for the user at time ts; the view holds only positives that have one. */
    private int draw(SplittableRandom random, int user, long ts) {
        int negative = sampler.draw(random, user, ts, trainPositives);
        if (negative < 0) throw new IllegalStateException("no negative for user row " + user + " at " + ts);
        return negative;
    }

    /** The towers' inputs for users {@code u} and items {@code items}, with cold-start training applied. */
    private Batch inputs(NDArray u, NDArray items, NDArray labels, NDArray tasks, NDArray ids, NDArray q, int b,
                         NDManager bm, double coldStartRate) {
        Shape shape = new Shape(b);
        NDArray iVocab = TwoTowerTrainer.attach(itemVocab.get(items), bm);
        if (coldStartRate > 0) {
            float rate = (float) coldStartRate;
            if (coldRow >= 0) {
                NDArray asCold = bm.randomUniform(0f, 1f, shape).lt(rate).toType(DataType.INT64, false);
                u = u.add(asCold.mul(u.neg().add(coldRow))); // u where not cold, coldRow where cold
            }
            iVocab = iVocab.mul(bm.randomUniform(0f, 1f, new Shape(items.size())).gte(rate).toType(DataType.INT64, false));
        }
        NDList inputs = new NDList(TwoTowerTrainer.attach(userVocab.get(u), bm), TwoTowerTrainer.attach(userDense.get(u), bm), iVocab,
                TwoTowerTrainer.attach(itemDense.get(items), bm));
        return new Batch(inputs, labels, tasks, ids, q, b);
    }

    /**
     * Replaces a mix-ratio share of {@code items} (where {@code eligible} is 1, or everywhere) by mined negatives,
     * each only where the mined item's first-seen time is at or before the row's timestamp {@code ts} (int64).
     * Two uniform draws per row whatever the outcome, so the generator's sequence does not depend on the data.
     */
    private NDArray mix(NDArray u, NDArray items, NDArray eligible, NDArray ts, NDManager bm, Shape shape) {
        NDArray pick = bm.randomUniform(0f, 1f, shape).mul(minedK).floor().toType(DataType.INT64, false).minimum(minedK - 1);
        NDArray candidate = TwoTowerTrainer.attach(mined.get(u.mul(minedK).add(pick)), bm);
        // -1 (nothing mined) gathers row 0's time, and is rejected by candidate >= 0 anyway
        NDArray seenAt = TwoTowerTrainer.attach(itemFirstSeen.get(candidate.maximum(0)), bm);
        NDArray use = bm.randomUniform(0f, 1f, shape).lt((float) tech.hardNegatives().mixRatio())
                .logicalAnd(candidate.gte(0))
                .logicalAnd(seenAt.lte(ts));
        if (eligible != null) use = use.logicalAnd(eligible.gt(0.5f));
        NDArray useLong = use.toType(DataType.INT64, false);
        return items.add(useLong.mul(candidate.sub(items)));
    }

    NDArray loss(NDList out, Batch batch) {
        NDArray user = out.get(0);
        NDArray item = out.get(1);
        float pw = (float) tech.posWeight();
        return switch (tech.loss()) {
            case BCE -> tech.multiTask().enabled()
                    ? RankingLosses.multiTaskBce(out.get(2), batch.taskLabels(), tech.multiTask().weights(), 1f)
                    : RankingLosses.bce(TwoTowerBlock.dot(user, item), batch.labels());
            case WEIGHTED_BCE -> tech.multiTask().enabled()
                    ? RankingLosses.multiTaskBce(out.get(2), batch.taskLabels(), tech.multiTask().weights(), pw)
                    : RankingLosses.weightedBce(TwoTowerBlock.dot(user, item), batch.labels(), pw);
            case BATCH_HARD_TRIPLET -> RankingLosses.batchHardTriplet(user, item, batch.labels(), batch.itemIds(), (float) tech.margin());
            case PAIRWISE -> {
                int b = batch.rows();
                yield RankingLosses.pairwise(TwoTowerBlock.dot(user, item.get("0:" + b)),
                        TwoTowerBlock.dot(user, item.get(b + ":")), (float) tech.margin());
            }
            case IN_BATCH_SOFTMAX -> RankingLosses.inBatchSoftmax(user, item, batch.itemIds(), batch.logQ(),
                    (float) tech.temperature(), tech.removeAccidentalHits());
        };
    }

    /** How many sampled negatives directly follow the positive at {@code i}. */
    private static int ownNegatives(Examples train, int i) {
        int c = 0;
        while (i + 1 + c < train.size() && train.sampled()[i + 1 + c] && train.click()[i + 1 + c] < 0.5f
                && train.user()[i + 1 + c] == train.user()[i]) c++;
        return c;
    }

    private static int firstOov(int[] vocab) {
        for (int r = 0; r < vocab.length; r++) if (vocab[r] == 0) return r;
        return -1;
    }
}
