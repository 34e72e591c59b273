package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class BaselineSelectionTest {

    private static BitSet set(int... items) {
        BitSet b = new BitSet();
        for (int i : items) b.set(i);
        return b;
    }

    /** Candidate c scores item j as -|j - c|: its top item is c, then c-1/c+1, ... */
    private static UserScorer peakAt(int c) {
        return (user, out) -> {
            for (int j = 0; j < out.length; j++) {
                out[j] = -Math.abs(j - c);
            }
        };
    }

    @Test
    void picksTheCandidateWithTheBestMeanNdcg() {
        int items = 10;
        int[] users = {0, 1, 2};
        BitSet[] relevant = {set(6), set(6, 7), set()}; // user 2 has nothing relevant: skipped
        BitSet[] exclude = {null, set(5), null};
        BaselineSelection.Selected<Integer> s =
                BaselineSelection.best(List.of(2, 6, 7), BaselineSelectionTest::peakAt, users, relevant, exclude,
                        items, 1);
        assertEquals(6, s.best());
        assertEquals(1, s.bestIndex());
        // ndcg@1: candidate 2 -> tops 2, 2 -> 0; candidate 6 -> 6 and 6 -> 1; candidate 7 -> 7 (miss), 7 (hit) -> 0.5
        assertArrayEquals(new double[] {0.0, 1.0, 0.5}, s.ndcg(), 1e-12);
        assertEquals(1.0, s.bestNdcg(), 0.0);
        assertEquals(List.of(2, 6, 7), s.candidates());
    }

    @Test
    void tiesGoToTheFirstAndExclusionsAreApplied() {
        int[] users = {0};
        BitSet[] relevant = {set(3)};
        // candidates 3 and 3 tie; with item 3 excluded nobody can hit, all 0 -> the first
        BaselineSelection.Selected<Integer> s =
                BaselineSelection.best(List.of(4, 3, 3), BaselineSelectionTest::peakAt, users, relevant, null, 8, 2);
        assertEquals(1, s.bestIndex());
        BaselineSelection.Selected<Integer> none = BaselineSelection.best(List.of(4, 3), BaselineSelectionTest::peakAt,
                users, relevant, new BitSet[] {set(3)}, 8, 2);
        assertEquals(0, none.bestIndex());
        assertArrayEquals(new double[] {0, 0}, none.ndcg(), 0.0);
    }

    @Test
    void rejectsNoRelevantUser() {
        assertThrows(IllegalArgumentException.class, () -> BaselineSelection.best(List.of(1),
                BaselineSelectionTest::peakAt, new int[] {0}, new BitSet[] {set()}, null, 4, 1));
    }
}
