package dev.feedrank.evaluation;

import dev.feedrank.data.Examples;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.PreparedDataset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link RankingEvaluation} masks and judges, on a hand-built dataset with hand-set scores (6 items, 4 users):
 * <pre>
 *            train                                   validation   test
 *   user 0   click 0, sampled neg 1, non-click 2     click 3      click 3, click 4, sampled neg 5
 *   user 1   click 1                                 -            click 2, click 1
 *   user 2   click 5                                 click 0      -
 *   user 3   click 5, click 1, sampled neg 2 (x3)    -            non-click 4, sampled neg 2
 * </pre>
 */
class RankingEvaluationMaskTest {
    private static final double EPS = 1e-12;
    private static final List<Integer> KS = List.of(1, 2);

    /** Hand-set scores, [user][item]. */
    private static final float[][] SCORES = {
            {9, 8, 6, 10, 7, 1},   // user 0: its validation item 3 and train item 0 score highest
            {3, 10, 5, 2, 1, 0},   // user 1: its train item 1 scores highest
            {1, 0, 5, 0, 0, 10},   // user 2: its train item 5 scores highest, validation item 0 is second after masking
            {0, 0, 0, 0, 9, 0},
    };

    private static final UserScorer SCORER = (u, out) -> System.arraycopy(SCORES[u], 0, out, 0, out.length);

    /** Rows of one split: {user, item, click, sampled}. */
    private static Examples examples(int[]... rows) {
        int n = rows.length;
        int[] user = new int[n];
        int[] item = new int[n];
        float[] click = new float[n];
        boolean[] sampled = new boolean[n];
        long[] ts = new long[n];
        for (int i = 0; i < n; i++) {
            user[i] = rows[i][0];
            item[i] = rows[i][1];
            click[i] = rows[i][2];
            sampled[i] = rows[i][3] == 1;
            ts[i] = 1_600_000_000L + i;
        }
        return new Examples(user, item, click, new float[n], new float[n], sampled, ts);
    }

    private static FeatureTable table(String prefix, int rows) {
        String[] ids = new String[rows];
        int[] vocab = new int[rows];
        for (int r = 0; r < rows; r++) {
            ids[r] = prefix + r;
            vocab[r] = r + 1;
        }
        return new FeatureTable(ids, vocab, rows + 1, new float[rows], List.of("f"));
    }

    static PreparedDataset dataset() {
        Examples train = examples(
                new int[] {0, 0, 1, 0}, new int[] {0, 1, 0, 1}, new int[] {0, 2, 0, 0},
                new int[] {1, 1, 1, 0},
                new int[] {2, 5, 1, 0},
                new int[] {3, 5, 1, 0}, new int[] {3, 1, 1, 0},
                new int[] {3, 2, 0, 1}, new int[] {3, 2, 0, 1}, new int[] {3, 2, 0, 1});
        Examples validation = examples(
                new int[] {0, 3, 1, 0},
                new int[] {2, 0, 1, 0});
        Examples test = examples(
                new int[] {0, 3, 1, 0}, new int[] {0, 4, 1, 0}, new int[] {0, 5, 0, 1},
                new int[] {1, 2, 1, 0}, new int[] {1, 1, 1, 0},
                new int[] {3, 4, 0, 0}, new int[] {3, 2, 0, 1});
        return new PreparedDataset("hand", "hand", table("u", 4), table("i", 6), train, validation, test, Map.of());
    }

    private static BitSet bits(int... items) {
        BitSet b = new BitSet();
        for (int i : items) b.set(i);
        return b;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    @Test
    void testRankingMasksTrainAndValidationAndJudgesOnlyNewItems() {
        RankingEvaluation eval = new RankingEvaluation(dataset(), KS);
        // user 2 has no test row, user 3 only a non-click and a sampled negative: neither is judged
        assertEquals(2, eval.users());
        assertArrayEquals(new int[] {0, 1}, eval.userRows());
        assertEquals(6, eval.items());
        // user 0: validation item 3 (also clicked in test) and train click 0 are masked; item 3 is not relevant
        assertEquals(bits(0, 3), eval.historyOf(0));
        assertEquals(bits(4), eval.relevantOf(0));
        // user 1: re-click of train item 1 in test is neither relevant nor rankable
        assertEquals(bits(1), eval.historyOf(1));
        assertEquals(bits(2), eval.relevantOf(1));

        RankingEvaluation.Ranked ranked = eval.rank(SCORER, 3);
        // user 0: 3 and 0 masked; the sampled negative 1 and the observed non-click 2 are not history
        assertArrayEquals(new int[] {1, 4, 2}, ranked.top()[0]);
        assertArrayEquals(new int[] {2, 0, 3}, ranked.top()[1]);
        Map<String, Double> m = ranked.metrics().means();
        // user 0 hits at rank 2, user 1 at rank 1
        assertEquals(0.5, m.get("ndcg@1"), EPS);
        assertEquals(0.5, m.get("hr@1"), EPS);
        assertEquals(1.0, m.get("hr@2"), EPS);
        assertEquals((1 / log2(3) + 1) / 2, m.get("ndcg@2"), EPS);
        assertEquals(0.75, m.get("mrr@2"), EPS);
    }

    @Test
    void validationRankingMasksTrainButNotValidation() {
        RankingEvaluation eval = RankingEvaluation.validation(dataset(), KS, 100, 1L);
        assertArrayEquals(new int[] {0, 2}, eval.userRows());
        // user 0: only the train click is masked; its validation item 3 is relevant and ranks first
        assertEquals(bits(0), eval.historyOf(0));
        assertEquals(bits(3), eval.relevantOf(0));
        assertEquals(bits(5), eval.historyOf(1));
        assertEquals(bits(0), eval.relevantOf(1));

        RankingEvaluation.Ranked ranked = eval.rank(SCORER, 2);
        assertArrayEquals(new int[] {3, 1}, ranked.top()[0]);
        assertArrayEquals(new int[] {2, 0}, ranked.top()[1]);
        Map<String, Double> m = ranked.metrics().means();
        assertEquals(0.5, m.get("ndcg@1"), EPS);
        assertEquals(0.5, m.get("hr@1"), EPS);
        assertEquals(1.0, m.get("hr@2"), EPS);
        assertEquals((1 + 1 / log2(3)) / 2, m.get("ndcg@2"), EPS);
    }

    @Test
    void popularityCountsObservedTrainPositivesOnly() {
        RankingEvaluation eval = new RankingEvaluation(dataset(), KS);
        float[] pop = new float[6];
        eval.popularityScorer().score(0, pop);
        // item 2: three sampled negatives and one observed non-click in train, one sampled negative in test -> 0;
        // item 3/4: validation and test clicks do not count
        assertArrayEquals(new float[] {1, 2, 0, 0, 0, 2}, pop);
        RankingEvaluation.Ranked ranked = eval.rank(eval.popularityScorer(), 3);
        // ties by lower item index; user 0 masks {0, 3}, user 1 masks {1}
        assertArrayEquals(new int[] {1, 5, 2}, ranked.top()[0]);
        assertArrayEquals(new int[] {5, 0, 2}, ranked.top()[1]);
        Map<String, Double> m = eval.popularity();
        assertEquals(0.0, m.get("hr@2"), EPS);
        assertEquals(0.0, m.get("ndcg@2"), EPS);
    }

    /** 20 users, user u clicked item u in train and item 20 + u in validation: all 20 are judged. */
    private static PreparedDataset twentyUsers() {
        List<int[]> train = new ArrayList<>();
        List<int[]> validation = new ArrayList<>();
        for (int u = 0; u < 20; u++) {
            train.add(new int[] {u, u, 1, 0});
            validation.add(new int[] {u, 20 + u, 1, 0});
        }
        return new PreparedDataset("twenty", "twenty", table("u", 20), table("i", 40),
                examples(train.toArray(int[][]::new)), examples(validation.toArray(int[][]::new)), examples(),
                Map.of());
    }

    @Test
    void validationSampleIsBoundedSortedAndSeeded() {
        PreparedDataset data = twentyUsers();
        int[] all = new int[20];
        Arrays.setAll(all, u -> u);
        assertArrayEquals(all, RankingEvaluation.validation(data, KS, 20, 1L).userRows());
        assertArrayEquals(all, RankingEvaluation.validation(data, KS, 1000, 1L).userRows());
        assertEquals(0, new RankingEvaluation(data, KS).users(), "nothing in test");

        Set<String> samples = new HashSet<>();
        for (long seed = 1; seed <= 5; seed++) {
            RankingEvaluation a = RankingEvaluation.validation(data, KS, 5, seed);
            int[] rows = a.userRows();
            assertEquals(5, a.users());
            assertEquals(5, rows.length);
            for (int k = 1; k < rows.length; k++) assertTrue(rows[k - 1] < rows[k], "ascending, distinct: " + Arrays.toString(rows));
            for (int r : rows) assertTrue(r >= 0 && r < 20);
            assertArrayEquals(rows, RankingEvaluation.validation(data, KS, 5, seed).userRows(), "seeded");
            // each sampled user keeps its own relevant item and history
            for (int k = 0; k < rows.length; k++) {
                assertEquals(bits(20 + rows[k]), a.relevantOf(k));
                assertEquals(bits(rows[k]), a.historyOf(k));
            }
            // the metrics line up with the sampled users: a scorer that ranks user u's validation item first
            Map<String, Double> m = a.rank((u, out) -> {
                Arrays.fill(out, 0f);
                out[20 + u] = 1f;
            }, 0).metrics().means();
            assertEquals(1.0, m.get("ndcg@1"), EPS);
            samples.add(Arrays.toString(rows));
        }
        assertTrue(samples.size() > 1, "the seed changes the sample: " + samples);
    }
}
