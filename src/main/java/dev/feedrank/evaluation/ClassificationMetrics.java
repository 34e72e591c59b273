package dev.feedrank.evaluation;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Binary classification metrics over per-example probabilities, matching scikit-learn (checked against fixtures
 * generated with scikit-learn 1.2.1, see {@code src/test/resources/fixtures/metrics/make_metric_fixtures.py}).
 *
 * <p>Labels are 0/1 floats (anything else is rejected). All arithmetic is done in {@code double}. The functions are
 * stateless, thread-safe and allocate at most one primitive array ({@link #auc} needs a sort).
 *
 * <p>Thresholded metrics predict positive when {@code prob > threshold} (strictly greater, so a probability of
 * exactly 0.5 is a negative prediction at the default threshold, as in {@code predictions > 0.5}).
 */
public final class ClassificationMetrics {

    /** Default decision threshold for {@link #accuracy}, {@link #precision}, {@link #recall}. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    /**
     * Clipping epsilon of {@link #logloss}: float64 machine epsilon (2^-52), what
     * {@code sklearn.metrics.log_loss} uses ({@code np.finfo(y_pred.dtype).eps}) for float64 predictions.
     */
    public static final double LOGLOSS_EPS = Math.ulp(1.0);

    private ClassificationMetrics() {
    }

    /**
     * ROC AUC, identical to {@code sklearn.metrics.roc_auc_score(labels, scores)} for binary labels: the
     * Mann-Whitney statistic with tied scores counting one half (equivalently: average ranks for ties). Computed
     * exactly in integer arithmetic up to the final division. {@code -0.0f} and {@code 0.0f} are the same score.
     *
     * @param scores any finite scores (higher = more likely positive); NaN/infinite are rejected, like sklearn
     * @param labels 0/1 labels, same length
     * @throws IllegalArgumentException if only one class is present, on empty/mismatched input, on labels other
     *                                  than 0/1 or non-finite scores
     */
    public static double auc(float[] scores, float[] labels) {
        int n = checkInputs(scores, labels, "scores");
        // key = order-preserving int image of the score in the high 32 bits, the label in bit 0
        long[] keys = new long[n];
        long positives = 0;
        for (int i = 0; i < n; i++) {
            float s = scores[i];
            if (!Float.isFinite(s)) {
                throw new IllegalArgumentException("scores[" + i + "] is not finite: " + s);
            }
            int label = label(labels, i);
            positives += label;
            keys[i] = ((long) sortableBits(s) << 32) | label;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            throw new IllegalArgumentException(
                    "Only one class present in labels (" + (positives == 0 ? "0" : "1") + "); ROC AUC is not defined");
        }
        Arrays.sort(keys);
        // twiceU = 2 * sum over positives of (#negatives with a lower score + 0.5 * #negatives with the same score)
        long twiceU = 0;
        long negativesBelow = 0;
        int i = 0;
        while (i < n) {
            long group = keys[i] >> 32;
            long pos = 0;
            int j = i;
            while (j < n && (keys[j] >> 32) == group) {
                pos += keys[j] & 1L;
                j++;
            }
            long neg = (j - i) - pos;
            twiceU += pos * (2 * negativesBelow + neg);
            negativesBelow += neg;
            i = j;
        }
        return twiceU / (2.0 * positives * negatives);
    }

    /**
     * Mean binary cross-entropy, as {@code sklearn.metrics.log_loss(labels, probs)} with float64 predictions:
     * probabilities are clipped to {@code [eps, 1 - eps]} with {@link #LOGLOSS_EPS}, so a confident wrong prediction
     * costs {@code -ln(2^-52) ~= 36.04}. Unlike sklearn this does not refuse single-class input (the value is well
     * defined); use {@link #all} or {@link #auc} if you want that check.
     *
     * @param probs probabilities in [0, 1] (NaN or values outside are rejected)
     * @param labels 0/1 labels, same length
     */
    public static double logloss(float[] probs, float[] labels) {
        int n = checkInputs(probs, labels, "probs");
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double p = probability(probs, i);
            p = Math.min(Math.max(p, LOGLOSS_EPS), 1.0 - LOGLOSS_EPS);
            sum -= label(labels, i) == 1 ? Math.log(p) : Math.log(1.0 - p);
        }
        return sum / n;
    }

    /** Accuracy at {@link #DEFAULT_THRESHOLD}. */
    public static double accuracy(float[] probs, float[] labels) {
        return accuracy(probs, labels, DEFAULT_THRESHOLD);
    }

    /** Fraction of examples whose prediction ({@code prob > threshold}) equals the label. */
    public static double accuracy(float[] probs, float[] labels, double threshold) {
        Confusion c = confusion(probs, labels, threshold);
        return (double) (c.tp + c.tn) / c.n();
    }

    /** Precision at {@link #DEFAULT_THRESHOLD}. */
    public static double precision(float[] probs, float[] labels) {
        return precision(probs, labels, DEFAULT_THRESHOLD);
    }

    /**
     * {@code TP / (TP + FP)} with predictions {@code prob > threshold}; 0 when nothing is predicted positive
     * (sklearn's {@code zero_division="warn"} default value).
     */
    public static double precision(float[] probs, float[] labels, double threshold) {
        return confusion(probs, labels, threshold).precision();
    }

    /** Recall at {@link #DEFAULT_THRESHOLD}. */
    public static double recall(float[] probs, float[] labels) {
        return recall(probs, labels, DEFAULT_THRESHOLD);
    }

    /**
     * {@code TP / (TP + FN)} with predictions {@code prob > threshold}; 0 when there are no positive labels
     * (sklearn's {@code zero_division} default value).
     */
    public static double recall(float[] probs, float[] labels, double threshold) {
        return confusion(probs, labels, threshold).recall();
    }

    /** {@link #all(float[], float[], double)} at {@link #DEFAULT_THRESHOLD}. */
    public static Map<String, Double> all(float[] probs, float[] labels) {
        return all(probs, labels, DEFAULT_THRESHOLD);
    }

    /**
     * All metrics, in insertion order {@code auc, logloss, accuracy, precision, recall}.
     *
     * @throws IllegalArgumentException as {@link #auc} (in particular when only one class is present) and as
     *                                  {@link #logloss}
     */
    public static Map<String, Double> all(float[] probs, float[] labels, double threshold) {
        double auc = auc(probs, labels);
        double logloss = logloss(probs, labels);
        Confusion c = confusion(probs, labels, threshold);
        Map<String, Double> m = new LinkedHashMap<>(8);
        m.put("auc", auc);
        m.put("logloss", logloss);
        m.put("accuracy", (double) (c.tp + c.tn) / c.n());
        m.put("precision", c.precision());
        m.put("recall", c.recall());
        return m;
    }

    private record Confusion(long tp, long fp, long tn, long fn) {
        long n() {
            return tp + fp + tn + fn;
        }

        double precision() {
            return tp + fp == 0 ? 0.0 : (double) tp / (tp + fp);
        }

        double recall() {
            return tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
        }
    }

    private static Confusion confusion(float[] probs, float[] labels, double threshold) {
        if (Double.isNaN(threshold)) {
            throw new IllegalArgumentException("threshold is NaN");
        }
        int n = checkInputs(probs, labels, "probs");
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < n; i++) {
            boolean predicted = probability(probs, i) > threshold;
            boolean actual = label(labels, i) == 1;
            if (predicted) {
                if (actual) tp++; else fp++;
            } else {
                if (actual) fn++; else tn++;
            }
        }
        return new Confusion(tp, fp, tn, fn);
    }

    /** Order-preserving map float -> int (signed int order == float order; -0.0 folded onto 0.0). */
    private static int sortableBits(float s) {
        int bits = Float.floatToRawIntBits(s == 0.0f ? 0.0f : s);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    private static int checkInputs(float[] values, float[] labels, String name) {
        if (values == null || labels == null) {
            throw new IllegalArgumentException(name + " and labels must not be null");
        }
        if (values.length != labels.length) {
            throw new IllegalArgumentException(
                    name + " and labels differ in length: " + values.length + " vs " + labels.length);
        }
        if (values.length == 0) {
            throw new IllegalArgumentException(name + " and labels are empty");
        }
        return values.length;
    }

    private static int label(float[] labels, int i) {
        float l = labels[i];
        if (l == 0.0f) return 0;
        if (l == 1.0f) return 1;
        throw new IllegalArgumentException("labels[" + i + "] is not 0 or 1: " + l);
    }

    private static double probability(float[] probs, int i) {
        float p = probs[i];
        if (!(p >= 0.0f && p <= 1.0f)) {
            throw new IllegalArgumentException("probs[" + i + "] is not a probability in [0, 1]: " + p);
        }
        return p;
    }
}
