package dev.feedrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.feedrank.model.DjlRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Each vectorised loss against a plain-Java reference written from the design document's Python, row by row. */
class RankingLossesTest {

    static NDManager m;

    @BeforeAll
    static void manager() {
        DjlRuntime.ensureOffline();
        m = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        m.close();
    }

    static float[] gauss(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (scale * Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
        return a;
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void bceAndWeightedBceMatchTheDocumentsFormulas() {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = gauss(r, 200, 3);
        float[] y = new float[200];
        for (int i = 0; i < 200; i++) y[i] = r.nextBoolean() ? 1f : 0f;
        double bce = 0;
        double weighted = 0;
        for (int i = 0; i < 200; i++) {
            double p = sigmoid(x[i]);
            bce += -y[i] * Math.log(p) - (1 - y[i]) * Math.log(1 - p);
            weighted += -2.5 * y[i] * Math.log(p) - (1 - y[i]) * Math.log(1 - p);
        }
        NDArray logits = m.create(x);
        NDArray labels = m.create(y);
        assertEquals(bce / 200, RankingLosses.bce(logits, labels).getFloat(), 1e-5);
        assertEquals(weighted / 200, RankingLosses.weightedBce(logits, labels, 2.5f).getFloat(), 1e-5);
        // pos_weight 1 is plain BCE; a very confident wrong logit stays finite (no log(0))
        assertEquals(bce / 200, RankingLosses.weightedBce(logits, labels, 1f).getFloat(), 1e-5);
        assertEquals(80.0, RankingLosses.bce(m.create(new float[] {-80f}), m.create(new float[] {1f})).getFloat(), 1e-3);
    }

    @Test
    void pairwiseIsTheHingeOnProbabilities() {
        SplittableRandom r = new SplittableRandom(2);
        float[] pos = gauss(r, 64, 2);
        float[] neg = gauss(r, 64, 2);
        double expected = 0;
        for (int i = 0; i < 64; i++) expected += Math.max(0, 0.5 - (sigmoid(pos[i]) - sigmoid(neg[i])));
        assertEquals(expected / 64, RankingLosses.pairwise(m.create(pos), m.create(neg), 0.5f).getFloat(), 1e-5);
    }

    @Test
    void batchHardTripletEqualsTheBruteForceLoopOfTheDocument() {
        SplittableRandom r = new SplittableRandom(3);
        int b = 48;
        int d = 8;
        float[] u = gauss(r, b * d, 1);
        float[] v = gauss(r, b * d, 1);
        float[] labels = new float[b];
        long[] ids = new long[b];
        for (int i = 0; i < b; i++) {
            labels[i] = r.nextInt(4) == 0 ? 1f : 0f;
            ids[i] = r.nextInt(20); // repeated items: a copy of the positive's own item is not its negative
        }
        // the document's loop: for each positive row, hardest (closest) label-0 item, positive distance d(u_i, v_i)
        double loss = 0;
        int positives = 0;
        for (int i = 0; i < b; i++) {
            if (labels[i] != 1f) continue;
            positives++;
            double hardest = Double.POSITIVE_INFINITY;
            for (int j = 0; j < b; j++) {
                if (labels[j] != 0f || ids[j] == ids[i]) continue;
                hardest = Math.min(hardest, distance(u, i, v, j, d));
            }
            if (hardest < Double.POSITIVE_INFINITY) loss += Math.max(0, distance(u, i, v, i, d) - hardest + 0.3);
        }
        double expected = loss / positives;
        assertTrue(positives > 5 && expected > 0, "the case must exercise the loss: " + positives + " positives, loss " + expected);
        float got = RankingLosses.batchHardTriplet(m.create(u, new Shape(b, d)), m.create(v, new Shape(b, d)), m.create(labels),
                m.create(ids), 0.3f).getFloat();
        assertEquals(expected, got, 1e-4);
    }

    static double distance(float[] u, int i, float[] v, int j, int d) {
        double s = 0;
        for (int k = 0; k < d; k++) s += (u[i * d + k] - v[j * d + k]) * (u[i * d + k] - v[j * d + k]);
        return Math.sqrt(s);
    }

    @Test
    void inBatchSoftmaxWithLogQAndAccidentalHitsEqualsTheReference() {
        SplittableRandom r = new SplittableRandom(4);
        int p = 12;
        int c = 24; // 12 positives then 12 extra negatives
        int d = 6;
        float[] u = gauss(r, p * d, 1);
        float[] v = gauss(r, c * d, 1);
        long[] ids = new long[c];
        float[] logQ = new float[c];
        for (int j = 0; j < c; j++) {
            ids[j] = r.nextInt(10); // collisions on purpose
            logQ[j] = (float) Math.log(0.01 + r.nextDouble());
        }
        float temperature = 0.7f;
        for (boolean removeHits : new boolean[] {true, false}) {
            double loss = 0;
            for (int i = 0; i < p; i++) {
                double[] logits = new double[c];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < c; j++) {
                    if (removeHits && j != i && ids[j] == ids[i]) {
                        logits[j] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int k = 0; k < d; k++) dot += u[i * d + k] * v[j * d + k];
                    logits[j] = dot / temperature - logQ[j];
                    max = Math.max(max, logits[j]);
                }
                double z = 0;
                for (int j = 0; j < c; j++) z += Math.exp(logits[j] - max);
                loss += -(logits[i] - max - Math.log(z));
            }
            float got = RankingLosses.inBatchSoftmax(m.create(u, new Shape(p, d)), m.create(v, new Shape(c, d)), m.create(ids),
                    m.create(logQ), temperature, removeHits).getFloat();
            assertEquals(loss / p, got, 1e-4, "remove accidental hits " + removeHits);
        }
    }

    @Test
    void multiTaskBceIsTheWeightedSumOfPerTaskBce() {
        SplittableRandom r = new SplittableRandom(5);
        int b = 30;
        float[] x = gauss(r, b * 3, 2);
        float[] y = new float[b * 3];
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(3) == 0 ? 1f : 0f;
        float[] w = {1f, 0.5f, 0.25f};
        double expected = 0;
        for (int t = 0; t < 3; t++) {
            double task = 0;
            for (int i = 0; i < b; i++) {
                double p = sigmoid(x[i * 3 + t]);
                task += -y[i * 3 + t] * Math.log(p) - (1 - y[i * 3 + t]) * Math.log(1 - p);
            }
            expected += w[t] * task / b;
        }
        assertEquals(expected, RankingLosses.multiTaskBce(m.create(x, new Shape(b, 3)), m.create(y, new Shape(b, 3)), w, 1f).getFloat(), 1e-5);
    }
}
