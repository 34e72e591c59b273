package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class UserItemMatrixTest {

    @Test
    void duplicatesCollapseAndRowsAreSorted() {
        int[] u = {2, 0, 2, 2, 0, 2, 3};
        int[] i = {4, 1, 0, 4, 1, 3, 4};
        UserItemMatrix x = UserItemMatrix.of(4, 5, u, i);
        assertEquals(4, x.rows());
        assertEquals(5, x.cols());
        assertEquals(5, x.nnz()); // (0,1) (2,0) (2,3) (2,4) (3,4)
        assertArrayEquals(new int[] {1}, x.items(0));
        assertArrayEquals(new int[] {}, x.items(1));
        assertArrayEquals(new int[] {0, 3, 4}, x.items(2));
        assertArrayEquals(new int[] {4}, x.items(3));
        assertEquals(3, x.rowLength(2));
        assertTrue(x.contains(2, 3));
        assertFalse(x.contains(2, 2));
        BitSet expected = new BitSet();
        expected.set(0);
        expected.set(3);
        expected.set(4);
        assertEquals(expected, x.itemSet(2));
    }

    @Test
    void subsetKeepsOnlySelectedPairs() {
        int[] u = {0, 0, 1, 1, 1};
        int[] i = {0, 1, 1, 2, 1};
        UserItemMatrix x = UserItemMatrix.of(2, 3, u, i, n -> n % 2 == 0); // pairs 0, 2, 4
        assertEquals(2, x.nnz());
        assertArrayEquals(new int[] {0}, x.items(0));
        assertArrayEquals(new int[] {1}, x.items(1));
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> UserItemMatrix.of(2, 2, new int[] {0}, new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> UserItemMatrix.of(2, 2, new int[] {2}, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> UserItemMatrix.of(2, 2, new int[] {0}, new int[] {}));
        UserItemMatrix x = UserItemMatrix.of(2, 2, new int[] {0}, new int[] {1});
        assertThrows(IndexOutOfBoundsException.class, () -> x.items(2));
    }
}
