package dev.feedrank.training;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.ModelSpec;
import dev.feedrank.model.TwoTowerModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Stop between batches, resume from the checkpoint in a new trainer and model, and compare with a training that
 * never stopped. Shuffles are per (seed, epoch) and the engine RNG is reseeded per (seed, epoch, batch), so on this
 * CPU engine the resumed training is expected to be identical; the measured differences are printed.
 */
class TrainingResumeTest {

    static final int EPOCHS = 3;
    static PreparedDataset data;
    static TrainingSettings settings;
    static int batches;
    /** The uninterrupted run: its curve, final (best) parameters, last-epoch parameters and every checkpoint. */
    static List<EpochStats> cleanCurve;
    static byte[] cleanBest;
    static int cleanBestEpoch;
    static double cleanBestAuc;
    static List<byte[]> cleanEpochCheckpoints = new ArrayList<>();

    static TrainingSettings settings(int epochs, int batch) {
        // dropout is in the model; cold start 0.1 exercises the engine RNG in the batch loop as well
        return new TrainingSettings(epochs, batch, 1e-3, 16, 8, 11, 5, 1, 0.5, 1000, 0.1);
    }

    @BeforeAll
    static void uninterrupted() throws Exception {
        data = TinyDatasets.agreement(200, 100, 8_000, 7);
        settings = settings(EPOCHS, 256);
        batches = (data.train().size() + 255) / 256;
        long t0 = System.nanoTime();
        TrainingResult r = new TwoTowerTrainer().train(data, settings, new TrainingListener() {
            @Override public void checkpoint(byte[] state) { cleanEpochCheckpoints.add(state); }
        });
        try (TwoTowerModel m = r.model()) {
            cleanCurve = r.curve();
            cleanBest = m.parameters();
            cleanBestEpoch = r.bestEpoch();
            cleanBestAuc = r.bestValidationAuc();
        }
        System.out.printf("uninterrupted: %d epochs x %d batches in %.1fs, curve %s%n", EPOCHS, batches,
                (System.nanoTime() - t0) / 1e9, cleanCurve);
    }

    /** A listener that asks to stop after {@code stopAfter} batches of this session and keeps every checkpoint. */
    static final class Stopper implements TrainingListener {
        final int stopAfter;
        int batchesSeen;
        final List<byte[]> checkpoints = new ArrayList<>();
        final List<String> progress = new ArrayList<>();

        Stopper(int stopAfter) {
            this.stopAfter = stopAfter;
        }

        @Override public boolean stopRequested() { return ++batchesSeen >= stopAfter; }
        @Override public void checkpoint(byte[] state) { checkpoints.add(state); }
        @Override public void progress(String line) { progress.add(line); }

        byte[] last() {
            return checkpoints.get(checkpoints.size() - 1);
        }
    }

    /** Trains (from {@code resumeFrom} or scratch) until {@code s} asks to stop; the checkpoint written then. */
    static byte[] stop(byte[] resumeFrom, Stopper s) {
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class,
                () -> new TwoTowerTrainer().train(data, settings, s, resumeFrom));
        assertTrue(e.getMessage().contains("checkpoint"), e.getMessage());
        return s.last();
    }

    @Test
    void stopMidEpochThenResumeInANewTrainerMatchesTheUninterruptedRun() throws Exception {
        int stopAt = batches + 7; // epoch 2, after its 7th batch
        Stopper first = new Stopper(stopAt);
        TrainingStoppedException stopped = assertThrows(TrainingStoppedException.class,
                () -> new TwoTowerTrainer().train(data, settings, first, null));
        assertEquals(2, stopped.epoch());
        assertEquals(7, stopped.batchesDone());
        assertEquals("training stopped on request at epoch 2 after batch 7 of " + batches + "; a checkpoint of this position was written",
                stopped.getMessage());
        // end of epoch 1 + the stop
        assertEquals(2, first.checkpoints.size());
        TrainingCheckpoint cp = TrainingCheckpoint.decode(first.last());
        assertEquals(2, cp.epoch());
        assertEquals(7, cp.batch());
        assertEquals(1, cp.curve().size());
        assertEquals(stopAt, cp.batchesDone());
        assertFalse(cp.finished());
        assertTrue(cp.optimizer().numUpdate() == stopAt, "Adam step count " + cp.optimizer().numUpdate());

        List<String> progress = new ArrayList<>();
        List<byte[]> later = new ArrayList<>();
        TrainingResult resumed = new TwoTowerTrainer().train(data, settings, new TrainingListener() {
            @Override public void progress(String line) { progress.add(line); }
            @Override public void checkpoint(byte[] state) { later.add(state); }
        }, first.last());
        try (TwoTowerModel m = resumed.model()) {
            assertEquals("resuming at epoch 2 batch 8 of " + batches + " from checkpoint", progress.get(0));
            assertEquals(EPOCHS, resumed.curve().size(), "the curve has every epoch, before and after the stop");
            assertEquals(EPOCHS - 1, later.size(), "a checkpoint after each epoch finished after the resume");
            double lossDiff = 0;
            double aucDiff = 0;
            for (int e = 0; e < EPOCHS; e++) {
                assertEquals(e + 1, resumed.curve().get(e).epoch());
                lossDiff = Math.max(lossDiff, Math.abs(resumed.curve().get(e).trainLoss() - cleanCurve.get(e).trainLoss()));
                aucDiff = Math.max(aucDiff, Math.abs(resumed.curve().get(e).validationAuc() - cleanCurve.get(e).validationAuc()));
            }
            double paramDiff = maxAbsDifference(cleanBest, m.parameters());
            double finalAucDiff = Math.abs(resumed.bestValidationAuc() - cleanBestAuc);
            System.out.printf("mid-epoch resume vs uninterrupted: max |train loss diff| %.3g, max |val AUC diff| %.3g, "
                    + "best val AUC diff %.3g, max |parameter diff| %.3g%n", lossDiff, aucDiff, finalAucDiff, paramDiff);
            assertEquals(cleanBestEpoch, resumed.bestEpoch());
            // same data order, same engine seeds per batch, same optimizer state: identical on this CPU engine
            assertEquals(0.0, lossDiff, "train loss per epoch");
            assertEquals(0.0, aucDiff, "validation AUC per epoch");
            assertEquals(0.0, paramDiff, "final parameters");
            assertEquals(cleanBestAuc, TwoTowerTrainer.validationAuc(m, data), 1e-12, "the resumed result holds the best weights");
            // the end-of-epoch checkpoints after the resume equal the uninterrupted run's byte for byte, apart from timings
            assertEquals(withoutTimings(cleanEpochCheckpoints.get(EPOCHS - 1)), withoutTimings(later.get(later.size() - 1)));
        }
    }

    @Test
    void resumeAtAnEpochBoundaryReproducesTheCurve() throws Exception {
        byte[] afterEpoch1 = cleanEpochCheckpoints.get(0);
        TrainingCheckpoint cp = TrainingCheckpoint.decode(afterEpoch1);
        assertEquals(2, cp.epoch());
        assertEquals(0, cp.batch());
        List<String> progress = new ArrayList<>();
        TrainingResult resumed = new TwoTowerTrainer().train(data, settings, new TrainingListener() {
            @Override public void progress(String line) { progress.add(line); }
        }, afterEpoch1);
        try (TwoTowerModel m = resumed.model()) {
            assertEquals("resuming at epoch 2 batch 1 of " + batches + " from checkpoint", progress.get(0));
            assertEquals(EPOCHS, resumed.curve().size());
            for (int e = 0; e < EPOCHS; e++) {
                EpochStats a = cleanCurve.get(e);
                EpochStats b = resumed.curve().get(e);
                assertEquals(a.trainLoss(), b.trainLoss(), 0.0, "epoch " + (e + 1) + " loss");
                assertEquals(a.validationAuc(), b.validationAuc(), 0.0, "epoch " + (e + 1) + " AUC");
                assertEquals(a.learningRate(), b.learningRate(), 0.0, "epoch " + (e + 1) + " learning rate");
                assertEquals(a.best(), b.best());
            }
            assertEquals(0.0, maxAbsDifference(cleanBest, m.parameters()));
        }
    }

    @Test
    void stopAfterTheLastBatchOfAnEpochResumesWithItsValidation() throws Exception {
        Stopper s = new Stopper(batches); // stops after the last batch of epoch 1, before its validation
        byte[] cp = stop(null, s);
        assertEquals(1, s.checkpoints.size(), "only the stop checkpoint: epoch 1 did not end");
        TrainingCheckpoint decoded = TrainingCheckpoint.decode(cp);
        assertEquals(1, decoded.epoch());
        assertEquals(batches, decoded.batch());
        assertTrue(decoded.curve().isEmpty());
        // resume and stop again right away: validation of epoch 1 runs, then one batch of epoch 2
        Stopper again = new Stopper(1);
        byte[] cp2 = stop(cp, again);
        assertEquals("resuming at the end of epoch 1 (all " + batches + " batches done, validation pending) from checkpoint",
                again.progress.get(0));
        TrainingCheckpoint after = TrainingCheckpoint.decode(cp2);
        assertEquals(1, after.curve().size());
        assertEquals(cleanCurve.get(0).trainLoss(), after.curve().get(0).trainLoss(), 0.0);
        assertEquals(cleanCurve.get(0).validationAuc(), after.curve().get(0).validationAuc(), 0.0);
        assertEquals(2, after.epoch());
        assertEquals(1, after.batch());
    }

    @Test
    void optimizerStateIsRestoredAndMatters() throws Exception {
        // from the end of epoch 1, train 5 more batches: properly restored, and with Adam's moments and counts dropped
        byte[] afterEpoch1 = cleanEpochCheckpoints.get(0);
        TrainingCheckpoint from = TrainingCheckpoint.decode(afterEpoch1);
        assertFalse(from.optimizer().means().isEmpty());
        assertEquals(from.optimizer().means().keySet(), from.optimizer().updateCounts().keySet());
        byte[] proper = stop(afterEpoch1, new Stopper(5));
        byte[] broken = stop(from.withoutOptimizerState().encode(), new Stopper(5));
        // and the same 5 batches without any stop in between
        byte[] reference = stop(null, new Stopper(batches + 5));

        TrainingCheckpoint p = TrainingCheckpoint.decode(proper);
        TrainingCheckpoint b = TrainingCheckpoint.decode(broken);
        TrainingCheckpoint r = TrainingCheckpoint.decode(reference);
        double properDiff = maxAbsDifference(r.parameters(), p.parameters());
        double brokenDiff = maxAbsDifference(r.parameters(), b.parameters());
        double movedBy = maxAbsDifference(from.parameters(), r.parameters());
        System.out.printf("5 batches after a resume at epoch 2: max |parameter diff| vs uninterrupted: restored %.3g, "
                + "moments dropped %.3g (the 5 batches moved parameters by up to %.3g)%n", properDiff, brokenDiff, movedBy);
        assertEquals(0.0, properDiff, "restored optimizer: the same parameters as without the stop");
        assertTrue(brokenDiff > 1e-4, "dropping Adam's moments must show: " + brokenDiff);
        assertEquals(r.optimizer().numUpdate(), p.optimizer().numUpdate());
        assertEquals(5, b.optimizer().numUpdate(), "the broken restore restarted Adam's step count");
        // the moments themselves are carried over exactly
        for (String name : r.optimizer().means().keySet()) {
            assertArrayEquals(r.optimizer().means().get(name), p.optimizer().means().get(name), name);
            assertArrayEquals(r.optimizer().variances().get(name), p.optimizer().variances().get(name), name);
        }
    }

    @Test
    void checkpointRoundTripsAndRefusesAnotherTraining() throws Exception {
        // a checkpoint before any epoch ended: no best yet, plateau best -infinity
        byte[] early = stop(null, new Stopper(2));
        TrainingCheckpoint a = TrainingCheckpoint.decode(early);
        assertNull(a.bestParameters());
        assertEquals(Double.NEGATIVE_INFINITY, a.bestValidationAuc());
        assertEquals(Double.NEGATIVE_INFINITY, a.plateau().best());
        assertArrayEquals(early, a.encode(), "decode then encode gives the same bytes");
        byte[] later = cleanEpochCheckpoints.get(1);
        TrainingCheckpoint b = TrainingCheckpoint.decode(later);
        assertArrayEquals(later, b.encode());
        assertEquals(2, b.curve().size());
        assertEquals(cleanCurve.subList(0, 2), b.curve());
        assertNotNull(b.bestParameters());
        assertEquals(TrainingCheckpoint.Fingerprint.of(settings, spec(), data), b.fingerprint());
        assertEquals(3, b.epoch());
        assertEquals(2 * batches, b.batchesDone());
        assertEquals(2L * data.train().size(), b.samplesDone());
        assertTrue(b.finished() == false && cleanEpochCheckpoints.size() == EPOCHS
                && TrainingCheckpoint.decode(cleanEpochCheckpoints.get(EPOCHS - 1)).finished());

        // another batch size: refused before anything is trained, every difference named
        var e = assertThrows(TrainingCheckpoint.IncompatibleCheckpointException.class,
                () -> new TwoTowerTrainer().train(data, settings(EPOCHS, 128), new TrainingListener() { }, later));
        assertTrue(e.getMessage().contains("batchSize: checkpoint 256, now 128"), e.getMessage());
        assertTrue(e.getMessage().startsWith("the checkpoint belongs to a different training"), e.getMessage());
        // other data (same shapes, other content)
        PreparedDataset other = TinyDatasets.agreement(200, 100, 8_000, 8);
        var e2 = assertThrows(TrainingCheckpoint.IncompatibleCheckpointException.class,
                () -> new TwoTowerTrainer().train(other, settings, new TrainingListener() { }, later));
        assertTrue(e2.getMessage().contains("dataContentHash: checkpoint tiny-7, now tiny-8"), e2.getMessage());
        // more epochs than the checkpoint was made for
        var e3 = assertThrows(TrainingCheckpoint.IncompatibleCheckpointException.class,
                () -> new TwoTowerTrainer().train(data, settings(EPOCHS + 1, 256), new TrainingListener() { }, later));
        assertTrue(e3.getMessage().contains("epochs: checkpoint 3, now 4"), e3.getMessage());

        // not a checkpoint, a truncated one, a newer format
        var g = assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.decode("hello world!".getBytes()));
        assertEquals("not a feedrank training checkpoint (wrong magic)", g.getMessage());
        var t = assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.decode(Arrays.copyOf(later, later.length / 2)));
        assertEquals("training checkpoint is truncated", t.getMessage());
        byte[] newer = later.clone();
        ByteBuffer.wrap(newer).putInt(8, TrainingCheckpoint.FORMAT_VERSION + 1);
        var v = assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.decode(newer));
        assertTrue(v.getMessage().contains("format version 2 is not supported"), v.getMessage());
    }

    @Test
    void resumingAFinishedTrainingReturnsItsBestModelWithoutTraining() throws Exception {
        byte[] last = cleanEpochCheckpoints.get(EPOCHS - 1);
        List<String> progress = new ArrayList<>();
        TrainingListener l = new TrainingListener() {
            @Override public void progress(String line) { progress.add(line); }
            @Override public void epochEnded(EpochStats s) { fail("no epoch should run"); }
            @Override public void checkpoint(byte[] state) { fail("no checkpoint should be written"); }
        };
        TrainingResult r = new TwoTowerTrainer().train(data, settings, l, last);
        try (TwoTowerModel m = r.model()) {
            assertEquals(List.of("checkpoint is of a finished training (3 epochs): not training further"), progress);
            assertEquals(cleanCurve, r.curve());
            assertEquals(cleanBestEpoch, r.bestEpoch());
            assertEquals(0.0, maxAbsDifference(cleanBest, m.parameters()));
        }
    }

    static ModelSpec spec() {
        return new ModelSpec(data.users().vocabSize(), data.users().width(), data.items().vocabSize(), data.items().width(),
                settings.idEmbeddingDim(), settings.embeddingDim());
    }

    /** The checkpoint with the wall-clock fields (elapsed, epoch seconds, samples/s) zeroed, for comparing content. */
    static String withoutTimings(byte[] checkpoint) {
        TrainingCheckpoint c = TrainingCheckpoint.decode(checkpoint);
        List<EpochStats> curve = c.curve().stream()
                .map(e -> new EpochStats(e.epoch(), e.trainLoss(), e.validationAuc(), e.validationMetric(), e.learningRate(), 0, 0, e.best())).toList();
        TrainingCheckpoint z = new TrainingCheckpoint(c.fingerprint(), c.epoch(), c.batch(), c.epochLossSum(), 0, c.learningRate(),
                c.plateau(), c.bestEpoch(), c.bestValidationAuc(), c.bestParameters(), curve, c.batchesDone(), c.samplesDone(), 0,
                c.finished(), c.stoppedEarly(), c.parameters(), c.optimizer(), c.hardNegatives());
        return Base64Digest.of(z.encode());
    }

    /** Largest absolute difference between two parameter files of this spec (loaded into models and compared). */
    static double maxAbsDifference(byte[] a, byte[] b) throws Exception {
        return maxAbsDifference(a, b, spec());
    }

    /** The same for parameter files of {@code spec}. */
    static double maxAbsDifference(byte[] a, byte[] b, ModelSpec spec) throws Exception {
        float[] x = floats(a, spec);
        float[] y = floats(b, spec);
        assertEquals(x.length, y.length);
        double max = 0;
        for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs((double) x[i] - y[i]));
        return max;
    }

    /** All parameters of a parameter file, in the block's order, concatenated. */
    static float[] floats(byte[] parameters) throws Exception {
        return floats(parameters, spec());
    }

    static float[] floats(byte[] parameters, ModelSpec spec) throws Exception {
        try (TwoTowerModel m = TwoTowerModel.create(spec)) {
            m.loadParameters(parameters);
            List<float[]> parts = new ArrayList<>();
            int n = 0;
            for (var p : m.block().getParameters()) {
                float[] f = p.getValue().getArray().toFloatArray();
                parts.add(f);
                n += f.length;
            }
            float[] out = new float[n];
            int at = 0;
            for (float[] f : parts) {
                System.arraycopy(f, 0, out, at, f.length);
                at += f.length;
            }
            return out;
        }
    }

    /** A short stable digest so assertion messages stay readable. */
    static final class Base64Digest {
        static String of(byte[] bytes) throws RuntimeException {
            try {
                return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
