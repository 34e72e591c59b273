package dev.feedrank.evaluation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedrank.model.DjlRuntime;

import java.util.Arrays;
import java.util.BitSet;
import java.util.function.IntFunction;

/**
 * A {@link UserScorer} whose ranking of the items is that of an inner product, {@code query(u) . factor(i)}, so
 * that many users are ranked at once in the engine: one matrix multiply per block of users ({@code block x dim}
 * times {@code dim x items}, PyTorch through DJL), the block's excluded items set to {@code -inf}, and
 * {@link NDArray#topK} per row. Blocks hold at most {@link #BLOCK_BYTES} of scores, so memory stays bounded
 * whatever the number of users.
 *
 * <p>{@link #score} stays the per-user reference (the scorer's own arithmetic, e.g. a Java dot product); the
 * ranking paths ({@link RankingEvaluation#rank}, {@link UserScorer#topK}, {@link BaselineSelection#meanNdcg})
 * use {@link #topK} instead. Both order items the same way ({@link TopK}'s rule: higher score first, equal scores by
 * lower index): the engine's top {@code k + 1} per row is re-sorted in Java with that rule, and a row whose
 * {@code k}-th and {@code (k+1)}-th scores are equal (a tie across the cut, e.g. fewer candidates than {@code k})
 * is selected by {@link TopK} over that row's engine scores. The scores themselves are the engine's: the matrix
 * multiply sums in another order than the per-user loop, so two items whose scores are within float rounding may
 * come out in the other order. With {@code float64}, the product is computed in double precision and rounded to
 * float, as a per-user loop accumulating in double does (PureSVD), which makes such swaps practically impossible.
 */
public final class FactorScorer implements UserScorer {

    /** Bytes of one block's scores at most: 64 MB (16M float32 scores, or 8M float64 ones before the cast). */
    public static final long BLOCK_BYTES = 64L << 20;

    /** Fills {@code out[off..off+dim)} with the query vector of {@code user}. */
    @FunctionalInterface
    public interface Queries {
        void query(int user, double[] out, int off);
    }

    private final int items;
    private final int dim;
    private final float[] factors;
    private final boolean float64;
    private final Queries queries;
    private final UserScorer reference;

    /**
     * @param items     number of items
     * @param dim       width of the queries and the item factors
     * @param factors   item factors, row-major {@code items x dim}
     * @param float64   multiply in double precision (then round the scores to float)
     * @param queries   each user's query vector
     * @param reference the per-user scores ({@link #score}); its ranking must be that of the inner product (it may
     *                  add a per-user constant)
     */
    public FactorScorer(int items, int dim, float[] factors, boolean float64, Queries queries, UserScorer reference) {
        if (items < 0 || dim < 1 || factors.length != (long) items * dim) {
            throw new IllegalArgumentException("need items x dim factors: " + items + " x " + dim + ", got " + factors.length);
        }
        this.items = items;
        this.dim = dim;
        this.factors = factors;
        this.float64 = float64;
        this.queries = queries;
        this.reference = reference;
    }

    public int items() {
        return items;
    }

    @Override
    public void score(int user, float[] out) {
        reference.score(user, out);
    }

    /** Users per block: as many as fit {@link #BLOCK_BYTES} of scores, at least one. */
    int blockUsers() {
        long perUser = (long) Math.max(1, items) * (float64 ? 8 : 4);
        return (int) Math.max(1, Math.min(4096, BLOCK_BYTES / perUser));
    }

    /** {@link UserScorer#topK} for this scorer, batched: see the class comment. */
    public int[][] topK(int[] users, BitSet[] exclude, int k) {
        return topK(users, exclude, k, blockUsers());
    }

    int[][] topK(int[] users, BitSet[] exclude, int k, int blockUsers) {
        if (exclude != null && exclude.length != users.length) {
            throw new IllegalArgumentException("exclude has " + exclude.length + " entries for " + users.length + " users");
        }
        return topK(users, exclude == null ? null : j -> exclude[j], k, blockUsers);
    }

    /**
     * As {@link #topK(int[], BitSet[], int)}, with the exclusions of the j-th user given by {@code exclude.apply(j)}
     * (null: none), asked for one block of users at a time: a caller that keeps its users' items compactly builds
     * at most one block's sets at once instead of one items-wide set per user for the whole ranking.
     */
    public int[][] topK(int[] users, IntFunction<BitSet> exclude, int k) {
        return topK(users, exclude, k, blockUsers());
    }

    int[][] topK(int[] users, IntFunction<BitSet> exclude, int k, int blockUsers) {
        if (k < 0) throw new IllegalArgumentException("k must be >= 0: " + k);
        int[][] out = new int[users.length][];
        if (k == 0 || items == 0) {
            for (int j = 0; j < users.length; j++) out[j] = new int[0];
            return out;
        }
        if (users.length == 0) return out;
        DjlRuntime.ensureOffline();
        int fetch = Math.min(k + 1, items);
        DataType type = float64 ? DataType.FLOAT64 : DataType.FLOAT32;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray itemMatrix = manager.create(factors, new Shape(items, dim));
            if (float64) itemMatrix = itemMatrix.toType(DataType.FLOAT64, false);
            NDArray itemsT = itemMatrix.transpose();
            double[] q = new double[blockUsers * dim];
            for (int start = 0; start < users.length; start += blockUsers) {
                int end = Math.min(users.length, start + blockUsers);
                int b = end - start;
                for (int j = start; j < end; j++) queries.query(users[j], q, (j - start) * dim);
                BitSet[] ex = new BitSet[b];
                if (exclude != null) for (int j = start; j < end; j++) ex[j - start] = exclude.apply(j);
                try (NDManager block = manager.newSubManager()) {
                    NDArray query = float64
                            ? block.create(Arrays.copyOf(q, b * dim), new Shape(b, dim))
                            : block.create(toFloat(q, b * dim), new Shape(b, dim));
                    NDArray scores = query.matMul(itemsT);
                    if (float64) scores = scores.toType(DataType.FLOAT32, false);
                    mask(block, scores, ex);
                    NDList top = scores.topK(fetch, 1, true, true);
                    float[] values = top.get(0).toFloatArray();
                    long[] index = top.get(1).toLongArray();
                    long[] ties = new long[b];
                    int tied = 0;
                    for (int j = start; j < end; j++) {
                        int r = j - start;
                        out[j] = select(values, index, r * fetch, fetch, k, candidates(ex[r]));
                        if (out[j] == null) ties[tied++] = r;
                    }
                    if (tied > 0) {
                        // the rows with a tie across the cut, fetched at once: TopK decides on their engine scores
                        float[] rows = scores.get(new NDIndex("{}", block.create(Arrays.copyOf(ties, tied)))).toFloatArray();
                        float[] row = new float[items];
                        for (int t = 0; t < tied; t++) {
                            int j = start + (int) ties[t];
                            System.arraycopy(rows, t * items, row, 0, items);
                            out[j] = TopK.topK(row, k, ex[(int) ties[t]]);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static float[] toFloat(double[] a, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) a[i];
        return f;
    }

    /** Items of each row's exclusions ({@code exclude[row]}, null: none) to {@code -inf}, in place. */
    private void mask(NDManager block, NDArray scores, BitSet[] exclude) {
        int n = 0;
        for (BitSet ex : exclude) if (ex != null) n += ex.cardinality();
        if (n == 0) return;
        long[] rows = new long[n];
        long[] cols = new long[n];
        int p = 0;
        for (int r = 0; r < exclude.length; r++) {
            BitSet ex = exclude[r];
            if (ex == null) continue;
            for (int i = ex.nextSetBit(0); i >= 0 && i < items; i = ex.nextSetBit(i + 1)) {
                rows[p] = r;
                cols[p++] = i;
            }
        }
        if (p == 0) return;
        if (p < n) {
            rows = Arrays.copyOf(rows, p);
            cols = Arrays.copyOf(cols, p);
        }
        scores.set(new NDIndex("{}, {}", block.create(rows), block.create(cols)), Float.NEGATIVE_INFINITY);
    }

    /** Items not excluded. */
    private int candidates(BitSet ex) {
        if (ex == null || ex.isEmpty()) return items;
        int excluded = ex.length() <= items ? ex.cardinality() : ex.get(0, items).cardinality();
        return items - excluded;
    }

    /**
     * The top list of one row from its engine top {@code fetch} (descending values), or null when the cut at
     * {@code want} falls inside a run of equal scores (then {@link TopK} decides on the whole row).
     */
    static int[] select(float[] values, long[] index, int off, int fetch, int k, int candidates) {
        int want = Math.min(k, candidates);
        if (want <= 0) return new int[0];
        for (int p = 0; p < want; p++) {
            float v = values[off + p];
            if (v != v) throw new IllegalArgumentException("scores[" + index[off + p] + "] is NaN");
        }
        if (want < fetch && values[off + want] == values[off + want - 1]) return null;
        int[] list = new int[want];
        for (int p = 0; p < want; p++) list[p] = (int) index[off + p];
        // equal scores by lower index first (TopK's rule); the engine's order among them is unspecified
        for (int p = 0; p < want; ) {
            int q = p + 1;
            while (q < want && values[off + q] == values[off + p]) q++;
            if (q - p > 1) Arrays.sort(list, p, q);
            p = q;
        }
        return list;
    }
}
