package dev.feedrank.evaluation;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.EmbeddingScores;
import dev.feedrank.model.TaskHeads;
import dev.feedrank.training.TinyDatasets;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batched ranking ({@link FactorScorer}: blocks of users times all items in the engine, masking and top-k per
 * block) against the per-user reference path (the same scorer's {@link UserScorer#score} and {@link TopK}), on random
 * embeddings of ~300 users x 500 items. The engine sums the dot products in another order, so two items whose scores
 * are within float rounding may swap; lists are compared exactly except for such near-ties (rare: the tests print
 * how many users they touch), metric values exactly for the users whose lists agree, and lists exactly where the
 * scores are exact in any summation order (small integer embeddings, full of ties) and for PureSVD (double precision).
 */
class BatchedRankingTest {

    private static final int USERS = 300;
    private static final int ITEMS = 500;

    private static float[] gauss(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return a;
    }

    /** Random exclusions, with the edge cases: nothing, everything, all but 3 items, bits beyond the items. */
    private static BitSet[] exclusions(SplittableRandom r, int users, int items) {
        BitSet[] ex = new BitSet[users];
        for (int j = 0; j < users; j++) {
            BitSet b = new BitSet(items);
            int n = r.nextInt(60);
            for (int t = 0; t < n; t++) b.set(r.nextInt(items));
            ex[j] = b;
        }
        ex[0] = null;
        ex[1] = new BitSet();
        ex[2] = new BitSet();
        ex[2].set(0, items);
        ex[3] = new BitSet();
        ex[3].set(0, items);
        ex[3].clear(7);
        ex[3].clear(100);
        ex[3].clear(499);
        ex[4].set(items + 3);
        return ex;
    }

    private static int[] range(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return a;
    }

    /**
     * The batched lists equal the reference ones, except that two items whose reference scores are within float
     * rounding (1e-5 relative) may be exchanged. Returns the number of users whose lists differ.
     */
    private static int assertSameUpToNearTies(UserScorer scorer, int[] users, int[][] expected, int[][] actual, int items) {
        assertEquals(expected.length, actual.length);
        float[] scores = new float[items];
        int differing = 0;
        for (int j = 0; j < expected.length; j++) {
            if (Arrays.equals(expected[j], actual[j])) continue;
            differing++;
            assertEquals(expected[j].length, actual[j].length, "user " + users[j]);
            scorer.score(users[j], scores);
            for (int p = 0; p < expected[j].length; p++) {
                float a = scores[expected[j][p]];
                float b = scores[actual[j][p]];
                assertTrue(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)),
                        "user " + users[j] + " position " + p + ": " + Arrays.toString(expected[j]) + " vs " + Arrays.toString(actual[j]));
            }
        }
        return differing;
    }

    private static void compare(FactorScorer f, BitSet[] ex, int k, String what) {
        int[] users = range(USERS);
        int[][] reference = UserScorer.topK(f::score, users, ex, ITEMS, k);
        int[][] batched = UserScorer.topK(f, users, ex, ITEMS, k);
        int[][] smallBlocks = f.topK(users, ex, k, 7);
        assertEquals(0, reference[2].length, "everything excluded");
        if (k >= 3) assertArrayEquals(new int[] {7, 100, 499}, Arrays.stream(reference[3]).sorted().toArray());
        int d1 = assertSameUpToNearTies(f, users, reference, batched, ITEMS);
        int d2 = assertSameUpToNearTies(f, users, reference, smallBlocks, ITEMS);
        System.out.printf("%s: %d and %d of %d users' top %d differ by near-ties%n", what, d1, d2, USERS, k);
        assertTrue(d1 + d2 <= 4, what + ": near-ties are rare: " + d1 + " + " + d2);
    }

    @Test
    void dotProductRankingMatchesThePerUserPath() {
        SplittableRandom r = new SplittableRandom(11);
        int d = 16;
        float[] u = gauss(r, USERS * d);
        float[] it = gauss(r, ITEMS * d);
        FactorScorer f = RankingEvaluation.embeddingScorer(u, it, d, EmbeddingScores.dotProduct(d).task("click"));
        BitSet[] ex = exclusions(r, USERS, ITEMS);
        compare(f, ex, 50, "dot");
        compare(f, ex, 1, "dot k=1");
        compare(f, ex, ITEMS, "dot k=items");
        compare(f, ex, ITEMS + 10, "dot k>items");
        assertEquals(0, f.topK(range(USERS), ex, 0)[5].length);
    }

    @Test
    void multiTaskHeadsRankLikeTheirLogits() {
        SplittableRandom r = new SplittableRandom(12);
        int d = 8;
        float[] u = gauss(r, USERS * d);
        float[] it = gauss(r, ITEMS * d);
        BitSet[] ex = exclusions(r, USERS, ITEMS);
        for (String input : List.of("concat-product", "concat")) {
            int width = input.equals("concat") ? 2 * d : 3 * d;
            TaskHeads heads = new TaskHeads(List.of("click", "like"), input, d, gauss(r, 2 * width), gauss(r, 2));
            EmbeddingScores scores = new EmbeddingScores(d, heads);
            for (String task : List.of("click", "like", "share")) {
                compare(RankingEvaluation.embeddingScorer(u, it, d, scores.task(task)), ex, 20, input + " " + task);
            }
        }
    }

    @Test
    void tiesBreakByLowerItemIndexOnBothPaths() {
        // small integer embeddings: every score is exact in any summation order and most scores are tied
        SplittableRandom r = new SplittableRandom(13);
        int d = 4;
        float[] u = new float[USERS * d];
        float[] it = new float[ITEMS * d];
        for (int i = 0; i < u.length; i++) u[i] = r.nextInt(5) - 2;
        for (int i = 0; i < it.length; i++) it[i] = r.nextInt(5) - 2;
        FactorScorer f = RankingEvaluation.embeddingScorer(u, it, d, EmbeddingScores.dotProduct(d).task("click"));
        BitSet[] ex = exclusions(r, USERS, ITEMS);
        int[] users = range(USERS);
        for (int k : new int[] {1, 10, 50, ITEMS}) {
            int[][] reference = UserScorer.topK(f::score, users, ex, ITEMS, k);
            for (int block : k == 10 ? new int[] {1, 7, 4096} : new int[] {7, 4096}) {
                int[][] batched = f.topK(users, ex, k, block);
                for (int j = 0; j < USERS; j++) assertArrayEquals(reference[j], batched[j], "k " + k + " user " + j);
            }
        }
    }

    @Test
    void rankingEvaluationMetricsMatch() {
        PreparedDataset data = TinyDatasets.agreement(USERS, ITEMS, 30_000, 21);
        RankingEvaluation eval = new RankingEvaluation(data, List.of(1, 5, 10, 20));
        assertTrue(eval.users() > 100, "enough ranked users: " + eval.users());
        SplittableRandom r = new SplittableRandom(14);
        int d = 16;
        float[] u = gauss(r, USERS * d);
        float[] it = gauss(r, ITEMS * d);
        FactorScorer f = RankingEvaluation.embeddingScorer(u, it, d, EmbeddingScores.dotProduct(d).task("click"));
        RankingEvaluation.Ranked reference = eval.rank(f::score, 20);
        RankingEvaluation.Ranked batched = eval.rank(f, 20);
        int differing = assertSameUpToNearTies(f, eval.userRows(), reference.top(), batched.top(), ITEMS);
        System.out.printf("ranking evaluation: %d of %d users' top 20 differ by near-ties%n", differing, eval.users());
        // every user whose list is the same has the same metric values; with no near-tie, so do the means
        assertEquals(reference.metrics().keys(), batched.metrics().keys());
        for (String key : reference.metrics().keys()) {
            double[] a = reference.metrics().values(key);
            double[] b = batched.metrics().values(key);
            assertEquals(eval.users(), a.length);
            assertEquals(a.length, b.length);
            for (int j = 0; j < a.length; j++) {
                if (Arrays.equals(reference.top()[j], batched.top()[j])) assertEquals(a[j], b[j], 0.0, key + " user " + j);
            }
        }
        if (differing == 0) {
            Map<String, Double> a = reference.metrics().means();
            Map<String, Double> b = batched.metrics().means();
            a.forEach((key, v) -> assertEquals(v, b.get(key), 1e-9 * Math.max(1, Math.abs(v)), key));
        }
        // the convenience entry point takes the batched path too
        assertEquals(batched.metrics().means(), eval.model(u, it, d));
    }

    @Test
    void pureSvdRanksIdenticallyInDoublePrecision() {
        SplittableRandom r = new SplittableRandom(15);
        int nnz = 12_000;
        int[] user = new int[nnz];
        int[] item = new int[nnz];
        for (int p = 0; p < nnz; p++) {
            user[p] = r.nextInt(USERS);
            // a skewed catalogue so that the factors matter
            item[p] = (int) (ITEMS * Math.pow(r.nextDouble(), 2));
        }
        UserItemMatrix x = UserItemMatrix.of(USERS, ITEMS, user, item);
        PureSvd svd = PureSvd.fit(x, 24, 1L);
        BitSet[] ex = new BitSet[USERS];
        BitSet[] relevant = new BitSet[USERS];
        for (int j = 0; j < USERS; j++) {
            ex[j] = new BitSet();
            for (int i : x.items(j)) ex[j].set(i);
            relevant[j] = new BitSet();
            relevant[j].set(r.nextInt(ITEMS));
        }
        int[] users = range(USERS);
        for (int rank : new int[] {8, 24}) {
            UserScorer s = svd.scorer(rank, x);
            assertTrue(s instanceof FactorScorer);
            int[][] reference = UserScorer.topK(s::score, users, ex, ITEMS, 50);
            int[][] batched = UserScorer.topK(s, users, ex, ITEMS, 50);
            for (int j = 0; j < USERS; j++) assertArrayEquals(reference[j], batched[j], "rank " + rank + " user " + j);
            assertEquals(BaselineSelection.meanNdcg(s::score, users, relevant, ex, ITEMS, 10),
                    BaselineSelection.meanNdcg(s, users, relevant, ex, ITEMS, 10), 0.0);
        }
    }

    @Test
    void nanScoresAreRejectedOnBothPaths() {
        SplittableRandom r = new SplittableRandom(16);
        int d = 4;
        float[] u = gauss(r, 10 * d);
        float[] it = gauss(r, 20 * d);
        it[5 * d + 1] = Float.NaN;
        FactorScorer f = RankingEvaluation.embeddingScorer(u, it, d, EmbeddingScores.dotProduct(d).task("click"));
        int[] users = range(10);
        assertThrows(IllegalArgumentException.class, () -> UserScorer.topK(f::score, users, null, 20, 3));
        assertThrows(IllegalArgumentException.class, () -> f.topK(users, (BitSet[]) null, 3));
        // a NaN in an excluded item is never looked at, on either path
        BitSet[] ex = new BitSet[10];
        for (int j = 0; j < 10; j++) {
            ex[j] = new BitSet();
            ex[j].set(5);
        }
        int[][] reference = UserScorer.topK(f::score, users, ex, 20, 3);
        int[][] batched = f.topK(users, ex, 3);
        for (int j = 0; j < 10; j++) assertArrayEquals(reference[j], batched[j]);
    }
}
