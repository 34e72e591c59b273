package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Bootstrap} sanity and the per-user values / intervals of {@link RankingMetrics.Accumulator}. */
class BootstrapTest {

    private static double[] values(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextDouble() < 0.3 ? random.nextDouble() : 0.0; // ndcg-like: many zeros
        }
        return v;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    @Test
    void containsTheMeanAndNarrowsWithMoreUsers() {
        double[] small = values(200, 1L);
        double[] large = values(5000, 2L);
        Interval a = Bootstrap.percentile(small, 500, 0.95, 7L);
        Interval b = Bootstrap.percentile(large, 500, 0.95, 7L);
        assertTrue(a.contains(mean(small)), a + " vs " + mean(small));
        assertTrue(b.contains(mean(large)), b + " vs " + mean(large));
        // width ~ 1/sqrt(n): 5x fewer... 25x more users -> about 5x narrower
        assertTrue(b.width() < a.width() / 3, a + " / " + b);
        // a lower confidence gives a nested, narrower interval
        Interval c = Bootstrap.percentile(small, 500, 0.5, 7L);
        assertTrue(c.low() >= a.low() && c.high() <= a.high());
    }

    @Test
    void deterministicAndEqualToTheExportedIndices() {
        double[] v = values(100, 3L);
        Interval once = Bootstrap.percentile(v, 300, 0.95, 42L);
        assertEquals(once, Bootstrap.percentile(v, 300, 0.95, 42L));
        assertEquals(once, Bootstrap.percentile(v, Bootstrap.indices(100, 300, 42L), 0.95));
        assertTrue(!once.equals(Bootstrap.percentile(v, 300, 0.95, 43L)));
    }

    @Test
    void pairedDifferenceOfAShiftIsTheShift() {
        double[] a = values(300, 4L);
        double[] b = new double[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i] - 0.1;
        Interval d = Bootstrap.pairedDifference(a, b, 200, 0.95, 5L);
        assertEquals(0.1, d.low(), 1e-12);
        assertEquals(0.1, d.high(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.pairedDifference(a, new double[3], 10, 0.9, 1L));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.percentile(new double[0], 10, 0.9, 1L));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.percentile(a, 10, 1.0, 1L));
    }

    @Test
    void quantileInterpolatesLikeNumpy() {
        double[] sorted = {1, 2, 3, 4};
        // numpy.percentile([1,2,3,4], [2.5, 50, 97.5]) = [1.075, 2.5, 3.925]
        assertEquals(1.075, Bootstrap.quantile(sorted, 0.025), 1e-12);
        assertEquals(2.5, Bootstrap.quantile(sorted, 0.5), 1e-12);
        assertEquals(3.925, Bootstrap.quantile(sorted, 0.975), 1e-12);
    }

    private static BitSet set(int... items) {
        BitSet b = new BitSet();
        for (int i : items) b.set(i);
        return b;
    }

    @Test
    void accumulatorKeepsPerUserValuesAndIntervals() {
        RankingMetrics.Accumulator acc = new RankingMetrics.Accumulator(1, 3);
        assertTrue(acc.add(new int[] {5, 2, 7}, set(5, 7)));   // id 0
        assertTrue(!acc.add(new int[] {1, 2, 3}, set()));      // id 1, skipped
        assertTrue(acc.add(new int[] {1, 2, 3}, new int[] {3})); // id 2
        assertTrue(acc.add(new int[] {9}, set(4)));            // id 3, no hit
        assertArrayEquals(new int[] {0, 2, 3}, acc.userIds());
        assertArrayEquals(new double[] {1, 0, 0}, acc.values("hr@1"), 0.0);
        assertArrayEquals(new double[] {1, 1, 0}, acc.values("hr@3"), 0.0);
        assertArrayEquals(new double[] {1, 1.0 / 3, 0}, acc.values("mrr@3"), 1e-15);
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 3, 0}, acc.values("precision@3"), 1e-15);
        assertArrayEquals(new double[] {1, 1, 0}, acc.values("recall@3"), 1e-15);
        Map<String, Double> means = acc.means();
        assertEquals(acc.keys(), java.util.List.copyOf(means.keySet()));
        for (String key : acc.keys()) {
            assertEquals(means.get(key), mean(acc.values(key)), 1e-12, key);
        }
        Map<String, Interval> intervals = acc.intervals(200, 9L);
        assertEquals(means.keySet(), intervals.keySet());
        for (String key : acc.keys()) {
            Interval expected = Bootstrap.percentile(acc.values(key), 200, 0.95, 9L); // same resampled users
            assertEquals(expected, intervals.get(key), key);
        }
        assertEquals(intervals, acc.intervals(200, 9L));
        assertThrows(IllegalArgumentException.class, () -> acc.values("ndcg@2"));
        assertThrows(IllegalArgumentException.class, () -> acc.values("foo@1"));
        assertThrows(IllegalStateException.class, () -> new RankingMetrics.Accumulator(1).intervals(10, 1L));
    }

    @Test
    void mergeAndPairingByUserId() {
        RankingMetrics.Accumulator champion = new RankingMetrics.Accumulator(2);
        champion.add(10, new int[] {1, 2}, set(1));
        champion.add(11, new int[] {1, 2}, set(2));
        RankingMetrics.Accumulator tail = new RankingMetrics.Accumulator(2);
        tail.add(12, new int[] {1, 2}, set(3));
        champion.merge(tail);
        assertArrayEquals(new int[] {10, 11, 12}, champion.userIds());
        assertEquals(3, champion.users());
        assertArrayEquals(new double[] {1, 1, 0}, champion.values("hr@2"), 0.0);

        RankingMetrics.Accumulator candidate = new RankingMetrics.Accumulator(2);
        candidate.add(12, new int[] {3, 2}, set(3));
        candidate.add(10, new int[] {2, 3}, set(1));
        candidate.add(99, new int[] {2, 3}, set(2));
        double[][] paired = champion.pairedValues(candidate, "hr@2");
        assertArrayEquals(new double[] {1, 0}, paired[0], 0.0); // users 10, 12 in champion order
        assertArrayEquals(new double[] {0, 1}, paired[1], 0.0);
        Interval d = Bootstrap.pairedDifference(paired[1], paired[0], 100, 0.95, 1L);
        assertTrue(d.contains(0.0));
    }
}
