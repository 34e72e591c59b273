package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertIterableEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-worked cases; the sklearn reference comparison is in {@link SklearnFixturesTest}. */
class ClassificationMetricsTest {

    private static final double TOL = 1e-12;

    @Test
    void aucWithTieCountsHalf() {
        // positives {0.4, 0.8}, negatives {0.1, 0.4}: 2 * 2 = 4 (pos, neg) pairs
        //   0.4+ vs 0.1- -> 1, 0.4+ vs 0.4- (tie) -> 0.5, 0.8+ vs both -> 2
        //   AUC = 3.5 / 4 = 0.875 (sklearn.metrics.roc_auc_score gives 0.875)
        float[] scores = {0.1f, 0.4f, 0.4f, 0.8f};
        float[] labels = {0, 0, 1, 1};
        assertEquals(0.875, ClassificationMetrics.auc(scores, labels), TOL);
    }

    @Test
    void aucWithThreeWayTie() {
        // positives {0.3, 0.9, 0.3}, negatives {0.3, 0.1}: 3 * 2 = 6 pairs
        //   each 0.3+ : vs 0.3- 0.5, vs 0.1- 1 -> 1.5, twice -> 3;  0.9+ -> 2;  AUC = 5 / 6
        // average ranks: 0.1->1, 0.3 x3 -> (2+3+4)/3 = 3, 0.9->5; rank sum of positives = 3+3+5 = 11
        //   U = 11 - 3*4/2 = 5, AUC = 5 / 6
        float[] scores = {0.3f, 0.3f, 0.9f, 0.1f, 0.3f};
        float[] labels = {1, 0, 1, 0, 1};
        assertEquals(5.0 / 6.0, ClassificationMetrics.auc(scores, labels), TOL);
    }

    @Test
    void aucExtremes() {
        float[] labels = {0, 1, 0, 1};
        assertEquals(1.0, ClassificationMetrics.auc(new float[] {0.1f, 0.9f, 0.2f, 0.8f}, labels), TOL);
        assertEquals(0.0, ClassificationMetrics.auc(new float[] {0.9f, 0.1f, 0.8f, 0.2f}, labels), TOL);
        // every score tied: every pair counts 0.5
        assertEquals(0.5, ClassificationMetrics.auc(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, labels), TOL);
        // -0.0 and 0.0 are the same score (tie), negative scores are fine for AUC
        assertEquals(0.5, ClassificationMetrics.auc(new float[] {-0.0f, 0.0f}, new float[] {1, 0}), TOL);
        assertEquals(1.0, ClassificationMetrics.auc(new float[] {-3f, -1f, -2f}, new float[] {0, 1, 0}), TOL);
    }

    @Test
    void aucRejectsSingleClassAndBadInput() {
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.auc(new float[] {0.1f, 0.9f}, new float[] {1, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.auc(new float[] {0.1f, 0.9f}, new float[] {0, 0}));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.auc(new float[] {0.1f}, new float[] {0, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.auc(new float[0], new float[0]));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.auc(new float[] {0.1f, 0.9f}, new float[] {0, 0.5f}));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.auc(new float[] {Float.NaN, 0.9f}, new float[] {0, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.all(new float[] {0.1f, 0.9f}, new float[] {1, 1}));
    }

    @Test
    void logloss() {
        // float32-exact inputs: -(ln 0.75 + ln(1 - 0.125)) / 2 = (0.2876820724517809 + 0.1335313926245226) / 2
        //   = 0.21060673253815176
        assertEquals(0.21060673253815176,
                ClassificationMetrics.logloss(new float[] {0.75f, 0.125f}, new float[] {1, 0}), TOL);
        // 0.9f is not 0.9: -(ln 0.9 + ln 0.8) / 2 = 0.164252033486018 only to float32 precision (~1e-8)
        assertEquals(0.164252033486018,
                ClassificationMetrics.logloss(new float[] {0.9f, 0.2f}, new float[] {1, 0}), 1e-6);
        // exact float values: p = 0.5 -> ln 2 per example
        assertEquals(Math.log(2), ClassificationMetrics.logloss(new float[] {0.5f, 0.5f}, new float[] {1, 0}), TOL);
    }

    @Test
    void loglossClipsWithFloat64Epsilon() {
        // eps = 2^-52 = 2.220446049250313e-16; p = 0 for a positive -> -ln(eps) = 36.04365338911715
        // p = 0 for a negative -> -ln(1 - eps) = 2.22e-16; mean = 18.021826694558577 (sklearn log_loss agrees)
        assertEquals(2.220446049250313e-16, ClassificationMetrics.LOGLOSS_EPS, 0.0);
        assertEquals(18.021826694558577,
                ClassificationMetrics.logloss(new float[] {0f, 0f}, new float[] {1, 0}), TOL);
        // p = 1 for a negative: clipped to 1 - eps -> -ln(eps)
        assertEquals(36.04365338911715, ClassificationMetrics.logloss(new float[] {1f}, new float[] {0}), TOL);
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.logloss(new float[] {1.5f}, new float[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.logloss(new float[] {Float.NaN}, new float[] {1}));
    }

    @Test
    void thresholdedMetrics() {
        // probs     0.9  0.6  0.5  0.4  0.2  0.7
        // predicted  1    1    0    0    0    1     (prob > 0.5; exactly 0.5 is negative)
        // labels     1    0    1    0    0    1
        // TP = 2 (0.9, 0.7), FP = 1 (0.6), FN = 1 (0.5), TN = 2 (0.4, 0.2)
        // accuracy = 4/6, precision = 2/3, recall = 2/3
        float[] probs = {0.9f, 0.6f, 0.5f, 0.4f, 0.2f, 0.7f};
        float[] labels = {1, 0, 1, 0, 0, 1};
        assertEquals(4.0 / 6, ClassificationMetrics.accuracy(probs, labels), TOL);
        assertEquals(2.0 / 3, ClassificationMetrics.precision(probs, labels), TOL);
        assertEquals(2.0 / 3, ClassificationMetrics.recall(probs, labels), TOL);
        // threshold 0.45: 0.5 becomes positive -> TP = 3, FP = 1, FN = 0, TN = 2
        assertEquals(5.0 / 6, ClassificationMetrics.accuracy(probs, labels, 0.45), TOL);
        assertEquals(3.0 / 4, ClassificationMetrics.precision(probs, labels, 0.45), TOL);
        assertEquals(1.0, ClassificationMetrics.recall(probs, labels, 0.45), TOL);
    }

    @Test
    void zeroDivisionGivesZero() {
        // nothing predicted positive -> precision 0 (sklearn zero_division default), recall 0/2 = 0
        float[] probs = {0.1f, 0.5f, 0.3f};
        float[] labels = {1, 1, 0};
        assertEquals(0.0, ClassificationMetrics.precision(probs, labels), 0.0);
        assertEquals(0.0, ClassificationMetrics.recall(probs, labels), 0.0);
        assertEquals(1.0 / 3, ClassificationMetrics.accuracy(probs, labels), TOL);
        // no positive labels -> recall 0
        assertEquals(0.0, ClassificationMetrics.recall(new float[] {0.9f}, new float[] {0}), 0.0);
    }

    @Test
    void allHasTheFiveKeysInOrder() {
        float[] probs = {0.9f, 0.6f, 0.5f, 0.4f, 0.2f, 0.7f};
        float[] labels = {1, 0, 1, 0, 0, 1};
        Map<String, Double> m = ClassificationMetrics.all(probs, labels);
        assertIterableEquals(List.of("auc", "logloss", "accuracy", "precision", "recall"), m.keySet());
        assertEquals(ClassificationMetrics.auc(probs, labels), m.get("auc"), 0.0);
        assertEquals(ClassificationMetrics.logloss(probs, labels), m.get("logloss"), 0.0);
        assertEquals(4.0 / 6, m.get("accuracy"), TOL);
        assertEquals(2.0 / 3, m.get("precision"), TOL);
        assertEquals(2.0 / 3, m.get("recall"), TOL);
        // AUC: positives {0.9, 0.5, 0.7}, negatives {0.6, 0.4, 0.2}: 0.9 and 0.7 beat all 3, 0.5 beats 0.4, 0.2
        //   -> (3 + 3 + 2) / 9
        assertEquals(8.0 / 9, m.get("auc"), TOL);
    }
}
