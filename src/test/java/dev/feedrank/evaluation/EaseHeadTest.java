package dev.feedrank.evaluation;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EASE^R on a catalogue too large for its items x items matrix: fitted on the most popular items (the head), the
 * others ranked after them, and the head sized to what half the free heap holds.
 */
class EaseHeadTest {

    @Test
    void mostFrequentColumnsAreTheTopCountsTiesByLowerIndexInAscendingOrder() {
        UserItemMatrix x = PureSvdTest.random(60, 25, 0.25, 31L);
        int[] count = new int[25];
        for (int u = 0; u < x.rows(); u++) for (int i : x.items(u)) count[i]++;
        for (int n : new int[] {0, 1, 7, 24, 25, 40}) {
            int[] head = x.mostFrequentColumns(n);
            assertEquals(Math.min(n, 25), head.length);
            BitSet in = new BitSet();
            for (int k = 0; k < head.length; k++) {
                if (k > 0) assertTrue(head[k] > head[k - 1], "ascending: " + Arrays.toString(head));
                in.set(head[k]);
            }
            // no item outside the head beats one inside it (more users, or as many and a lower index)
            for (int out = 0; out < 25; out++) {
                if (in.get(out)) continue;
                for (int h : head) {
                    assertTrue(count[h] > count[out] || (count[h] == count[out] && h < out),
                            "item " + out + " (" + count[out] + " users) left out for " + h + " (" + count[h] + ")");
                }
            }
        }
    }

    @Test
    void selectColumnsKeepsEveryRowAndRenumbersTheColumns() {
        UserItemMatrix x = PureSvdTest.random(40, 20, 0.3, 32L);
        int[] cols = {1, 4, 5, 11, 19};
        UserItemMatrix sub = x.selectColumns(cols);
        assertEquals(40, sub.rows());
        assertEquals(5, sub.cols());
        int nnz = 0;
        for (int u = 0; u < 40; u++) {
            for (int j = 0; j < cols.length; j++) {
                assertEquals(x.contains(u, cols[j]), sub.contains(u, j), "user " + u + ", column " + cols[j]);
                if (sub.contains(u, j)) nnz++;
            }
        }
        assertEquals(nnz, sub.nnz());
        assertThrows(IllegalArgumentException.class, () -> x.selectColumns(new int[] {4, 1}));
        assertThrows(IllegalArgumentException.class, () -> x.selectColumns(new int[] {3, 3}));
        assertThrows(IllegalArgumentException.class, () -> x.selectColumns(new int[] {20}));
    }

    @Test
    void headScorerScoresHeadItemsByTheHeadModelAndRanksTheRestLast() {
        UserItemMatrix x = PureSvdTest.random(90, 30, 0.2, 33L);
        int[] head = x.mostFrequentColumns(12);
        UserItemMatrix sub = x.selectColumns(head);
        EaseR model = EaseR.fit(sub, 10.0);
        UserScorer onHead = model.scorer(sub);
        UserScorer onCatalogue = model.scorer(x, head);
        float[] expected = new float[12];
        float[] scores = new float[30];
        BitSet inHead = new BitSet();
        for (int h : head) inHead.set(h);
        for (int u = 0; u < x.rows(); u++) {
            onHead.score(u, expected);
            onCatalogue.score(u, scores);
            for (int j = 0; j < 12; j++) assertEquals(expected[j], scores[head[j]], 0f, "user " + u + ", item " + head[j]);
            for (int i = 0; i < 30; i++) {
                if (!inHead.get(i)) assertEquals(Float.NEGATIVE_INFINITY, scores[i], "item " + i + " is not in the head");
            }
            // the top 10 (train items masked) are head items as long as enough remain
            BitSet seen = x.itemSet(u);
            int unseenHead = 12;
            for (int h : head) if (seen.get(h)) unseenHead--;
            int[] top = TopK.topK(scores, 10, seen);
            for (int k = 0; k < Math.min(10, unseenHead); k++) assertTrue(inHead.get(top[k]), "top " + k + " = " + top[k]);
        }
        assertThrows(IllegalArgumentException.class, () -> model.scorer(x, Arrays.copyOf(head, 11)));
    }

    @Test
    void theHeadIsTheLargestThatTheMemoryBudgetHolds() {
        // direct path (users >= items): X^T X and one fit on the heap, items^2 floats each; the inverse's copy, LU
        // factors and result natively
        assertEquals(2L * 4 * 10_000 * 10_000, StrongBaselines.easeHeapBytes(50_000, 10_000));
        assertEquals(3L * 4 * 10_000 * 10_000, StrongBaselines.easeNativeBytes(50_000, 10_000));
        // Woodbury path (fewer users than items): one fit, Y (users x items doubles), two users^2 doubles; no native
        assertEquals(4L * 9_742 * 9_742 + 8L * 610 * 9_742 + 16L * 610 * 610, StrongBaselines.easeHeapBytes(610, 9_742));
        assertEquals(0, StrongBaselines.easeNativeBytes(610, 9_742));

        long plenty = 1L << 40;
        long heapFor7000 = 2 * StrongBaselines.easeHeapBytes(500_000, 7_000); // 7,000 items fit half of it exactly
        assertEquals(7_000, StrongBaselines.easeItemsWithin(500_000, 100_000, heapFor7000, plenty));
        assertEquals(6_999, StrongBaselines.easeItemsWithin(500_000, 100_000, heapFor7000 - 1, plenty));
        assertEquals(5_000, StrongBaselines.easeItemsWithin(500_000, 5_000, heapFor7000, plenty), "the cap bounds it");
        long maxFor4000 = 8 * StrongBaselines.easeNativeBytes(500_000, 4_000); // native: an eighth of the max heap
        assertEquals(4_000, StrongBaselines.easeItemsWithin(500_000, 100_000, heapFor7000, maxFor4000));
        assertEquals(3_999, StrongBaselines.easeItemsWithin(500_000, 100_000, heapFor7000, maxFor4000 - 8));
        assertEquals(0, StrongBaselines.easeItemsWithin(500_000, 100_000, 0, plenty));
        // -Xmx3g: at most 5,792 items on the direct path (3 x 4 x 5,792^2 bytes <= 384 MiB)
        assertEquals(5_792, StrongBaselines.easeItemsWithin(500_000, 100_000, plenty, 3L << 30));
        // MovieLens latest-small (610 users, Woodbury): the whole catalogue with 2 GB free, whatever the native budget
        assertEquals(9_742, StrongBaselines.easeItemsWithin(610, 9_742, 2_000_000_000L, 1L << 30));
    }
}
