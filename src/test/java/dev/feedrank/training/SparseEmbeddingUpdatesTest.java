package dev.feedrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.tracker.Tracker;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.TwoTowerModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code train.sparse-embedding-updates}: the row-wise Adam step ({@link ResumableAdam#updateRows}) against a
 * reference computation, and the sparse path through the trainer (gradients, resume).
 */
class SparseEmbeddingUpdatesTest {

    static final float LR = 0.01f;
    /** Adam's default betas as the kernel gets them: floats. */
    static final double B1 = 0.9f;
    static final double B2 = 0.999f;
    static final double EPS = 1e-8;

    @Test
    void autoUpdatesRowWiseFromAHundredThousandIdRowsOn() {
        assertFalse(TrainingSettings.sparseEmbeddingUpdates("auto", 99_999));
        assertTrue(TrainingSettings.sparseEmbeddingUpdates("auto", 100_000));
        assertTrue(TrainingSettings.sparseEmbeddingUpdates(" AUTO ", 600_002), "500k users + 100k items, OOV rows");
        assertFalse(TrainingSettings.sparseEmbeddingUpdates("auto", -1), "size not known: dense");
        assertTrue(TrainingSettings.sparseEmbeddingUpdates("true", 10));
        assertFalse(TrainingSettings.sparseEmbeddingUpdates("false", 1_000_000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingSettings.sparseEmbeddingUpdates("sometimes", 10));
        assertTrue(e.getMessage().contains("train.sparse-embedding-updates") && e.getMessage().contains("sometimes"), e.getMessage());
    }

    @Test
    void rowWiseAdamUpdatesTouchedRowsByAdamsFormulaAndLeavesTheOthers() {
        int rows = 10;
        int dim = 4;
        SplittableRandom r = new SplittableRandom(3);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] w0 = gauss(r, rows * dim);
            NDArray table = m.create(w0.clone(), new Shape(rows, dim));
            ResumableAdam adam = ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(LR)).stateManager(m).build();
            // reference state in double
            double[] w = toDouble(w0);
            double[] mean = new double[rows * dim];
            double[] var = new double[rows * dim];
            long[][] steps = {{1, 4, 7}, {0, 4, 9}, {4}};
            for (int t = 1; t <= steps.length; t++) {
                long[] idx = steps[t - 1];
                float[] g = gauss(r, idx.length * dim);
                adam.updateRows("table", table, m.create(idx), m.create(g, new Shape(idx.length, dim)));
                double lrt = LR * Math.sqrt(1 - Math.pow(B2, t)) / (1 - Math.pow(B1, t));
                for (int k = 0; k < idx.length; k++) {
                    for (int j = 0; j < dim; j++) {
                        int at = (int) idx[k] * dim + j;
                        double gj = g[k * dim + j];
                        mean[at] = B1 * mean[at] + (1 - B1) * gj;
                        var[at] = B2 * var[at] + (1 - B2) * gj * gj;
                        w[at] -= lrt * mean[at] / (Math.sqrt(var[at]) + EPS);
                    }
                }
                assertEquals(t, adam.numUpdate(), "one Adam step per call: bias correction uses step t");
            }
            float[] got = table.toFloatArray();
            Set<Integer> touched = new HashSet<>();
            for (long[] s : steps) for (long i : s) touched.add((int) i);
            ResumableAdam.State state = adam.exportState(Map.of("table", "t"));
            float[] gotMean = NDArray.decode(m, state.means().get("t")).toFloatArray();
            float[] gotVar = NDArray.decode(m, state.variances().get("t")).toFloatArray();
            for (int row = 0; row < rows; row++) {
                for (int j = 0; j < dim; j++) {
                    int at = row * dim + j;
                    if (touched.contains(row)) {
                        // float32 arithmetic in the kernel vs double here
                        assertEquals(w[at], got[at], 1e-6, "weight row " + row);
                        assertEquals(mean[at], gotMean[at], 1e-6 * Math.max(1, Math.abs(mean[at])), "first moment row " + row);
                        assertEquals(var[at], gotVar[at], 1e-6 * Math.abs(var[at]) + 1e-12, "second moment row " + row);
                    } else {
                        assertEquals(w0[at], got[at], "an untouched row keeps its weights exactly (row " + row + ")");
                        assertEquals(0f, gotMean[at], "an untouched row keeps its moments (row " + row + ")");
                        assertEquals(0f, gotVar[at]);
                    }
                }
            }
            // row 4 moved in each of the 3 steps, row 1 only in the first: after it, its moments stayed put
            assertNotEquals(w0[4 * dim], got[4 * dim]);
            assertEquals(3, state.updateCounts().get("t"));
        }
    }

    @Test
    void touchingEveryRowEqualsTheDenseAdamStepBitForBit() {
        int rows = 6;
        int dim = 3;
        SplittableRandom r = new SplittableRandom(9);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] w0 = gauss(r, rows * dim);
            NDArray dense = m.create(w0.clone(), new Shape(rows, dim));
            NDArray sparse = m.create(w0.clone(), new Shape(rows, dim));
            ResumableAdam a = ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(LR)).stateManager(m).build();
            ResumableAdam b = ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(LR)).stateManager(m).build();
            for (int t = 0; t < 4; t++) {
                NDArray g = m.create(gauss(r, rows * dim), new Shape(rows, dim));
                a.update("p", dense, g);
                b.updateRows("p", sparse, m.arange(0, rows, 1, ai.djl.ndarray.types.DataType.INT64), g);
            }
            assertArrayEquals(dense.toFloatArray(), sparse.toFloatArray());
        }
    }

    @Test
    void firstSparseStepEqualsTheFirstDenseStep() throws Exception {
        // at step 1 every moment is 0, so dense Adam moves only the rows with a gradient: one batch of the whole
        // train split gives the same parameters both ways (up to the summation order of the rows' gradients)
        PreparedDataset data = TinyDatasets.agreement(300, 200, 1_000, 5);
        TrainingSettings dense = new TrainingSettings(1, data.train().size(), 1e-3, 16, 8, 11, 5, 1, 0.5, 1000, 0.1)
                .withSparseEmbeddingUpdates(false);
        byte[] d = train(data, dense);
        byte[] s = train(data, dense.withSparseEmbeddingUpdates(true));
        double diff = TrainingResumeTest.maxAbsDifference(d, s, spec(data, dense));
        System.out.printf("first step sparse vs dense: max |parameter diff| %.3g%n", diff);
        assertTrue(diff < 1e-6, "max |diff| " + diff);
        // and a second step differs: dense Adam keeps moving rows touched before (the lazy update does not)
        TrainingSettings two = new TrainingSettings(1, data.train().size() / 2 + 1, 1e-3, 16, 8, 11, 5, 1, 0.5, 1000, 0.1)
                .withSparseEmbeddingUpdates(false);
        assertTrue(TrainingResumeTest.maxAbsDifference(train(data, two), train(data, two.withSparseEmbeddingUpdates(true)),
                spec(data, two)) > 1e-6);
    }

    @Test
    void sparseTrainingStoppedMidEpochResumesExactly() throws Exception {
        stoppedMidEpochResumesExactly(true);
    }

    @Test
    void denseTrainingStoppedMidEpochStillResumesExactly() throws Exception {
        stoppedMidEpochResumesExactly(false);
    }

    private static void stoppedMidEpochResumesExactly(boolean sparse) throws Exception {
        PreparedDataset data = TinyDatasets.agreement(120, 80, 4_000, 7);
        TrainingSettings s = new TrainingSettings(2, 256, 1e-3, 16, 8, 11, 5, 1, 0.5, 1000, 0.1).withSparseEmbeddingUpdates(sparse);
        int batches = (data.train().size() + 255) / 256;
        List<byte[]> cleanCheckpoints = new ArrayList<>();
        TrainingResult clean = new TwoTowerTrainer().train(data, s, new TrainingListener() {
            @Override public void checkpoint(byte[] state) { cleanCheckpoints.add(state); }
        });
        byte[] cleanParams;
        List<EpochStats> cleanCurve;
        try (TwoTowerModel m = clean.model()) {
            cleanParams = m.parameters();
            cleanCurve = clean.curve();
        }
        // stop in epoch 2 after its 5th batch, resume in a new trainer and model
        TrainingResumeTest.Stopper stopper = new TrainingResumeTest.Stopper(batches + 5);
        assertThrows(TrainingStoppedException.class, () -> new TwoTowerTrainer().train(data, s, stopper, null));
        TrainingCheckpoint cp = TrainingCheckpoint.decode(stopper.last());
        assertEquals(batches + 5, cp.optimizer().numUpdate());
        assertTrue(cp.optimizer().means().keySet().stream().anyMatch(n -> n.contains("id_embedding")),
                "the checkpoint holds the ID tables' moments: " + cp.optimizer().means().keySet());
        assertEquals(sparse, cp.fingerprint().technique().contains("sparse-embedding-updates"), cp.fingerprint().technique());
        List<byte[]> later = new ArrayList<>();
        TrainingResult resumed = new TwoTowerTrainer().train(data, s, new TrainingListener() {
            @Override public void checkpoint(byte[] state) { later.add(state); }
        }, stopper.last());
        try (TwoTowerModel m = resumed.model()) {
            assertEquals(0.0, TrainingResumeTest.maxAbsDifference(cleanParams, m.parameters(), spec(data, s)), "final parameters");
            for (int e = 0; e < cleanCurve.size(); e++) {
                assertEquals(cleanCurve.get(e).trainLoss(), resumed.curve().get(e).trainLoss(), 0.0, "train loss of epoch " + (e + 1));
                assertEquals(cleanCurve.get(e).validationAuc(), resumed.curve().get(e).validationAuc(), 0.0);
            }
            assertEquals(TrainingResumeTest.withoutTimings(cleanCheckpoints.get(cleanCheckpoints.size() - 1)),
                    TrainingResumeTest.withoutTimings(later.get(later.size() - 1)));
        }
        // the moments matter: without them the continuation differs
        byte[] forgetful = TrainingCheckpoint.decode(stopper.last()).withoutOptimizerState().encode();
        TrainingResult r = new TwoTowerTrainer().train(data, s, new TrainingListener() { }, forgetful);
        try (TwoTowerModel m = r.model()) {
            assertTrue(TrainingResumeTest.maxAbsDifference(cleanParams, m.parameters(), spec(data, s)) > 0);
        }
        // resumed under the other setting (a run started before the default changed), the training continues in its
        // checkpoint's mode, says so, and ends exactly as the uninterrupted run
        List<String> lines = new ArrayList<>();
        TrainingResult other = new TwoTowerTrainer().train(data, s.withSparseEmbeddingUpdates(!sparse), new TrainingListener() {
            @Override public void progress(String line) { lines.add(line); }
        }, stopper.last());
        try (TwoTowerModel m = other.model()) {
            assertEquals(0.0, TrainingResumeTest.maxAbsDifference(cleanParams, m.parameters(), spec(data, s)), "final parameters");
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("continuing in that mode")), lines.toString());
    }

    private static byte[] train(PreparedDataset data, TrainingSettings s) throws Exception {
        try (TwoTowerModel m = new TwoTowerTrainer().train(data, s, new TrainingListener() { }).model()) {
            return m.parameters();
        }
    }

    private static dev.feedrank.model.ModelSpec spec(PreparedDataset data, TrainingSettings s) {
        return TwoTowerTrainer.modelSpec(data, s);
    }

    private static float[] gauss(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) a[k] = (float) r.nextGaussian();
        return a;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
