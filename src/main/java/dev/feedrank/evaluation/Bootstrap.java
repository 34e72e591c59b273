package dev.feedrank.evaluation;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap (Efron) over users of the mean of per-user values: draw {@code resamples} samples of the
 * {@code n} users with replacement, take the mean of each, and report the {@code (1 - confidence) / 2} and
 * {@code (1 + confidence) / 2} quantiles of those means, with linear interpolation between order statistics (as
 * {@code numpy.percentile}'s default: quantile {@code q} of {@code m} sorted values is at position
 * {@code q (m - 1)}). {@link #pairedDifference} resamples the same users in both arrays, for comparing two models
 * evaluated on the same users (the regression gate).
 *
 * <p>Resamples are drawn from {@link SplittableRandom}{@code (seed)}, {@code nextInt(n)} row by row; the index
 * matrix is available as {@link #indices(int, int, long)}, so every method here is deterministic for a given seed
 * and {@code percentile(v, resamples, c, seed) == percentile(v, indices(v.length, resamples, seed), c)}. Cost
 * {@code O(resamples n)}; plain Java, no dependency. Values must not be NaN.
 */
public final class Bootstrap {

    private Bootstrap() {
    }

    /** Interval of the mean of {@code values}. */
    public static Interval percentile(double[] values, int resamples, double confidence, long seed) {
        check(values, resamples, confidence);
        return percentileOfMeans(new double[][] {values}, resamples, confidence, seed)[0];
    }

    /** Interval of the mean of {@code values} over the given resamples ({@code indices[r]} = one resample). */
    public static Interval percentile(double[] values, int[][] indices, double confidence) {
        check(values, indices.length, confidence);
        double[] means = new double[indices.length];
        for (int r = 0; r < indices.length; r++) {
            int[] row = indices[r];
            if (row.length != values.length) {
                throw new IllegalArgumentException("resample " + r + " has " + row.length + " indices for "
                        + values.length + " values");
            }
            double sum = 0;
            for (int i : row) {
                sum += values[i];
            }
            means[r] = sum / row.length;
        }
        return quantiles(means, confidence);
    }

    /** Interval of {@code mean(a - b)} where {@code a[i]} and {@code b[i]} belong to the same user. */
    public static Interval pairedDifference(double[] a, double[] b, int resamples, double confidence, long seed) {
        return percentile(difference(a, b), resamples, confidence, seed);
    }

    /** Interval of {@code mean(a - b)} over the given resamples. */
    public static Interval pairedDifference(double[] a, double[] b, int[][] indices, double confidence) {
        return percentile(difference(a, b), indices, confidence);
    }

    /** The resample index matrix used for {@code n} values: {@code resamples} rows of {@code n} indices. */
    public static int[][] indices(int n, int resamples, long seed) {
        if (n < 1 || resamples < 1) {
            throw new IllegalArgumentException("need n >= 1 and resamples >= 1: " + n + ", " + resamples);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[][] out = new int[resamples][n];
        for (int[] row : out) {
            for (int i = 0; i < n; i++) {
                row[i] = random.nextInt(n);
            }
        }
        return out;
    }

    /**
     * Intervals of the means of several per-user value arrays (all of length n) on the same resampled users, without
     * materialising the index matrix.
     */
    static Interval[] percentileOfMeans(double[][] columns, int resamples, double confidence, long seed) {
        int n = columns[0].length;
        for (double[] column : columns) {
            check(column, resamples, confidence);
            if (column.length != n) {
                throw new IllegalArgumentException("columns differ in length: " + column.length + " vs " + n);
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] row = new int[n];
        double[][] means = new double[columns.length][resamples];
        for (int r = 0; r < resamples; r++) {
            for (int i = 0; i < n; i++) {
                row[i] = random.nextInt(n);
            }
            for (int c = 0; c < columns.length; c++) {
                double[] values = columns[c];
                double sum = 0;
                for (int i : row) {
                    sum += values[i];
                }
                means[c][r] = sum / n;
            }
        }
        Interval[] out = new Interval[columns.length];
        for (int c = 0; c < columns.length; c++) {
            out[c] = quantiles(means[c], confidence);
        }
        return out;
    }

    /** The {@code (1 -+ confidence) / 2} quantiles of {@code values} (sorted in place), linear interpolation. */
    static Interval quantiles(double[] values, double confidence) {
        Arrays.sort(values);
        return new Interval(quantile(values, (1 - confidence) / 2), quantile(values, (1 + confidence) / 2));
    }

    /** Quantile {@code q} of sorted values, numpy's default linear interpolation. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double frac = pos - lo;
        return frac == 0 ? sorted[lo] : sorted[lo] + frac * (sorted[hi] - sorted[lo]);
    }

    private static double[] difference(double[] a, double[] b) {
        if (a == null || b == null || a.length != b.length) {
            throw new IllegalArgumentException("paired arrays must be non-null and of equal length");
        }
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    private static void check(double[] values, int resamples, double confidence) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("at least one value is required");
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be >= 1: " + resamples);
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1): " + confidence);
        }
    }
}
