package dev.feedrank.evaluation;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.ejml.data.Complex_F64;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * PureSVD (Cremonesi, Koren and Turrin, RecSys 2010): the truncated SVD {@code X ~ U S Q^T} of the binary
 * users x items training matrix; the scores of user {@code u} are {@code r_u Q Q^T}, with {@code r_u} the user's
 * (binary) row. Scoring is {@code z = sum of the rows of Q of the user's items} (length {@code rank}), then
 * {@code scores = Q z}: {@code O(|r_u| rank + items rank)} per user; ranking many users stacks their {@code z}
 * and multiplies by {@code Q^T} in the engine, in double precision, in blocks of users ({@link FactorScorer}).
 *
 * <p>Fit: randomized subspace iteration (Halko, Martinsson and Tropp 2011, algorithm 4.4 applied to
 * {@code X^T X}) with {@code l = maxRank + oversample} columns: {@code Z = orth(Omega)} (Gaussian, seeded), then
 * {@code powerIterations} times {@code Z = orth(X^T X Z)}, and finally a Rayleigh-Ritz step: the eigenvectors
 * {@code W} of the small {@code H = Z^T X^T X Z} give the right singular vectors {@code Q = Z W} and the singular
 * values {@code sqrt(eig(H))}, descending. {@code X} is never formed densely: {@code X^T X Z} is computed in Java
 * over the CSR rows, user by user ({@code z_u = sum of Z's rows of the user's items}, added back to those rows),
 * split over threads with one {@code items x l} accumulator each, so the cost per iteration is
 * {@code 2 nnz l} additions plus an {@code O(items l^2)} QR, and the memory a few {@code items x l} double arrays
 * (plus one accumulator per thread); nothing of size users x l is stored. For scale: 100k users x 20k items,
 * 3M nnz, {@code maxRank} 100 took about 50 s with the defaults on 2 cores shared with other jobs (load ~11). The small dense decompositions (Householder QR of the {@code items x l} matrix and
 * the symmetric eigen-decomposition of the {@code l x l} matrix, in double precision) use EJML, a pure-Java dense
 * linear algebra library: DJL 0.36's {@code NDArray} has no QR, SVD or eigen-decomposition.
 *
 * <p>With {@code l} well above the rank used and enough iterations the subspace matches the exact SVD (the error of
 * factor {@code j} decays like {@code (s_{l+1} / s_j)^(2 (powerIterations + 1))}). Factors are ordered by
 * singular value, so one fit at the largest rank of a grid serves every smaller rank ({@link #scorer}). If the
 * matrix has rank below {@code l}, the trailing factors are arbitrary unit vectors orthogonal to the rows (singular
 * value ~0).
 */
public final class PureSvd {

    /** Extra columns of the randomized range finder beyond {@code maxRank}. */
    public static final int DEFAULT_OVERSAMPLE = 10;
    /** Applications of {@code X^T X} before the Rayleigh-Ritz step. */
    public static final int DEFAULT_POWER_ITERATIONS = 4;

    private final int items;
    private final int rank;
    private final float[] q; // items x rank, row-major: the item factors, by descending singular value
    private final double[] singularValues;

    private PureSvd(int items, int rank, float[] q, double[] singularValues) {
        this.items = items;
        this.rank = rank;
        this.q = q;
        this.singularValues = singularValues;
    }

    /**
     * {@link #fit(UserItemMatrix, int, int, int, int, long)} with {@link #DEFAULT_OVERSAMPLE},
     * {@link #DEFAULT_POWER_ITERATIONS} and one thread per available processor.
     */
    public static PureSvd fit(UserItemMatrix x, int maxRank, long seed) {
        return fit(x, maxRank, DEFAULT_OVERSAMPLE, DEFAULT_POWER_ITERATIONS,
                Runtime.getRuntime().availableProcessors(), seed);
    }

    /**
     * Fits the top {@code min(maxRank, rows, cols)} factors.
     *
     * @param oversample      extra columns ({@code >= 0}); {@code l = min(maxRank + oversample, rows, cols)}
     * @param powerIterations applications of {@code X^T X} before the final one ({@code >= 0})
     * @param threads         threads for the sparse products ({@code >= 1})
     * @param seed            seed of the Gaussian start; the result is deterministic for a given seed and thread
     *                        count (up to floating-point summation order across thread counts)
     */
    public static PureSvd fit(UserItemMatrix x, int maxRank, int oversample, int powerIterations, int threads,
                              long seed) {
        if (maxRank < 1 || oversample < 0 || powerIterations < 0 || threads < 1) {
            throw new IllegalArgumentException("need maxRank >= 1, oversample >= 0, powerIterations >= 0, threads"
                    + " >= 1: " + maxRank + ", " + oversample + ", " + powerIterations + ", " + threads);
        }
        int n = x.cols();
        int limit = Math.min(x.rows(), n);
        if (limit == 0) {
            throw new IllegalArgumentException("empty matrix " + x.rows() + " x " + n);
        }
        int rank = Math.min(maxRank, limit);
        int l = (int) Math.min((long) maxRank + oversample, limit);

        SplittableRandom random = new SplittableRandom(seed);
        double[] z = new double[n * l];
        for (int p = 0; p < z.length; p++) {
            z[p] = gaussian(random);
        }
        z = orthonormalize(z, n, l);
        for (int it = 0; it < powerIterations; it++) {
            z = orthonormalize(gramTimes(x, z, l, threads), n, l);
        }
        // Rayleigh-Ritz: H = Z^T (X^T X Z), eigenvectors W, Q = Z W
        double[] y = gramTimes(x, z, l, threads);
        DMatrixRMaj h = new DMatrixRMaj(l, l);
        for (int i = 0; i < n; i++) {
            int off = i * l;
            for (int a = 0; a < l; a++) {
                double za = z[off + a];
                if (za == 0) {
                    continue;
                }
                int row = a * l;
                for (int b = 0; b < l; b++) {
                    h.data[row + b] += za * y[off + b];
                }
            }
        }
        for (int a = 0; a < l; a++) { // exact symmetry for the symmetric solver
            for (int b = a + 1; b < l; b++) {
                double mean = 0.5 * (h.get(a, b) + h.get(b, a));
                h.set(a, b, mean);
                h.set(b, a, mean);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(l, true, true);
        if (!eig.decompose(h)) {
            throw new IllegalStateException("eigen-decomposition of the " + l + " x " + l + " Ritz matrix failed");
        }
        Integer[] order = new Integer[l];
        double[] values = new double[l];
        for (int a = 0; a < l; a++) {
            Complex_F64 v = eig.getEigenvalue(a);
            values[a] = v.real;
            order[a] = a;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double[] w = new double[l * rank]; // l x rank
        double[] sv = new double[rank];
        for (int c = 0; c < rank; c++) {
            int a = order[c];
            sv[c] = Math.sqrt(Math.max(0.0, values[a]));
            DMatrixRMaj vec = eig.getEigenVector(a);
            for (int r = 0; r < l; r++) {
                w[r * rank + c] = vec.get(r, 0);
            }
        }
        float[] q = new float[n * rank];
        double[] row = new double[rank];
        for (int i = 0; i < n; i++) {
            Arrays.fill(row, 0.0);
            int off = i * l;
            for (int r = 0; r < l; r++) {
                double zr = z[off + r];
                if (zr == 0) {
                    continue;
                }
                int wr = r * rank;
                for (int c = 0; c < rank; c++) {
                    row[c] += zr * w[wr + c];
                }
            }
            for (int c = 0; c < rank; c++) {
                q[i * rank + c] = (float) row[c];
            }
        }
        return new PureSvd(n, rank, q, sv);
    }

    /** Number of factors fitted: {@code min(maxRank, rows, cols)}. */
    public int rank() {
        return rank;
    }

    /** Number of items (columns of the training matrix). */
    public int items() {
        return items;
    }

    /** Estimated singular values of the training matrix, descending ({@code rank()} of them; a copy). */
    public double[] singularValues() {
        return singularValues.clone();
    }

    /**
     * Scorer using the first {@code rank} factors: scores of user {@code u} = {@code r_u Q_rank Q_rank^T} with
     * {@code r_u} the row {@code u} of {@code history} (typically the training matrix itself).
     *
     * @throws IllegalArgumentException if {@code rank} is outside {@code [1, rank()]} or the item counts differ
     */
    public UserScorer scorer(int rank, UserItemMatrix history) {
        if (rank < 1 || rank > this.rank) {
            throw new IllegalArgumentException("rank " + rank + " outside [1, " + this.rank + "]");
        }
        if (history.cols() != items) {
            throw new IllegalArgumentException("history has " + history.cols() + " items, the model " + items);
        }
        final int stride = this.rank;
        final float[] factors = q;
        UserScorer perUser = (user, out) -> {
            if (out.length < items) {
                throw new IllegalArgumentException("out has " + out.length + " < " + items + " entries");
            }
            double[] z = new double[rank];
            int[] idx = history.indices();
            for (int p = history.start(user), end = history.end(user); p < end; p++) {
                int off = idx[p] * stride;
                for (int c = 0; c < rank; c++) {
                    z[c] += factors[off + c];
                }
            }
            for (int j = 0; j < items; j++) {
                int off = j * stride;
                double s = 0;
                for (int c = 0; c < rank; c++) {
                    s += factors[off + c] * z[c];
                }
                out[j] = (float) s;
            }
        };
        float[] itemFactors = factors;
        if (rank < stride) {
            itemFactors = new float[items * rank];
            for (int j = 0; j < items; j++) System.arraycopy(factors, j * stride, itemFactors, j * rank, rank);
        }
        // batched ranking: z_u (in double, as above) times Q_rank^T in float64, rounded to float like the loop above
        return new FactorScorer(items, rank, itemFactors, true, (user, z, off) -> {
            java.util.Arrays.fill(z, off, off + rank, 0.0);
            int[] idx = history.indices();
            for (int p = history.start(user), end = history.end(user); p < end; p++) {
                int fo = idx[p] * stride;
                for (int c = 0; c < rank; c++) {
                    z[off + c] += factors[fo + c];
                }
            }
        }, perUser);
    }

    /** {@code X^T X Z} for {@code Z} items x l (row-major), over the CSR rows, split by users over threads. */
    static double[] gramTimes(UserItemMatrix x, double[] z, int l, int threads) {
        int users = x.rows();
        int n = x.cols();
        int parts = Math.max(1, Math.min(threads, users / 64));
        double[][] acc = new double[parts][];
        if (parts == 1) {
            acc[0] = gramTimesRange(x, z, l, 0, users);
        } else {
            Thread[] workers = new Thread[parts];
            RuntimeException[] failure = new RuntimeException[1];
            for (int t = 0; t < parts; t++) {
                final int part = t;
                final int from = (int) ((long) users * t / parts);
                final int to = (int) ((long) users * (t + 1) / parts);
                workers[t] = new Thread(() -> {
                    try {
                        acc[part] = gramTimesRange(x, z, l, from, to);
                    } catch (RuntimeException | Error e) {
                        synchronized (failure) {
                            failure[0] = new IllegalStateException("PureSvd worker failed", e);
                        }
                    }
                }, "puresvd-" + t);
                workers[t].start();
            }
            for (Thread worker : workers) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            if (failure[0] != null) {
                throw failure[0];
            }
            for (int t = 1; t < parts; t++) {
                double[] a = acc[0];
                double[] b = acc[t];
                for (int p = 0; p < a.length; p++) {
                    a[p] += b[p];
                }
                acc[t] = null;
            }
        }
        assert acc[0].length == n * l;
        return acc[0];
    }

    private static double[] gramTimesRange(UserItemMatrix x, double[] z, int l, int from, int to) {
        double[] out = new double[x.cols() * l];
        double[] w = new double[l];
        int[] idx = x.indices();
        for (int u = from; u < to; u++) {
            int start = x.start(u);
            int end = x.end(u);
            if (start == end) {
                continue;
            }
            Arrays.fill(w, 0.0);
            for (int p = start; p < end; p++) {
                int off = idx[p] * l;
                for (int c = 0; c < l; c++) {
                    w[c] += z[off + c];
                }
            }
            for (int p = start; p < end; p++) {
                int off = idx[p] * l;
                for (int c = 0; c < l; c++) {
                    out[off + c] += w[c];
                }
            }
        }
        return out;
    }

    /**
     * Orthonormal basis (thin Q of a Householder QR, EJML) of the columns of the n x l row-major matrix. EJML's QR
     * refuses a matrix with a column that is exactly zero below the diagonal, which the power iterations produce when
     * the train matrix has rank below {@code l} (small catalogues, items never seen in train): then
     * {@link #orthonormalizeDeficient} completes the basis instead.
     */
    static double[] orthonormalize(double[] a, int n, int l) {
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(n, l);
        // the column Householder QR copies its input (inputModified() is false): no copy kept for the fallback then
        double[] input = qr.inputModified() ? a.clone() : a;
        if (!qr.decompose(DMatrixRMaj.wrap(n, l, a))) {
            return orthonormalizeDeficient(input, n, l);
        }
        return qr.getQ(null, true).data;
    }

    /**
     * Modified Gram-Schmidt, twice per column; a column that is (numerically) in the span of the earlier ones is
     * replaced by a seeded random direction orthogonal to them. The replaced directions lie in the null space of
     * {@code X^T X} restricted to the span, so their Ritz values are 0 and they never reach the top factors ahead of a
     * real one.
     */
    static double[] orthonormalizeDeficient(double[] a, int n, int l) {
        double[] q = new double[n * l];
        SplittableRandom random = new SplittableRandom(0x5eedL);
        double[] v = new double[n];
        for (int c = 0; c < l; c++) {
            double original = 0;
            for (int i = 0; i < n; i++) {
                v[i] = a[i * l + c];
                original += v[i] * v[i];
            }
            original = Math.sqrt(original);
            for (int attempt = 0; ; attempt++) {
                for (int pass = 0; pass < 2; pass++) {
                    for (int p = 0; p < c; p++) {
                        double dot = 0;
                        for (int i = 0; i < n; i++) dot += q[i * l + p] * v[i];
                        for (int i = 0; i < n; i++) v[i] -= dot * q[i * l + p];
                    }
                }
                double norm = 0;
                for (int i = 0; i < n; i++) norm += v[i] * v[i];
                norm = Math.sqrt(norm);
                if (norm > 1e-10 * Math.max(1.0, original)) {
                    for (int i = 0; i < n; i++) q[i * l + c] = v[i] / norm;
                    break;
                }
                if (attempt > 100) {
                    throw new IllegalStateException("no orthonormal basis of " + l + " columns in " + n + " dimensions");
                }
                original = 1.0;
                for (int i = 0; i < n; i++) v[i] = gaussian(random);
            }
        }
        return q;
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller (SplittableRandom has no nextGaussian in Java 17)
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log1p(-u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
