package dev.feedrank.training;

import ai.djl.ndarray.NDManager;
import dev.feedrank.data.DatasetPreparer;
import dev.feedrank.data.DatasetSpec;
import dev.feedrank.data.Examples;
import dev.feedrank.data.PreparationSettings;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.TwoTowerModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Prepare-data stores the train positives only; every batch draws their negatives by the sampler's rules (never one
 * of the user's train positives, only items already seen at the positive's time), fresh per epoch and batch, and the
 * same again for the same (seed, epoch, batch), so a resumed training is exact.
 */
class PerBatchNegativesTest {
    @TempDir
    static Path work;
    static PreparedDataset data;
    static Set<Long> trainPositives;

    @BeforeAll
    static void prepare() {
        data = new DatasetPreparer().prepare(DatasetSpec.synthetic(),
                new PreparationSettings(0.8, 0.1, 4, "uniform", 42L, 300, 200, 20_000), work, null);
        trainPositives = new HashSet<>();
        Examples t = data.train();
        for (int i = 0; i < t.size(); i++) trainPositives.add(((long) t.user()[i] << 32) | t.item()[i]);
    }

    private static TrainingSettings.Technique technique(TrainingSettings.LossKind loss) {
        TrainingSettings.Technique d = TrainingSettings.Technique.DEFAULT;
        return new TrainingSettings.Technique(loss, d.posWeight(), d.margin(), d.temperature(), d.logqCorrection(),
                d.removeAccidentalHits(), d.hardNegatives(), d.multiTask());
    }

    static NDManager manager;

    @org.junit.jupiter.api.BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @org.junit.jupiter.api.AfterEach
    void close() {
        manager.close();
    }

    /** All view rows as one batch: item ids and labels. */
    private static long[][] batch(TrainingBatches view, long seed) {
        int[] all = new int[view.size()];
        for (int r = 0; r < all.length; r++) all[r] = r;
        view.load(manager, null);
        try (NDManager bm = manager.newSubManager()) {
            TrainingBatches.Batch b = view.batch(all, bm, 0, false, seed);
            float[] labels = b.labels().toFloatArray();
            long[] l = new long[labels.length];
            for (int i = 0; i < l.length; i++) l[i] = (long) labels[i];
            return new long[][] {b.itemIds().toLongArray(), l};
        }
    }

    private static void assertEligible(int user, long ts, long item, String where) {
        assertFalse(trainPositives.contains(((long) user << 32) | item), where + ": negative " + item + " is a train positive of user " + user);
        long seen = data.trainNegatives().itemFirstSeen()[(int) item];
        assertTrue(seen <= ts, where + ": negative " + item + " first seen at " + seen + ", after the positive's time " + ts);
    }

    @Test
    void theTrainSplitHoldsPositivesOnly() {
        Examples t = data.train();
        assertTrue(t.size() > 1000, "train positives " + t.size());
        for (int i = 0; i < t.size(); i++) {
            assertEquals(1f, t.click()[i], "train example " + i);
            assertFalse(t.sampled()[i]);
        }
        assertEquals(4, data.trainNegatives().perPositive());
    }

    @Test
    void pointwiseRowsArePositivesEachFollowedByFreshlyDrawnNegatives() {
        TrainingBatches view = new TrainingBatches(data, technique(TrainingSettings.LossKind.BCE));
        Examples t = data.train();
        assertTrue(view.size() > 4.9 * t.size() && view.size() <= 5 * t.size(), view.size() + " rows for " + t.size() + " positives");
        long[][] first = batch(view, 1);
        long[] ids = first[0];
        long[] labels = first[1];
        int negatives = 0;
        for (int r = 0; r < ids.length; r++) {
            int p = view.example(r);
            if (labels[r] == 1) {
                assertEquals(t.item()[p], ids[r], "row " + r + " is positive " + p);
            } else {
                negatives++;
                assertEligible(t.user()[p], t.ts()[p], ids[r], "row " + r);
            }
        }
        assertEquals(ids.length - t.size(), negatives, "one positive row per train positive");
        assertArrayEquals(ids, batch(view, 1)[0], "the same seed draws the same negatives (exact resume)");
        long[] other = batch(view, 2)[0];
        int changed = 0;
        for (int r = 0; r < ids.length; r++) if (labels[r] == 0 && other[r] != ids[r]) changed++;
        assertTrue(changed > 0.8 * negatives, "another batch seed draws other negatives: " + changed + " of " + negatives);
    }

    @Test
    void pairsGetOneFreshlyDrawnNegativeEach() {
        TrainingBatches view = new TrainingBatches(data, technique(TrainingSettings.LossKind.IN_BATCH_SOFTMAX));
        Examples t = data.train();
        assertTrue(view.size() > 0.99 * t.size(), view.size() + " of " + t.size() + " positives have a negative");
        long[] ids = batch(view, 3)[0];
        int b = view.size();
        assertEquals(2 * b, ids.length, "positives' items then the negatives'");
        for (int r = 0; r < b; r++) {
            int p = view.example(r);
            assertEquals(t.item()[p], ids[r]);
            assertEligible(t.user()[p], t.ts()[p], ids[b + r], "pair " + r);
        }
        assertArrayEquals(ids, batch(view, 3)[0]);
        long[] other = batch(view, 4)[0];
        int changed = 0;
        for (int r = 0; r < b; r++) if (other[b + r] != ids[b + r]) changed++;
        assertTrue(changed > 0.8 * b, "fresh negatives for another batch seed: " + changed + " of " + b);
    }

    @Test
    void minedNegativesReplaceDrawnOnesOnlyWhereAlreadySeen() {
        TrainingSettings.Technique d = TrainingSettings.Technique.DEFAULT;
        TrainingSettings.Technique hard = new TrainingSettings.Technique(TrainingSettings.LossKind.BCE, d.posWeight(),
                d.margin(), d.temperature(), d.logqCorrection(), d.removeAccidentalHits(),
                new TrainingSettings.HardNegatives(true, 1.0, 1, 1, 1), d.multiTask());
        // every user's one mined item: the item first seen last within the train window (eligible for late positives only)
        long[] seen = data.trainNegatives().itemFirstSeen();
        long lastTrain = java.util.Arrays.stream(data.train().ts()).max().orElseThrow();
        int latest = -1;
        for (int i = 0; i < seen.length; i++) {
            if (seen[i] <= lastTrain && (latest < 0 || seen[i] > seen[latest])) latest = i;
        }
        int[] mined = new int[data.users().rows()];
        java.util.Arrays.fill(mined, latest);
        TrainingBatches view = new TrainingBatches(data, hard);
        int[] all = new int[view.size()];
        for (int r = 0; r < all.length; r++) all[r] = r;
        view.load(manager, new HardNegativeMiner.Mined(1, mined));
        long[] ids;
        float[] labels;
        try (NDManager bm = manager.newSubManager()) {
            TrainingBatches.Batch b = view.batch(all, bm, 0, true, 5);
            ids = b.itemIds().toLongArray();
            labels = b.labels().toFloatArray();
        }
        Examples t = data.train();
        int replaced = 0;
        for (int r = 0; r < ids.length; r++) {
            int p = view.example(r);
            if (labels[r] == 1f) {
                assertEquals(t.item()[p], ids[r], "a positive is never replaced");
            } else if (ids[r] == latest) { // mined (or drawn: then the rules hold anyway)
                assertTrue(seen[latest] <= t.ts()[p], "row " + r + ": mined item used before it was seen");
                replaced++;
            } else {
                assertEligible(t.user()[p], t.ts()[p], ids[r], "row " + r);
            }
        }
        assertTrue(replaced > 0, "the mined item replaced drawn negatives where it was already seen");
    }

    @Test
    void aResumedTrainingDrawsTheSameNegativesAndEndsIdentical() throws Exception {
        TrainingSettings s = new TrainingSettings(2, 256, 1e-3, 16, 8, 11, 5, 1, 0.5, 1000, 0.1,
                technique(TrainingSettings.LossKind.BCE), TrainingSettings.Selection.AUC);
        byte[] clean;
        try (TwoTowerModel m = new TwoTowerTrainer().train(data, s, new TrainingListener() { }).model()) {
            clean = m.parameters();
        }
        int batches = (new TrainingBatches(data, s.technique()).size() + 255) / 256;
        TrainingResumeTest.Stopper first = new TrainingResumeTest.Stopper(batches + 3);
        assertThrows(TrainingStoppedException.class, () -> new TwoTowerTrainer().train(data, s, first, null));
        try (TwoTowerModel m = new TwoTowerTrainer().train(data, s, new TrainingListener() { }, first.last()).model()) {
            assertEquals(0.0, TrainingResumeTest.maxAbsDifference(clean, m.parameters(),
                    TwoTowerTrainer.modelSpec(data, s)), "resumed mid-epoch 2");
        }
    }
}
