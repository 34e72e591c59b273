package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ChurnTest {

    @Test
    void handComputed() {
        int[][] a = {{1, 2, 3}, {4, 5, 6}, {}, {7, 8}};
        int[][] b = {{3, 2, 1}, {4, 9, 10}, {}, {8, 11}};
        // k = 3: user 0 same set (J = 1), user 1 {4,5,6} vs {4,9,10}: 1/5, user 2 both empty: 1,
        //        user 3 {7,8} vs {8,11}: 1/3 -> churn = 1 - (1 + 0.2 + 1 + 1/3) / 4
        assertEquals(1 - (1 + 0.2 + 1 + 1.0 / 3) / 4, Churn.atK(a, b, 3), 1e-12);
        // k = 1: {1} vs {3}: 0, {4} vs {4}: 1, empty: 1, {7} vs {8}: 0 -> 1 - 2/4
        assertEquals(0.5, Churn.atK(a, b, 1), 1e-12);
        // k = 2: {1,2} vs {3,2}: 1/3, {4,5} vs {4,9}: 1/3, 1, {7,8} vs {8,11}: 1/3
        assertEquals(1 - (1.0 / 3 * 3 + 1) / 4, Churn.atK(a, b, 2), 1e-12);
    }

    @Test
    void identicalIsZeroDisjointIsOneAndOneEmptyIsOne() {
        int[][] a = {{1, 2}, {3}};
        assertEquals(0.0, Churn.atK(a, a, 5), 0.0);
        assertEquals(1.0, Churn.atK(a, new int[][] {{5, 6}, {7}}, 2), 0.0);
        assertEquals(1.0, Churn.atK(new int[][] {{1}}, new int[][] {{}}, 2), 0.0);
    }

    @Test
    void rejectsMismatch() {
        assertThrows(IllegalArgumentException.class, () -> Churn.atK(new int[][] {{1}}, new int[][] {}, 1));
        assertThrows(IllegalArgumentException.class, () -> Churn.atK(new int[][] {}, new int[][] {}, 1));
        assertThrows(IllegalArgumentException.class, () -> Churn.atK(new int[][] {{1}}, new int[][] {{1}}, 0));
    }
}
