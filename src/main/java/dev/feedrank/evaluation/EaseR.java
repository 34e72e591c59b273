package dev.feedrank.evaluation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.feedrank.model.DjlRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * EASE^R (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): an items x items linear model
 * {@code B} with zero diagonal, in closed form: {@code G = X^T X + lambda I}, {@code P = G^-1},
 * {@code B_ij = -P_ij / P_jj} (column-wise), {@code B_jj = 0}. Scores of user {@code u} = {@code r_u B}, the sum
 * of the rows of {@code B} of the user's items: {@code O(|r_u| items)} per user.
 *
 * <p>{@code X^T X} (co-occurrence counts, exact in float up to 2^24) is built in Java over the CSR rows
 * ({@code sum over users of |r_u|^2 / 2} additions) and shared by every {@code lambda} ({@link #gram},
 * {@link #fit(UserItemMatrix, double...)}). The dense inverse goes through DJL on the PyTorch engine
 * ({@link NDArray#inverse()}, LAPACK LU in libtorch, multi-threaded) in <b>float32</b>: a pure-Java
 * {@code O(items^3)} inverse is far too slow for 10k-20k items. Float32 is accurate enough here since
 * {@code X^T X + lambda I} is symmetric positive definite with condition number at most
 * {@code (s_max^2 + lambda) / lambda}; expect relative errors of order {@code 1e-7} times that. The inverse
 * costs {@code ~2 items^3} flops per {@code lambda}: 26 s at 5k items measured on 2 cores shared with other jobs
 * (load ~11), so expect minutes at 20k items.
 *
 * <p>Memory: {@code items^2} floats (4 bytes each; 1.6 GB at 20k items) on the Java heap for {@code X^T X} (in
 * the {@link Gram}) and again for each fitted {@code B} (kept on the heap as a {@code float[]} so that scoring
 * needs no native memory and the model lives as long as it is referenced), plus transiently about three to four times
 * {@code items^2} floats of native memory during the inverse (the copy of the input, the LU workspace and the
 * output), all freed before {@code fit} returns (the {@link NDManager} is closed). Fitting several {@code lambda}s at once holds one
 * {@code B} per value: for large item counts prefer {@link Gram#fit(double)} one value at a time. At most 46340
 * items (Java array length).
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

    /** Computes {@code X^T X} once, to fit several {@code lambda}s one at a time. */
    public static Gram gram(UserItemMatrix x) {
        int n = x.cols();
        if (n < 1 || n > MAX_ITEMS) {
            throw new IllegalArgumentException("EASE^R needs 1 to " + MAX_ITEMS + " items: " + n);
        }
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
        return new Gram(n, g);
    }

    /** {@code X^T X} of a training matrix ({@code items^2} floats on the heap); fits are serialized. */
    public static final class Gram {
        private final int items;
        private final float[] g;

        private Gram(int items, float[] g) {
            this.items = items;
            this.g = g;
        }

        /** Number of items. */
        public int items() {
            return items;
        }

        /**
         * Fits {@code B} for one {@code lambda}.
         *
         * @throws IllegalArgumentException if {@code lambda} is negative or not finite
         * @throws IllegalStateException    if the inverse is not finite (singular {@code G}, e.g. {@code lambda = 0}
         *                                  with an item nobody interacted with)
         */
        public synchronized EaseR fit(double lambda) {
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new IllegalArgumentException("lambda must be finite and >= 0: " + lambda);
            }
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
            // B = -P / diag(P) column-wise, zero diagonal; in place on the heap copy of P
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
            return new EaseR(n, lambda, p);
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
