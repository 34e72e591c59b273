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

    /**
     * The {@code n} columns with the most set entries (users), ties by lower index, in ascending index order (all
     * columns when {@code n >= cols}).
     */
    public int[] mostFrequentColumns(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0: " + n);
        }
        if (n >= cols) {
            int[] all = new int[cols];
            for (int j = 0; j < cols; j++) all[j] = j;
            return all;
        }
        int[] count = new int[cols];
        for (int p = 0; p < nnz(); p++) {
            count[indices[p]]++;
        }
        // most users first, then lower index: (Integer.MAX_VALUE - count) in the high word, the index in the low one
        long[] key = new long[cols];
        for (int j = 0; j < cols; j++) {
            key[j] = ((long) (Integer.MAX_VALUE - count[j]) << 32) | j;
        }
        Arrays.sort(key);
        int[] out = new int[n];
        for (int r = 0; r < n; r++) {
            out[r] = (int) key[r];
        }
        Arrays.sort(out);
        return out;
    }

    /**
     * The matrix restricted to the columns {@code columns} (ascending, distinct, in range): column {@code j} of the
     * result is column {@code columns[j]} of this one; every row is kept.
     */
    public UserItemMatrix selectColumns(int[] columns) {
        int[] position = positions(columns, cols);
        int[] ptr = new int[rows + 1];
        int kept = 0;
        for (int p = 0; p < nnz(); p++) {
            if (position[indices[p]] >= 0) kept++;
        }
        int[] out = new int[kept];
        int write = 0;
        for (int u = 0; u < rows; u++) {
            ptr[u] = write;
            for (int p = indptr[u]; p < indptr[u + 1]; p++) {
                int j = position[indices[p]];
                if (j >= 0) out[write++] = j; // ascending: the mapping keeps the order
            }
        }
        ptr[rows] = write;
        return new UserItemMatrix(rows, columns.length, ptr, out);
    }

    /**
     * Per column of a {@code cols}-column matrix, its index in {@code columns} (ascending, distinct, in range), or
     * {@code -1} when it is not one of them.
     */
    static int[] positions(int[] columns, int cols) {
        int[] position = new int[cols];
        Arrays.fill(position, -1);
        for (int j = 0; j < columns.length; j++) {
            int c = columns[j];
            if (c < 0 || c >= cols || (j > 0 && c <= columns[j - 1])) {
                throw new IllegalArgumentException("columns must be ascending, distinct and in [0, " + cols
                        + "): " + c + " at " + j);
            }
            position[c] = j;
        }
        return position;
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
