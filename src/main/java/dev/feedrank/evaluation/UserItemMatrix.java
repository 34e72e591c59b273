package dev.feedrank.evaluation;

import java.util.Arrays;
import java.util.BitSet;
import java.util.function.IntPredicate;

/**
 * Binary users x items matrix in compressed sparse row (CSR) form: row {@code u} holds the sorted, distinct item
 * indices of user {@code u} (an interaction given several times counts once, value 1). Immutable; built with
 * {@link #of(int, int, int[], int[])} from parallel (user, item) arrays, or from a subset of them with
 * {@link #of(int, int, int[], int[], IntPredicate)} (e.g. the training part of a split).
 *
 * <p>Memory: {@code 4 * (rows + 1 + nnz)} bytes.
 */
public final class UserItemMatrix {

    private final int rows;
    private final int cols;
    private final int[] indptr;  // row u is indices[indptr[u] .. indptr[u+1])
    private final int[] indices; // sorted distinct items per row

    private UserItemMatrix(int rows, int cols, int[] indptr, int[] indices) {
        this.rows = rows;
        this.cols = cols;
        this.indptr = indptr;
        this.indices = indices;
    }

    /** All pairs {@code (user[n], item[n])}; duplicates collapse to 1. */
    public static UserItemMatrix of(int rows, int cols, int[] user, int[] item) {
        return of(rows, cols, user, item, null);
    }

    /**
     * The pairs {@code (user[n], item[n])} whose position {@code n} satisfies {@code keep} ({@code null} = all);
     * duplicates collapse to 1.
     *
     * @throws IllegalArgumentException if the arrays differ in length or an index is out of range
     */
    public static UserItemMatrix of(int rows, int cols, int[] user, int[] item, IntPredicate keep) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + " x " + cols);
        }
        if (user == null || item == null || user.length != item.length) {
            throw new IllegalArgumentException("user and item must be non-null parallel arrays");
        }
        int[] count = new int[rows + 1];
        for (int n = 0; n < user.length; n++) {
            if (keep != null && !keep.test(n)) {
                continue;
            }
            int u = user[n];
            int i = item[n];
            if (u < 0 || u >= rows || i < 0 || i >= cols) {
                throw new IllegalArgumentException(
                        "pair " + n + " = (" + u + ", " + i + ") outside " + rows + " x " + cols);
            }
            count[u + 1]++;
        }
        for (int u = 0; u < rows; u++) {
            count[u + 1] += count[u];
        }
        int[] raw = new int[count[rows]];
        int[] fill = Arrays.copyOf(count, rows);
        for (int n = 0; n < user.length; n++) {
            if (keep == null || keep.test(n)) {
                raw[fill[user[n]]++] = item[n];
            }
        }
        // sort each row, drop duplicates, compact in place
        int[] indptr = new int[rows + 1];
        int write = 0;
        for (int u = 0; u < rows; u++) {
            int from = count[u];
            int to = count[u + 1];
            Arrays.sort(raw, from, to);
            indptr[u] = write;
            for (int p = from; p < to; p++) {
                if (p == from || raw[p] != raw[p - 1]) {
                    raw[write++] = raw[p];
                }
            }
        }
        indptr[rows] = write;
        return new UserItemMatrix(rows, cols, indptr, write == raw.length ? raw : Arrays.copyOf(raw, write));
    }

    /** Number of users (rows). */
    public int rows() {
        return rows;
    }

    /** Number of items (columns). */
    public int cols() {
        return cols;
    }

    /** Number of distinct (user, item) pairs. */
    public int nnz() {
        return indptr[rows];
    }

    /** Sorted distinct items of {@code user} (a copy). */
    public int[] items(int user) {
        checkRow(user);
        return Arrays.copyOfRange(indices, indptr[user], indptr[user + 1]);
    }

    /** Number of distinct items of {@code user}. */
    public int rowLength(int user) {
        checkRow(user);
        return indptr[user + 1] - indptr[user];
    }

    /** Whether {@code (user, item)} is set. */
    public boolean contains(int user, int item) {
        checkRow(user);
        return Arrays.binarySearch(indices, indptr[user], indptr[user + 1], item) >= 0;
    }

    /** The items of {@code user} as a {@link BitSet} (e.g. the exclusion set for {@link TopK}). */
    public BitSet itemSet(int user) {
        checkRow(user);
        BitSet set = new BitSet(cols);
        for (int p = indptr[user]; p < indptr[user + 1]; p++) {
            set.set(indices[p]);
        }
        return set;
    }

    // package-private raw access for the baselines (no copies)
    int start(int user) {
        return indptr[user];
    }

    int end(int user) {
        return indptr[user + 1];
    }

    int[] indices() {
        return indices;
    }

    private void checkRow(int user) {
        if (user < 0 || user >= rows) {
            throw new IndexOutOfBoundsException("user " + user + " outside [0, " + rows + ")");
        }
    }
}
