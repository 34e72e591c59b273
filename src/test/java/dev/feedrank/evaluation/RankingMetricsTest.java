package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertIterableEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-worked cases; the sklearn reference comparison is in {@link SklearnFixturesTest}. */
class RankingMetricsTest {

    private static final double TOL = 1e-12;
    // 1/log2(r+1) for 1-based rank r
    private static final double D1 = 1.0;
    private static final double D2 = 0.6309297535714575;  // 1/log2(3)
    private static final double D3 = 0.5;                 // 1/log2(4)
    private static final double D4 = 0.43067655807339306; // 1/log2(5)

    private static BitSet set(int... items) {
        BitSet b = new BitSet();
        for (int i : items) b.set(i);
        return b;
    }

    @Test
    void hitsAtRanksOneAndThree() {
        int[] ranked = {5, 2, 7, 1, 9};
        int[] relevant = {5, 7, 3};
        // k = 3: hits at ranks 1 (item 5) and 3 (item 7)
        //   DCG  = 1/log2(2) + 1/log2(4) = 1 + 0.5 = 1.5
        //   IDCG = min(|rel| = 3, k = 3) = 3 ideal hits = 1 + 0.6309297535714575 + 0.5 = 2.1309297535714575
        //   NDCG = 1.5 / 2.1309297535714575 = 0.7039180890341347
        assertEquals(D1 + D3, 1.5, 0.0);
        assertEquals(0.7039180890341347, RankingMetrics.ndcg(ranked, relevant, 3), TOL);
        assertEquals(2.0 / 3, RankingMetrics.precision(ranked, relevant, 3), TOL); // 2 hits / k = 3
        assertEquals(2.0 / 3, RankingMetrics.recall(ranked, relevant, 3), TOL);    // 2 hits / |rel| = 3
        assertEquals(1.0, RankingMetrics.hitRate(ranked, relevant, 3), 0.0);
        assertEquals(1.0, RankingMetrics.mrr(ranked, relevant, 3), 0.0);           // first hit at rank 1
        // k = 5: items 1 and 9 are misses, same DCG and IDCG (still 3 ideal hits) -> same NDCG; precision 2/5
        assertEquals(0.7039180890341347, RankingMetrics.ndcg(ranked, set(5, 7, 3), 5), TOL);
        assertEquals(2.0 / 5, RankingMetrics.precision(ranked, set(5, 7, 3), 5), TOL);
        // k = 1: one hit at rank 1, IDCG = 1 ideal hit -> 1.0; recall 1/3
        assertEquals(1.0, RankingMetrics.ndcg(ranked, relevant, 1), TOL);
        assertEquals(1.0 / 3, RankingMetrics.recall(ranked, relevant, 1), TOL);
    }

    @Test
    void hitsAtRanksTwoAndFour() {
        int[] ranked = {2, 0, 5, 3};
        BitSet relevant = set(0, 3);
        // DCG  = 1/log2(3) + 1/log2(5) = 0.6309297535714575 + 0.43067655807339306 = 1.0616063116448506
        // IDCG = 2 ideal hits = 1 + 0.6309297535714575 = 1.6309297535714575
        // NDCG = 0.6509209298071326 (sklearn ndcg_score agrees); MRR = 1/2
        assertEquals(0.6509209298071326, RankingMetrics.ndcg(ranked, relevant, 4), TOL);
        assertEquals((D2 + D4) / (D1 + D2), RankingMetrics.ndcg(ranked, relevant, 4), TOL);
        assertEquals(0.5, RankingMetrics.mrr(ranked, relevant, 4), TOL);
        assertEquals(0.5, RankingMetrics.precision(ranked, relevant, 4), TOL);
        assertEquals(1.0, RankingMetrics.recall(ranked, relevant, 4), TOL);
        // k = 1: the first item is a miss -> everything 0
        assertEquals(0.0, RankingMetrics.ndcg(ranked, relevant, 1), 0.0);
        assertEquals(0.0, RankingMetrics.mrr(ranked, relevant, 1), 0.0);
        assertEquals(0.0, RankingMetrics.hitRate(ranked, relevant, 1), 0.0);
    }

    @Test
    void moreRelevantThanK() {
        // |rel| = 4 > k = 2, both top-2 are hits: IDCG uses min(4, 2) = 2 ideal hits -> NDCG 1, recall 2/4
        int[] ranked = {8, 6, 1, 3};
        BitSet relevant = set(8, 6, 3, 4);
        assertEquals(1.0, RankingMetrics.ndcg(ranked, relevant, 2), TOL);
        assertEquals(0.5, RankingMetrics.recall(ranked, relevant, 2), TOL);
        assertEquals(1.0, RankingMetrics.precision(ranked, relevant, 2), TOL);
    }

    @Test
    void listShorterThanK() {
        // one candidate only, and it is relevant; k = 5
        //   NDCG: DCG 1, IDCG min(1, 5) = 1 hit -> 1; precision = 1 hit / k = 5 -> 0.2; recall 1
        int[] ranked = {4};
        int[] relevant = {4};
        assertEquals(1.0, RankingMetrics.ndcg(ranked, relevant, 5), TOL);
        assertEquals(0.2, RankingMetrics.precision(ranked, relevant, 5), TOL);
        assertEquals(1.0, RankingMetrics.recall(ranked, relevant, 5), TOL);
        assertEquals(1.0, RankingMetrics.mrr(ranked, relevant, 5), TOL);
        // empty list
        assertEquals(0.0, RankingMetrics.ndcg(new int[0], relevant, 5), 0.0);
        assertEquals(0.0, RankingMetrics.hitRate(new int[0], relevant, 5), 0.0);
    }

    @Test
    void noRelevantOrNoHits() {
        int[] ranked = {1, 2, 3};
        for (int[] relevant : new int[][] {{}, {9}}) {
            assertEquals(0.0, RankingMetrics.ndcg(ranked, relevant, 3), 0.0);
            assertEquals(0.0, RankingMetrics.precision(ranked, relevant, 3), 0.0);
            assertEquals(0.0, RankingMetrics.recall(ranked, relevant, 3), 0.0);
            assertEquals(0.0, RankingMetrics.hitRate(ranked, relevant, 3), 0.0);
            assertEquals(0.0, RankingMetrics.mrr(ranked, relevant, 3), 0.0);
        }
        assertThrows(IllegalArgumentException.class, () -> RankingMetrics.ndcg(ranked, new int[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> RankingMetrics.ndcg(ranked, new int[] {-1}, 1));
        assertThrows(IllegalArgumentException.class, () -> RankingMetrics.ndcg(null, new int[] {1}, 1));
    }

    @Test
    void accumulatorAveragesOverUsersWithRelevantItems() {
        RankingMetrics.Accumulator acc = new RankingMetrics.Accumulator(3, 1, 3);
        // user A: ranked {5,2,7,1,9}, rel {5,7,3}: as hitsAtRanksOneAndThree
        //   @1: ndcg 1, precision 1, recall 1/3, hr 1, mrr 1
        //   @3: ndcg 0.7039180890341347, precision 2/3, recall 2/3, hr 1, mrr 1
        assertTrue(acc.add(new int[] {5, 2, 7, 1, 9}, new int[] {5, 7, 3, 7})); // duplicate 7 counted once
        // user B: ranked {2,0,5}, rel {0}: hit at rank 2
        //   @1: all 0
        //   @3: ndcg = (1/log2 3) / 1 = 0.6309297535714575, precision 1/3, recall 1, hr 1, mrr 1/2
        assertTrue(acc.add(new int[] {2, 0, 5}, set(0)));
        // user C: no relevant item -> skipped
        assertFalse(acc.add(new int[] {1, 2, 3}, new int[0]));
        assertEquals(2, acc.users());
        assertEquals(1, acc.skippedUsers());

        Map<String, Double> m = acc.means();
        assertIterableEquals(List.of("ndcg@1", "precision@1", "recall@1", "hr@1", "mrr@1",
                "ndcg@3", "precision@3", "recall@3", "hr@3", "mrr@3"), m.keySet());
        assertEquals((1.0 + 0.0) / 2, m.get("ndcg@1"), TOL);
        assertEquals((1.0 + 0.0) / 2, m.get("precision@1"), TOL);
        assertEquals((1.0 / 3 + 0.0) / 2, m.get("recall@1"), TOL);
        assertEquals(0.5, m.get("hr@1"), TOL);
        assertEquals(0.5, m.get("mrr@1"), TOL);
        assertEquals((0.7039180890341347 + D2) / 2, m.get("ndcg@3"), TOL);
        assertEquals((2.0 / 3 + 1.0 / 3) / 2, m.get("precision@3"), TOL);
        assertEquals((2.0 / 3 + 1.0) / 2, m.get("recall@3"), TOL);
        assertEquals(1.0, m.get("hr@3"), TOL);
        assertEquals((1.0 + 0.5) / 2, m.get("mrr@3"), TOL);
    }

    @Test
    void accumulatorAgreesWithPerUserFunctionsAndMerges() {
        java.util.Random rnd = new java.util.Random(3);
        int[] ks = {1, 5, 10, 50};
        RankingMetrics.Accumulator all = new RankingMetrics.Accumulator(ks);
        RankingMetrics.Accumulator a = new RankingMetrics.Accumulator(ks);
        RankingMetrics.Accumulator b = new RankingMetrics.Accumulator(ks);
        double[][] sums = new double[ks.length][5];
        int counted = 0;
        for (int u = 0; u < 300; u++) {
            int nItems = 20 + rnd.nextInt(200);
            float[] scores = new float[nItems];
            for (int i = 0; i < nItems; i++) scores[i] = rnd.nextFloat();
            int[] relevant = rnd.ints(rnd.nextInt(8), 0, nItems).toArray(); // may repeat, may be empty
            int[] ranked = TopK.topK(scores, 50);
            boolean added = all.add(ranked, relevant);
            (u % 2 == 0 ? a : b).add(ranked, relevant);
            assertEquals(relevant.length > 0, added);
            if (!added) continue;
            counted++;
            for (int j = 0; j < ks.length; j++) {
                sums[j][0] += RankingMetrics.ndcg(ranked, relevant, ks[j]);
                sums[j][1] += RankingMetrics.precision(ranked, relevant, ks[j]);
                sums[j][2] += RankingMetrics.recall(ranked, relevant, ks[j]);
                sums[j][3] += RankingMetrics.hitRate(ranked, relevant, ks[j]);
                sums[j][4] += RankingMetrics.mrr(ranked, relevant, ks[j]);
            }
        }
        Map<String, Double> m = all.means();
        long usersA = a.users(), usersB = b.users(), skippedA = a.skippedUsers(), skippedB = b.skippedUsers();
        Map<String, Double> merged = a.merge(b).means(); // merge adds b into a
        String[] names = {"ndcg", "precision", "recall", "hr", "mrr"};
        for (int j = 0; j < ks.length; j++) {
            for (int t = 0; t < 5; t++) {
                String key = names[t] + "@" + ks[j];
                assertEquals(sums[j][t] / counted, m.get(key), 1e-12, key);
                assertEquals(m.get(key), merged.get(key), 1e-12, key);
            }
        }
        assertEquals(counted, all.users());
        assertEquals(all.users(), usersA + usersB);
        assertEquals(all.users(), a.users());
        assertEquals(all.skippedUsers(), skippedA + skippedB);
        assertTrue(all.skippedUsers() > 0);
    }

    @Test
    void accumulatorEdgeCases() {
        assertThrows(IllegalArgumentException.class, () -> new RankingMetrics.Accumulator());
        assertThrows(IllegalArgumentException.class, () -> new RankingMetrics.Accumulator(0, 10));
        RankingMetrics.Accumulator acc = new RankingMetrics.Accumulator(10);
        assertFalse(acc.add(new int[] {1}, new BitSet()));
        assertThrows(IllegalStateException.class, acc::means);
        assertThrows(IllegalArgumentException.class, () -> acc.merge(new RankingMetrics.Accumulator(5)));
        assertThrows(IllegalArgumentException.class, () -> acc.add(new int[] {1}, new int[] {2, -1}));
        // a rejected user leaves no trace in the scratch set
        assertFalse(acc.add(new int[] {2}, new int[0]));
        assertTrue(acc.add(new int[] {2}, new int[] {2}));
        assertEquals(1.0, acc.means().get("ndcg@10"), TOL);
        assertEquals(10, acc.maxK());
    }
}
