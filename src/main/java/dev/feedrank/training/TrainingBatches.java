package dev.feedrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedrank.data.Examples;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.TwoTowerBlock;

import java.util.Arrays;

/**
 * What one epoch iterates over and how a batch becomes tower inputs and a loss, per technique. Everything stays in
 * native memory; a batch is gathered by index there.
 *
 * <ul>
 *   <li>Pointwise losses ({@code bce}, {@code weighted-bce}, {@code batch-hard-triplet}, and multi-task) iterate over
 *       every train example (positives and their sampled negatives).</li>
 *   <li>{@code pairwise} and {@code in-batch-softmax} iterate over the train positives; each comes with one
 *       negative: a sampled negative of the same user (drawn per batch among all of that user's), the item tower
 *       embedding the positives' items then the negatives'.</li>
 *   <li>With hard negatives active, a {@code mix-ratio} share of those negatives is replaced by one of the user's
 *       mined items (drawn uniformly among its top k), but only when that item was already seen at the example's
 *       timestamp (the pair's positive's, for pairs): its first-seen time, the earliest observed (non-sampled)
 *       example of train, validation or test, is at or before it, the rule the sampled negatives obey. Otherwise the
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
        if (pairs) {
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
        // logQ: log of each item's share of the train positives (the in-batch sampling distribution)
        int items = data.items().rows();
        itemLogQ = new float[items];
        int[] counts = new int[items];
        int total = 0;
        int seen = 0;
        for (int i = 0; i < train.size(); i++) {
            if (train.click()[i] >= 0.5f) {
                counts[train.item()[i]]++;
                total++;
            }
        }
        for (int i = 0; i < items; i++) {
            itemLogQ[i] = counts[i] == 0 ? 0f : (float) Math.log((double) counts[i] / total);
            if (data.items().vocabIndex()[i] > 0) seen++;
        }
        uniformLogQ = (float) Math.log(1.0 / Math.max(1, seen));
        firstSeen = itemFirstSeen(data);
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

    int size() {
        return pairs ? viewRows.length : data.train().size();
    }

    /** The train example index of a view row (for tests). */
    int example(int row) {
        return pairs ? viewRows[row] : row;
    }

    /** Copies the tables to native memory (once), and the mined negatives (each time they change). */
    void load(NDManager m, HardNegativeMiner.Mined minedNegatives) {
        if (userVocab == null) {
            Examples train = data.train();
            userVocab = m.create(TwoTowerTrainer.toLong(data.users().vocabIndex()));
            userDense = m.create(data.users().dense(), new Shape(data.users().rows(), data.users().width()));
            itemVocab = m.create(TwoTowerTrainer.toLong(data.items().vocabIndex()));
            itemDense = m.create(data.items().dense(), new Shape(data.items().rows(), data.items().width()));
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
            if (tech.hardNegatives().enabled()) {
                itemFirstSeen = m.create(firstSeen); // int64: compared exactly with the examples' timestamps
                trainTs = m.create(train.ts());
            }
            if (pairs) {
                viewIndex = m.create(TwoTowerTrainer.toLong(viewRows));
                userNegStart = m.create(TwoTowerTrainer.toLong(negStart));
                float[] c = new float[negCount.length];
                for (int r = 0; r < c.length; r++) c[r] = negCount[r];
                userNegCount = m.create(c);
                userNegList = m.create(TwoTowerTrainer.toLong(negList));
                logQ = m.create(itemLogQ);
            }
        }
        if (minedNegatives != null) {
            if (mined != null) mined.close();
            mined = m.create(minedNegatives.asLong());
            minedK = minedNegatives.k();
        }
    }

    Batch batch(NDArray rows, NDManager bm, double coldStartRate, boolean useMined) {
        int b = (int) rows.size();
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
            q = TwoTowerTrainer.attach(logQ.get(i), bm);
            q = (tech.logqCorrection() ? q : q.zerosLike()).concat(bm.full(shape, tech.logqCorrection() ? uniformLogQ : 0f));
        } else {
            if (useMined && mined != null) {
                items = mix(u, i, TwoTowerTrainer.attach(trainSampled.get(example), bm),
                        TwoTowerTrainer.attach(trainTs.get(example), bm), bm, shape);
            }
            ids = items;
        }
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
