package dev.feedrank.evaluation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.feedrank.model.DjlRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * EASE^R (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): an items x items linear model
 * {@code B} with zero diagonal, in closed form: {@code G = X^T X + lambda I}, {@code P = G^-1},
 * {@code B_ij = -P_ij / P_jj} (column-wise), {@code B_jj = 0}. Scores of user {@code u} = {@code r_u B}, the sum
 * of the rows of {@code B} of the user's items: {@code O(|r_u| items)} per user.
 *
 * <p>Two ways to {@code P}, chosen by {@link #gram(UserItemMatrix)} from the shape of {@code X} ({@code m} users,
 * {@code n} items, {@code nnz} interactions); what does not depend on {@code lambda} is computed once in the
 * {@link Gram} and shared by every {@code lambda} ({@link Gram#fit(double)}, {@link #fit(UserItemMatrix, double...)}):
 * <ul>
 *   <li><b>Woodbury</b>, when {@code m < n} (e.g. MovieLens latest-small, 610 x 9,742):
 *   {@code P = (I_n - X^T K X) / lambda} with {@code K = (lambda I_m + X X^T)^-1}. {@code X X^T} (users x users
 *   co-occurrence counts, exact in double) is built in Java from the columns of {@code X} and shared. Per
 *   {@code lambda}: {@code K} by a float64 Cholesky inverse in EJML ({@code ~m^3} flops, pure Java, single thread:
 *   well under a second at {@code m = 610}, tens of seconds from {@code m ~ 3000}); {@code Y = K X} (users x items,
 *   float64, {@code nnz * m} additions over the columns of {@code X}); {@code X^T Y} (the upper triangle only, as
 *   {@code P} is symmetric: about {@code nnz * n / 2} additions, accumulated in float64 and rounded to float once).
 *   Float64 matters here: the diagonal {@code 1 - (X^T K X)_jj} cancels, about {@code lambda / (lambda + count_j)}
 *   for an item with {@code count_j} users. Cost {@code O(m^3 + nnz (m + n) + n^2)} per {@code lambda}: about 5 s at
 *   610 x 9,742 with 113k interactions measured on 2 cores shared with other jobs (load ~11), against about 180 s
 *   for the direct inverse there. {@code lambda = 0} is rejected ({@code X^T X} has rank at most {@code m < n}).</li>
 *   <li><b>Direct</b>, when {@code m >= n}: {@code X^T X} (co-occurrence counts, exact in float up to 2^24) is built
 *   in Java over the CSR rows ({@code sum over users of |r_u|^2 / 2} additions) and shared. The dense inverse goes
 *   through DJL on the PyTorch engine ({@link NDArray#inverse()}, LAPACK LU in libtorch, multi-threaded) in
 *   <b>float32</b>: a pure-Java {@code O(items^3)} inverse is far too slow for 10k-20k items. Float32 is accurate
 *   enough here since {@code X^T X + lambda I} is symmetric positive definite with condition number at most
 *   {@code (s_max^2 + lambda) / lambda}; expect relative errors of order {@code 1e-7} times that. The inverse costs
 *   {@code ~2 items^3} flops per {@code lambda}: 26 s at 5k items measured on 2 cores shared with other jobs (load
 *   ~11), so expect minutes at 20k items.</li>
 * </ul>
 *
 * <p>Memory: each fitted {@code B} is {@code items^2} floats (4 bytes each; 1.6 GB at 20k items) on the Java heap
 * (kept as a {@code float[]} so that scoring needs no native memory and the model lives as long as it is
 * referenced). Direct path: {@code X^T X} ({@code items^2} floats) in the {@link Gram}, plus transiently about three
 * to four times {@code items^2} floats of native memory during the inverse (the copy of the input, the LU workspace
 * and the output), all freed before {@code fit} returns (the {@link NDManager} is closed). Woodbury path:
 * {@code X X^T} ({@code users^2} doubles) and the columns of {@code X} in the {@link Gram}, plus transiently
 * {@code Y} ({@code users * items} doubles, less than {@code 2 items^2} floats) and two {@code users^2} double
 * matrices; no native memory. Fitting several {@code lambda}s at once holds one {@code B} per value: for large item
 * counts prefer {@link Gram#fit(double)} one value at a time. At most 46340 items (Java array length).
 */
public final class EaseR {

    /** Largest item count whose items x items matrix fits a Java array. */
    public static final int MAX_ITEMS = 46340;

    private final int items;
    private final double lambda;
    private final float[] b; // items x items, row-major

    private EaseR(int items, double lambda, float[] b) {
        this.items = items;
        this.lambda = lambda;
        this.b = b;
    }

    /** Fits one {@code lambda}. */
    public static EaseR fit(UserItemMatrix x, double lambda) {
        return gram(x).fit(lambda);
    }

    /** Fits every {@code lambda}, sharing {@code X^T X}; the result is in the order given. */
    public static List<EaseR> fit(UserItemMatrix x, double... lambdas) {
        if (lambdas == null || lambdas.length == 0) {
            throw new IllegalArgumentException("at least one lambda is required");
        }
        Gram gram = gram(x);
        List<EaseR> out = new ArrayList<>(lambdas.length);
        for (double lambda : lambdas) {
            out.add(gram.fit(lambda));
        }
        return out;
    }

    /**
     * Prepares the fits of several {@code lambda}s one at a time: {@code X X^T} (Woodbury path, when there are fewer
     * users than items) or {@code X^T X} (direct path), computed once and shared by every {@link Gram#fit(double)}.
     */
    public static Gram gram(UserItemMatrix x) {
        return gram(x, x.rows() < x.cols() ? Path.WOODBURY : Path.DIRECT);
    }

    /** How {@code P = (X^T X + lambda I)^-1} is computed; {@link #gram(UserItemMatrix)} picks one by shape. */
    enum Path {
        /** DJL float32 inverse of the items x items {@code G}: {@code ~2 items^3} flops. */
        DIRECT,
        /** Woodbury identity through the users x users {@code X X^T} (EJML, float64). */
        WOODBURY
    }

    /** {@link #gram(UserItemMatrix)} with the path forced (tests compare the two). */
    static Gram gram(UserItemMatrix x, Path path) {
        int n = x.cols();
        if (n < 1 || n > MAX_ITEMS) {
            throw new IllegalArgumentException("EASE^R needs 1 to " + MAX_ITEMS + " items: " + n);
        }
        return path == Path.WOODBURY ? woodburyGram(x) : directGram(x);
    }

    private static Gram directGram(UserItemMatrix x) {
        int n = x.cols();
        float[] g = new float[n * n];
        int[] idx = x.indices();
        for (int u = 0; u < x.rows(); u++) {
            int start = x.start(u);
            int end = x.end(u);
            for (int p = start; p < end; p++) {
                int base = idx[p] * n;
                for (int r = p; r < end; r++) { // upper triangle (rows are sorted)
                    g[base + idx[r]] += 1f;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                g[j * n + i] = g[i * n + j];
            }
        }
        return new Gram(n, g, null);
    }

    private static Gram woodburyGram(UserItemMatrix x) {
        int m = x.rows();
        int n = x.cols();
        if ((long) m * m > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("EASE^R (Woodbury) needs at most 46340 users: " + m);
        }
        // CSC (users of each item, ascending) from the CSR
        int[] idx = x.indices();
        int[] colPtr = new int[n + 1];
        for (int p = 0; p < x.nnz(); p++) {
            colPtr[idx[p] + 1]++;
        }
        for (int j = 0; j < n; j++) {
            colPtr[j + 1] += colPtr[j];
        }
        int[] colUsers = new int[x.nnz()];
        int[] fill = Arrays.copyOf(colPtr, n);
        for (int u = 0; u < m; u++) {
            for (int p = x.start(u), end = x.end(u); p < end; p++) {
                colUsers[fill[idx[p]]++] = u;
            }
        }
        // X X^T: users x users co-occurrence counts (exact in double), upper triangle then mirrored
        double[] xxt = new double[m * m];
        for (int j = 0; j < n; j++) {
            int start = colPtr[j];
            int end = colPtr[j + 1];
            for (int p = start; p < end; p++) {
                int base = colUsers[p] * m;
                for (int r = p; r < end; r++) {
                    xxt[base + colUsers[r]] += 1.0;
                }
            }
        }
        for (int a = 0; a < m; a++) {
            for (int b = a + 1; b < m; b++) {
                xxt[b * m + a] = xxt[a * m + b];
            }
        }
        return new Gram(n, null, new Woodbury(m, xxt, colPtr, colUsers));
    }

    /** The users x users {@code X X^T} and the columns of {@code X} (CSC) for the Woodbury path. */
    private record Woodbury(int users, double[] xxt, int[] colPtr, int[] colUsers) {
    }

    /**
     * What every {@code lambda} shares: {@code X^T X} ({@code items^2} floats on the heap, direct path) or
     * {@code X X^T} ({@code users^2} doubles, Woodbury path); fits are serialized.
     */
    public static final class Gram {
        private final int items;
        private final float[] g;           // direct path: X^T X, items x items
        private final Woodbury woodbury;   // Woodbury path

        private Gram(int items, float[] g, Woodbury woodbury) {
            this.items = items;
            this.g = g;
            this.woodbury = woodbury;
        }

        /** Number of items. */
        public int items() {
            return items;
        }

        /** The path the fits take. */
        Path path() {
            return woodbury != null ? Path.WOODBURY : Path.DIRECT;
        }

        /**
         * Fits {@code B} for one {@code lambda}.
         *
         * @throws IllegalArgumentException if {@code lambda} is negative or not finite
         * @throws IllegalStateException    if the inverse is not finite (singular {@code G}, e.g. {@code lambda = 0}
         *                                  with an item nobody interacted with, or with fewer users than items)
         */
        public synchronized EaseR fit(double lambda) {
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new IllegalArgumentException("lambda must be finite and >= 0: " + lambda);
            }
            float[] p = woodbury != null ? woodburyInverse(lambda) : directInverse(lambda);
            toB(p, items, lambda);
            return new EaseR(items, lambda, p);
        }

        /** {@code (X^T X + lambda I)^-1} through DJL (float32 LU in libtorch). */
        private float[] directInverse(double lambda) {
            DjlRuntime.ensureOffline();
            int n = items;
            float[] diagonal = new float[n];
            float[] p;
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray inverse;
                // G + lambda I: add to the heap diagonal for the copy into native memory, then restore it
                for (int i = 0; i < n; i++) {
                    diagonal[i] = g[i * n + i];
                    g[i * n + i] = (float) (diagonal[i] + lambda);
                }
                try (NDArray gram = manager.create(g, new Shape(n, n))) {
                    inverse = gram.inverse();
                } finally {
                    for (int i = 0; i < n; i++) {
                        g[i * n + i] = diagonal[i];
                    }
                }
                p = inverse.toFloatArray();
                inverse.close();
            }
            return p;
        }

        /**
         * {@code (X^T X + lambda I)^-1 = (I - X^T K X) / lambda} with {@code K = (lambda I + X X^T)^-1} (Woodbury),
         * in float64 up to the final rounding of {@code P} to float.
         */
        private float[] woodburyInverse(double lambda) {
            if (lambda == 0) {
                // X^T X has rank <= users < items
                throw new IllegalStateException("EASE^R inverse is not finite at lambda 0 with fewer users ("
                        + woodbury.users() + ") than items (" + items + "): X^T X is singular");
            }
            int m = woodbury.users();
            int n = items;
            int[] colPtr = woodbury.colPtr();
            int[] colUsers = woodbury.colUsers();
            // K = (lambda I + X X^T)^-1: symmetric positive definite, Cholesky inverse in float64 (EJML)
            double[] k = new double[m * m];
            if (m > 0) {
                DMatrixRMaj a = new DMatrixRMaj(m, m);
                System.arraycopy(woodbury.xxt(), 0, a.data, 0, m * m);
                for (int b = 0; b < m; b++) {
                    a.data[b * m + b] += lambda;
                }
                DMatrixRMaj inv = DMatrixRMaj.wrap(m, m, k);
                if (!CommonOps_DDRM.invertSPD(a, inv)) {
                    throw new IllegalStateException("EASE^R: lambda I + X X^T is not positive definite at lambda "
                            + lambda);
                }
            }
            // Y = K X (users x items, row-major): column j of Y = sum of the columns (= rows, K is symmetric)
            // of K of the users of item j
            double[] y = new double[m * n];
            double[] acc = new double[Math.max(m, n)];
            for (int j = 0; j < n; j++) {
                Arrays.fill(acc, 0, m, 0.0);
                for (int q = colPtr[j], end = colPtr[j + 1]; q < end; q++) {
                    int base = colUsers[q] * m;
                    for (int b = 0; b < m; b++) {
                        acc[b] += k[base + b];
                    }
                }
                for (int b = 0; b < m; b++) {
                    y[b * n + j] = acc[b];
                }
            }
            k = null;
            // P = (I - X^T Y) / lambda; row i of X^T Y = sum of the rows of Y of the users of item i. P is
            // symmetric: the upper triangle (j >= i) only, then mirrored
            float[] p = new float[n * n];
            for (int i = 0; i < n; i++) {
                Arrays.fill(acc, i, n, 0.0);
                for (int q = colPtr[i], end = colPtr[i + 1]; q < end; q++) {
                    int base = colUsers[q] * n;
                    for (int j = i; j < n; j++) {
                        acc[j] += y[base + j];
                    }
                }
                int row = i * n;
                p[row + i] = (float) ((1.0 - acc[i]) / lambda);
                for (int j = i + 1; j < n; j++) {
                    p[row + j] = (float) (-acc[j] / lambda);
                }
            }
            mirrorUpper(p, n);
            return p;
        }
    }

    /** Copies the strict upper triangle of the row-major {@code n x n} matrix to the lower one, by cache blocks. */
    private static void mirrorUpper(float[] a, int n) {
        final int block = 64;
        for (int ib = 0; ib < n; ib += block) {
            int iEnd = Math.min(ib + block, n);
            for (int jb = ib; jb < n; jb += block) {
                int jEnd = Math.min(jb + block, n);
                for (int i = ib; i < iEnd; i++) {
                    int row = i * n;
                    for (int j = Math.max(jb, i + 1); j < jEnd; j++) {
                        a[j * n + i] = a[row + j];
                    }
                }
            }
        }
    }

    /** {@code B = -P / diag(P)} column-wise, zero diagonal, in place. */
    private static void toB(float[] p, int n, double lambda) {
        float[] pjj = new float[n];
        for (int j = 0; j < n; j++) {
            pjj[j] = p[j * n + j];
        }
        for (int i = 0; i < n; i++) {
            int row = i * n;
            for (int j = 0; j < n; j++) {
                float v = -p[row + j] / pjj[j];
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("EASE^R inverse is not finite at lambda " + lambda
                            + " (singular X^T X + lambda I?)");
                }
                p[row + j] = v;
            }
            p[row + i] = 0f;
        }
    }

    /** Number of items. */
    public int items() {
        return items;
    }

    /** The regularization this model was fitted with. */
    public double lambda() {
        return lambda;
    }

    /** {@code B[from][to]}: the weight of a history item {@code from} on the score of {@code to}. */
    public float weight(int from, int to) {
        if (from < 0 || from >= items || to < 0 || to >= items) {
            throw new IndexOutOfBoundsException("(" + from + ", " + to + ") outside " + items + " x " + items);
        }
        return b[from * items + to];
    }

    /**
     * Scorer over a catalogue of which this model covers only {@code head} (ascending item indices of
     * {@code history}'s columns; the model was fitted on {@code history.selectColumns(head)}): a head item scores the
     * sum of the rows of {@code B} of the user's head items, as {@link #scorer(UserItemMatrix)}; every other item
     * scores {@code -Infinity}, so it ranks after every head item. No scratch buffer: safe for concurrent use.
     */
    public UserScorer scorer(UserItemMatrix history, int[] head) {
        if (head.length != items) {
            throw new IllegalArgumentException("head has " + head.length + " items, the model " + items);
        }
        final int all = history.cols();
        final int[] position = UserItemMatrix.positions(head, all);
        final int n = items;
        final float[] weights = b;
        final int[] cols = head.clone();
        return (user, out) -> {
            if (out.length < all) {
                throw new IllegalArgumentException("out has " + out.length + " < " + all + " entries");
            }
            Arrays.fill(out, 0, all, Float.NEGATIVE_INFINITY);
            for (int c : cols) out[c] = 0f;
            int[] idx = history.indices();
            for (int p = history.start(user), end = history.end(user); p < end; p++) {
                int h = position[idx[p]];
                if (h < 0) continue;
                int base = h * n;
                for (int j = 0; j < n; j++) {
                    out[cols[j]] += weights[base + j];
                }
            }
        };
    }

    /**
     * Scorer: scores of user {@code u} = the sum of the rows of {@code B} of the items in row {@code u} of
     * {@code history} (typically the training matrix).
     */
    public UserScorer scorer(UserItemMatrix history) {
        if (history.cols() != items) {
            throw new IllegalArgumentException("history has " + history.cols() + " items, the model " + items);
        }
        final int n = items;
        final float[] weights = b;
        return (user, out) -> {
            if (out.length < n) {
                throw new IllegalArgumentException("out has " + out.length + " < " + n + " entries");
            }
            Arrays.fill(out, 0, n, 0f);
            int[] idx = history.indices();
            for (int p = history.start(user), end = history.end(user); p < end; p++) {
                int base = idx[p] * n;
                for (int j = 0; j < n; j++) {
                    out[j] += weights[base + j];
                }
            }
        };
    }
}
