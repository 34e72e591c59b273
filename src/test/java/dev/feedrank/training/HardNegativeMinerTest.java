package dev.feedrank.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.feedrank.data.Examples;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.EmbeddingScores;
import dev.feedrank.model.TwoTowerModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class HardNegativeMinerTest {

    @Test
    void minedNegativesAreTheModelsTopScoredNonPositivesAndScoreAboveRandomOnes() throws Exception {
        PreparedDataset data = TinyDatasets.agreement(200, 120, 12_000, 9);
        TrainingSettings s = new TrainingSettings(2, 256, 3e-3, 16, 8, 5, 5, 3, 0.5, 1000, 0.1);
        try (TwoTowerModel model = new TwoTowerTrainer().train(data, s, new TrainingListener() { }).model()) {
            int k = 10;
            HardNegativeMiner.Mined mined = HardNegativeMiner.mine(model, data, k);
            BitSet[] positives = trainPositives(data.train(), data.users().rows());
            float[] u = model.embedUsers(data.users());
            float[] it = model.embedItems(data.items());
            int d = model.spec().embeddingDim();
            EmbeddingScores.Task click = model.scores().task("click");
            SplittableRandom random = new SplittableRandom(1);
            double minedSum = 0;
            double randomSum = 0;
            int pairs = 0;
            int checkedUsers = 0;
            for (int user = 0; user < data.users().rows(); user++) {
                if (positives[user] == null) {
                    assertEquals(-1, mined.item(user, 0), "a user without train positives gets nothing mined");
                    continue;
                }
                checkedUsers++;
                // brute force: the best-scoring item that is not a train positive
                int best = -1;
                float bestScore = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < data.items().rows(); i++) {
                    if (positives[user].get(i)) continue;
                    float sc = click.logit(u, user * d, it, i * d);
                    if (sc > bestScore) {
                        bestScore = sc;
                        best = i;
                    }
                }
                assertEquals(best, mined.item(user, 0), "user " + user + ": hardest negative");
                for (int j = 0; j < k; j++) {
                    int item = mined.item(user, j);
                    assertFalse(positives[user].get(item), "user " + user + " mined its own positive " + item);
                    if (j > 0) {
                        assertTrue(click.logit(u, user * d, it, item * d) <= click.logit(u, user * d, it, mined.item(user, j - 1) * d),
                                "best first");
                    }
                    int other;
                    do {
                        other = random.nextInt(data.items().rows());
                    } while (positives[user].get(other));
                    minedSum += click.logit(u, user * d, it, item * d);
                    randomSum += click.logit(u, user * d, it, other * d);
                    pairs++;
                }
            }
            assertTrue(checkedUsers > 150, "users checked: " + checkedUsers);
            double minedMean = minedSum / pairs;
            double randomMean = randomSum / pairs;
            assertTrue(minedMean > randomMean + 1.0, "mined negatives must score higher than random ones: mined "
                    + minedMean + ", random " + randomMean);
        }
    }

    // A dataset in epoch seconds where user 0's hardest mined item (2) is first seen one second after user 0's first
    // train positive: T and T + 1 are the same float, so only an exact (int64) comparison keeps it out there.
    private static final long T = 1_700_000_000L;
    private static final int FUTURE = 2, TEST_ONLY = 3, EARLY = 5, NEVER = 6;
    /** User 0's mined list, hardest first (as the miner would rank them); user 1 has nothing mined. */
    private static final HardNegativeMiner.Mined MINED = new HardNegativeMiner.Mined(4,
            new int[] {FUTURE, TEST_ONLY, EARLY, NEVER, -1, -1, -1, -1});
    /** Per item: its first observed interaction over all splits. */
    private static final long[] FIRST_SEEN = {T, T - 50, T + 1, T + 1000, Long.MAX_VALUE, T - 100, Long.MAX_VALUE};

    private static PreparedDataset timedData() {
        List<long[]> train = new ArrayList<>(); // user, item, click, sampled, ts
        train.add(new long[] {1, EARLY, 0, 0, T - 100});
        train.add(new long[] {1, 1, 0, 0, T - 50});
        train.add(new long[] {1, 0, 1, 0, T});
        for (long t : new long[] {T, T + 1}) {
            train.add(new long[] {0, 0, 1, 0, t});
            for (int n = 0; n < 40; n++) train.add(new long[] {0, 1, 0, 1, t}); // sampled: the positive's timestamp
        }
        train.add(new long[] {1, FUTURE, 1, 0, T + 1});
        // a sampled negative of a not yet seen item must not count as its first sighting
        train.add(new long[] {1, TEST_ONLY, 0, 1, T + 1});
        return new PreparedDataset("timed", "timed", table("u", 2), table("i", 7), examples(train),
                examples(List.<long[]>of(new long[] {1, FUTURE, 1, 0, T + 500})),
                examples(List.<long[]>of(new long[] {1, TEST_ONLY, 1, 0, T + 1000})), Map.of());
    }

    private static Examples examples(List<long[]> rows) {
        int n = rows.size();
        int[] u = new int[n], it = new int[n];
        float[] click = new float[n];
        boolean[] sampled = new boolean[n];
        long[] ts = new long[n];
        for (int k = 0; k < n; k++) {
            long[] r = rows.get(k);
            u[k] = (int) r[0];
            it[k] = (int) r[1];
            click[k] = r[2];
            sampled[k] = r[3] == 1;
            ts[k] = r[4];
        }
        return new Examples(u, it, click, new float[n], new float[n], sampled, ts);
    }

    private static FeatureTable table(String prefix, int rows) {
        String[] ids = new String[rows];
        int[] vocab = new int[rows];
        for (int k = 0; k < rows; k++) {
            ids[k] = prefix + k;
            vocab[k] = k + 1;
        }
        return new FeatureTable(ids, vocab, rows + 1, new float[rows], List.of("f0"));
    }

    private static TrainingSettings.Technique hard(TrainingSettings.LossKind loss) {
        TrainingSettings.Technique d = TrainingSettings.Technique.DEFAULT;
        return new TrainingSettings.Technique(loss, d.posWeight(), d.margin(), d.temperature(), d.logqCorrection(),
                d.removeAccidentalHits(), new TrainingSettings.HardNegatives(true, 1.0, 4, 1, 1), d.multiTask());
    }

    @Test
    void firstSeenIsTheEarliestObservedExampleOfAnySplit() {
        assertArrayEquals(FIRST_SEEN, TrainingBatches.itemFirstSeen(timedData()));
    }

    @Test
    void aMinedItemReplacesAPointwiseNegativeOnlyOnceItWasSeenAtTheExamplesTime() {
        PreparedDataset data = timedData();
        Examples train = data.train();
        TrainingBatches view = new TrainingBatches(data, hard(TrainingSettings.LossKind.BCE));
        long[] ids;
        try (NDManager m = NDManager.newBaseManager()) {
            view.load(m, MINED);
            int[] all = new int[view.size()];
            for (int r = 0; r < all.length; r++) all[r] = r;
            Engine.getInstance().setRandomSeed(11);
            try (NDManager bm = m.newSubManager()) {
                ids = view.batch(all, bm, 0, true, 11).itemIds().toLongArray();
            }
        }
        Map<Long, int[]> counts = new java.util.TreeMap<>(); // ts -> per item, user 0's training negatives
        for (int r = 0; r < ids.length; r++) {
            int got = (int) ids[r];
            if (train.click()[r] >= 0.5f) {
                assertEquals(train.item()[r], got, "a positive is never replaced");
                continue;
            }
            assertTrue(FIRST_SEEN[got] <= train.ts()[r] || got == train.item()[r],
                    "row " + r + ": negative " + got + " first seen at " + FIRST_SEEN[got] + " > example time " + train.ts()[r]);
            if (train.user()[r] == 1) assertEquals(train.item()[r], got, "user 1 has nothing mined");
            else counts.computeIfAbsent(train.ts()[r], t -> new int[7])[got]++;
        }
        int[] atT = counts.get(T);
        int[] atT1 = counts.get(T + 1);
        assertEquals(0, atT[FUTURE], "user 0's hardest mined item is first seen a second after T: never its negative at T");
        assertTrue(atT1[FUTURE] > 0, "at T + 1 it is seen and gets mixed in " + java.util.Arrays.toString(atT1));
        assertTrue(atT[EARLY] > 0 && atT1[EARLY] > 0, "an item seen before both gets mixed in");
        for (int[] c : counts.values()) {
            assertEquals(0, c[TEST_ONLY] + c[NEVER], "test-only and never-observed items are never negatives in train");
            assertTrue(c[1] > 0, "a rejected pick keeps the sampled negative");
        }
    }

    @Test
    void aMinedItemReplacesAPairsNegativeOnlyOnceItWasSeenAtThePositivesTime() {
        PreparedDataset data = timedData();
        Examples train = data.train();
        TrainingBatches view = new TrainingBatches(data, hard(TrainingSettings.LossKind.PAIRWISE));
        int repeat = 40;
        int[] all = new int[view.size() * repeat];
        for (int r = 0; r < all.length; r++) all[r] = r % view.size();
        long[] ids;
        try (NDManager m = NDManager.newBaseManager()) {
            view.load(m, MINED);
            Engine.getInstance().setRandomSeed(12);
            try (NDManager bm = m.newSubManager()) {
                ids = view.batch(all, bm, 0, true, 12).itemIds().toLongArray();
            }
        }
        int b = all.length;
        assertEquals(2 * b, ids.length, "positives' items then the negatives'");
        int[][] user0 = new int[2][7]; // by positive time T, T + 1
        for (int r = 0; r < b; r++) {
            int example = view.example(all[r]);
            int negative = (int) ids[b + r];
            long ts = train.ts()[example];
            boolean own = false; // one of the user's train negatives, the pool the pair's negative is drawn from
            for (int i = 0; i < train.size(); i++) {
                own |= train.user()[i] == train.user()[example] && train.click()[i] < 0.5f && train.item()[i] == negative;
            }
            assertTrue(own || FIRST_SEEN[negative] <= ts,
                    "pair " + r + ": mined negative " + negative + " first seen at " + FIRST_SEEN[negative] + " > positive time " + ts);
            if (train.user()[example] == 0) user0[(int) (ts - T)][negative]++;
        }
        assertEquals(0, user0[0][FUTURE], "not seen yet at the positive's time T");
        assertTrue(user0[1][FUTURE] > 0, "seen at T + 1: mixed in");
        assertTrue(user0[0][EARLY] > 0 && user0[1][EARLY] > 0, "seen before both: mixed in");
        assertEquals(0, user0[0][TEST_ONLY] + user0[1][TEST_ONLY] + user0[0][NEVER] + user0[1][NEVER]);
    }

    /** Per user, its train positives (null: none): the reference the miner's exclusions are checked against. */
    private static BitSet[] trainPositives(Examples train, int users) {
        BitSet[] out = new BitSet[users];
        for (int i = 0; i < train.size(); i++) {
            if (train.click()[i] > 0.5f) {
                int u = train.user()[i];
                if (out[u] == null) out[u] = new BitSet();
                out[u].set(train.item()[i]);
            }
        }
        return out;
    }
}
