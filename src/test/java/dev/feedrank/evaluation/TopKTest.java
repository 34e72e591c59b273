package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopKTest {

    @Test
    void bestFirstWithTiesByLowerIndex() {
        //            idx:  0     1     2     3     4     5
        float[] scores = {0.3f, 0.9f, 0.5f, 0.9f, 0.1f, 0.5f};
        // order: 0.9 (1), 0.9 (3), 0.5 (2), 0.5 (5), 0.3 (0), 0.1 (4)
        assertArrayEquals(new int[] {1, 3, 2}, TopK.topK(scores, 3));
        assertArrayEquals(new int[] {1, 3, 2, 5, 0, 4}, TopK.topK(scores, 6));
        assertArrayEquals(new int[] {1}, TopK.topK(scores, 1));
    }

    @Test
    void exclusionsAndShortResults() {
        float[] scores = {0.3f, 0.9f, 0.5f, 0.9f, 0.1f, 0.5f};
        BitSet excluded = new BitSet();
        excluded.set(1);
        excluded.set(2);
        excluded.set(100); // beyond the scores: ignored
        assertArrayEquals(new int[] {3, 5}, TopK.topK(scores, 2, excluded));
        // k larger than the candidates: all remaining, best first
        assertArrayEquals(new int[] {3, 5, 0, 4}, TopK.topK(scores, 10, excluded));
        excluded.set(0, 6);
        assertArrayEquals(new int[0], TopK.topK(scores, 3, excluded));
        assertArrayEquals(new int[0], TopK.topK(scores, 0));
        assertArrayEquals(new int[0], TopK.topK(new float[0], 5));
        // the caller's BitSet is not modified
        assertEquals(7, excluded.cardinality());
    }

    @Test
    void signedZeroAndInfinities() {
        float[] scores = {0.0f, Float.NEGATIVE_INFINITY, -0.0f, Float.POSITIVE_INFINITY, -1f};
        assertArrayEquals(new int[] {3, 0, 2, 4, 1}, TopK.topK(scores, 5));
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> TopK.topK(new float[] {1f}, -1));
        assertThrows(IllegalArgumentException.class, () -> TopK.topK(new float[] {1f, Float.NaN}, 1));
        assertThrows(IllegalArgumentException.class, () -> TopK.topK(null, 1));
        // a NaN that is excluded is never looked at
        BitSet excluded = new BitSet();
        excluded.set(1);
        assertArrayEquals(new int[] {0}, TopK.topK(new float[] {1f, Float.NaN}, 1, excluded));
    }

    @Test
    void matchesFullSortOnRandomInputsWithTies() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(trial < 150 ? 300 : 10_000);
            float[] scores = new float[n];
            int levels = 1 + rnd.nextInt(50); // few distinct values -> many ties
            for (int i = 0; i < n; i++) {
                scores[i] = trial % 2 == 0 ? rnd.nextInt(levels) / (float) levels : rnd.nextFloat();
            }
            BitSet excluded = new BitSet();
            double excludeRate = rnd.nextDouble() * 0.5;
            for (int i = 0; i < n; i++) {
                if (rnd.nextDouble() < excludeRate) excluded.set(i);
            }
            int k = rnd.nextInt(Math.min(n, 120) + 5);
            int[] expected = IntStream.range(0, n).filter(i -> !excluded.get(i)).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i))
                    .limit(k).mapToInt(Integer::intValue).toArray();
            int[] actual = TopK.topK(scores, k, excluded);
            assertArrayEquals(expected, actual, () -> "trial n=" + n + " k=" + k);
        }
    }

    @Test
    void tenThousandItemsIsFast() {
        // not a benchmark, just a guard against accidental O(n log n) full sorts / O(n k) selection
        Random rnd = new Random(7);
        float[] scores = new float[10_000];
        for (int i = 0; i < scores.length; i++) scores[i] = rnd.nextFloat();
        int[] top = null;
        for (int rep = 0; rep < 300; rep++) top = TopK.topK(scores, 50);   // warm-up
        long start = System.nanoTime();
        int reps = 1000;
        for (int rep = 0; rep < reps; rep++) top = TopK.topK(scores, 50);
        double perCallMs = (System.nanoTime() - start) / 1e6 / reps;
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        assertEquals(sorted[sorted.length - 1], scores[top[0]]);
        assertEquals(sorted[sorted.length - 50], scores[top[49]]);
        // typically ~0.02 ms; the bound is generous for a loaded CI machine
        org.junit.jupiter.api.Assertions.assertTrue(perCallMs < 5.0, "topK(10k, 50) took " + perCallMs + " ms");
    }
}
