package dev.feedrank.training;

import dev.feedrank.data.DatasetPreparer;
import dev.feedrank.data.DatasetSpec;
import dev.feedrank.data.Examples;
import dev.feedrank.data.PreparationSettings;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.data.TrainShards;
import dev.feedrank.model.TwoTowerModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Training a prepared dataset from its train shards (the way the train stage does): the same training whether the
 * split is also in memory or not (an in-process stage and a stage in its own process agree), a stop mid-epoch resumed
 * from the checkpoint ends identical, every batch's negatives still obey the sampling rules, and a checkpoint of the
 * in-memory order is not continued in the streamed one.
 */
class StreamedTrainingTest {
    @TempDir
    static Path work;
    static PreparedDataset inMemory;
    static PreparedDataset withShards;
    static PreparedDataset streamedOnly;

    @BeforeAll
    static void prepare() {
        inMemory = new DatasetPreparer().prepare(DatasetSpec.synthetic(),
                new PreparationSettings(0.8, 0.1, 4, "uniform", 42L, 300, 200, 20_000), work, null);
        // 3 shards of a shuffled copy of the split, read from memory (PreparedDatasetStoreTest covers their Parquet)
        Examples train = inMemory.train();
        int n = train.size();
        int[] order = TwoTowerTrainer.permutation(n, new java.util.SplittableRandom(5));
        List<Examples> parts = new ArrayList<>();
        List<TrainShards.Shard> listed = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            int[] rows = Arrays.copyOfRange(order, n * k / 3, n * (k + 1) / 3);
            Examples e = new Examples(new int[rows.length], new int[rows.length], new float[rows.length],
                    new float[rows.length], new float[rows.length], new boolean[rows.length], new long[rows.length]);
            for (int r = 0; r < rows.length; r++) {
                e.user()[r] = train.user()[rows[r]];
                e.item()[r] = train.item()[rows[r]];
                e.click()[r] = train.click()[rows[r]];
                e.like()[r] = train.like()[rows[r]];
                e.share()[r] = train.share()[rows[r]];
                e.ts()[r] = train.ts()[rows[r]];
            }
            parts.add(e);
            listed.add(new TrainShards.Shard("train/part-" + k, rows.length));
        }
        // a window smaller than the split: the shuffle is windowed, not a full permutation
        TrainShards shards = new TrainShards(listed, s -> parts.get(listed.indexOf(s)), n / 4, 1);
        withShards = inMemory.withTrainShards(shards);
        Examples empty = new Examples(new int[0], new int[0], new float[0], new float[0], new float[0], new boolean[0], new long[0]);
        streamedOnly = new PreparedDataset(inMemory.contentHash(), inMemory.source(), inMemory.users(), inMemory.items(),
                empty, inMemory.validation(), inMemory.test(), inMemory.stats(), inMemory.trainNegatives(), shards);
    }

    private static TrainingSettings settings() {
        // the default technique (in-batch softmax, ranking selection), 2 small epochs
        return new TrainingSettings(2, 256, 1e-3, 16, 8, 11, 5, 1, 0.5, 1000, 0.0,
                TrainingSettings.Technique.DEFAULT, new TrainingSettings.Selection("ndcg@10", 1000));
    }

    @Test
    void theStreamedTrainingIsTheSameWithOrWithoutTheSplitInMemoryAndResumesExactly() throws Exception {
        TrainingSettings s = settings();
        assertTrue(streamedOnly.streamsTrain());
        TrainingBatches view = new TrainingBatches(streamedOnly, s.technique());
        assertTrue(view.streamed());
        assertEquals(new TrainingBatches(inMemory, s.technique()).size(), view.size(),
                "the same view rows as in memory: the positives that can have a negative");
        byte[] clean;
        try (TwoTowerModel m = new TwoTowerTrainer().train(streamedOnly, s, new TrainingListener() { }).model()) {
            clean = m.parameters();
        }
        try (TwoTowerModel m = new TwoTowerTrainer().train(withShards, s, new TrainingListener() { }).model()) {
            assertEquals(0.0, TrainingResumeTest.maxAbsDifference(clean, m.parameters(), TwoTowerTrainer.modelSpec(inMemory, s)),
                    "split in memory (in-process stage) and not (stage in its own process)");
        }
        int batches = (view.size() + 255) / 256;
        TrainingResumeTest.Stopper first = new TrainingResumeTest.Stopper(batches + 3);
        assertThrows(TrainingStoppedException.class, () -> new TwoTowerTrainer().train(streamedOnly, s, first, null));
        try (TwoTowerModel m = new TwoTowerTrainer().train(streamedOnly, s, new TrainingListener() { }, first.last()).model()) {
            assertEquals(0.0, TrainingResumeTest.maxAbsDifference(clean, m.parameters(), TwoTowerTrainer.modelSpec(inMemory, s)),
                    "resumed mid-epoch 2 from the stream position");
        }
        // the in-memory order's checkpoint is not continued in the streamed order
        TrainingResumeTest.Stopper memory = new TrainingResumeTest.Stopper(3);
        assertThrows(TrainingStoppedException.class, () -> new TwoTowerTrainer().train(inMemory, s, memory, null));
        TrainingCheckpoint.IncompatibleCheckpointException e = assertThrows(TrainingCheckpoint.IncompatibleCheckpointException.class,
                () -> new TwoTowerTrainer().train(streamedOnly, s, new TrainingListener() { }, memory.last()));
        assertTrue(e.getMessage().contains("streamed from 3 shards"), e.getMessage());
    }

    @Test
    void streamedPointwiseBatchesDrawNegativesByTheRules() throws Exception {
        TrainingSettings.Technique d = TrainingSettings.Technique.DEFAULT;
        TrainingSettings.Technique bce = new TrainingSettings.Technique(TrainingSettings.LossKind.BCE, d.posWeight(),
                d.margin(), d.temperature(), d.logqCorrection(), d.removeAccidentalHits(), d.hardNegatives(), d.multiTask());
        TrainingBatches streamed = new TrainingBatches(streamedOnly, bce);
        TrainingBatches memory = new TrainingBatches(inMemory, bce);
        assertEquals(memory.size(), streamed.size(), "each positive and its 4 negatives' slots");
        java.util.Set<Long> positives = new java.util.HashSet<>();
        for (int i = 0; i < inMemory.train().size(); i++) {
            positives.add(((long) inMemory.train().user()[i] << 32) | inMemory.train().item()[i]);
        }
        long[] firstSeen = inMemory.trainNegatives().itemFirstSeen();
        int rows = 0;
        int negatives = 0;
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
             TrainingBatches.EpochRows epoch = streamed.epoch(1, new java.util.SplittableRandom(3), 512, 0)) {
            streamed.load(m, null);
            for (TrainingBatches.Slice slice; (slice = epoch.next()) != null; ) {
                try (ai.djl.ndarray.NDManager bm = m.newSubManager()) {
                    TrainingBatches.Batch b = streamed.batch(slice, bm, 0, false, rows);
                    long[] items = b.itemIds().toLongArray();
                    float[] labels = b.labels().toFloatArray();
                    for (int r = 0; r < slice.size(); r++) {
                        int user = slice.rows().user[r];
                        long ts = slice.rows().ts[r];
                        if (labels[r] == 0f) {
                            negatives++;
                            assertFalse(positives.contains(((long) user << 32) | items[r]), "never a train positive of the user");
                            assertTrue(firstSeen[(int) items[r]] <= ts, "only an item already seen at the positive's time");
                        }
                    }
                    rows += slice.size();
                }
            }
        }
        assertEquals(streamed.size(), rows);
        assertEquals(rows - inMemory.train().size(), negatives, "every slot after a positive holds a drawn negative");
        assertTrue(negatives > 3 * inMemory.train().size(), "most positives have their 4 negatives: " + negatives);
    }
}
