package dev.feedrank.training;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.registry.BundleExporter;
import dev.feedrank.registry.BundleFiles;
import dev.feedrank.registry.BundleLoader;
import dev.feedrank.registry.Npy;
import dev.feedrank.testing.InMemoryObjectStorage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TwoTowerTrainerTest {

    private static TrainingSettings settings(int epochs, long seed) {
        return new TrainingSettings(epochs, 256, 1e-3, 16, 8, seed, 5, 3, 0.5, 1000, 0.1);
    }

    @Test
    void learnsTheSignalKeepsTheBestCheckpointAndIsReproducible() throws Exception {
        PreparedDataset data = TinyDatasets.agreement(300, 150, 20_000, 7);
        List<Integer> checkpoints = new ArrayList<>();
        List<String> progress = new ArrayList<>();
        TrainingResult first = new TwoTowerTrainer().train(data, settings(4, 11), new TrainingListener() {
            @Override public void progress(String line) { progress.add(line); }
            @Override public void bestCheckpoint(int epoch, double auc, byte[] parameters) {
                assertTrue(parameters.length > 1000);
                checkpoints.add(epoch);
            }
        });
        TrainingResult second = new TwoTowerTrainer().train(data, settings(4, 11), new TrainingListener() { });
        try (var m1 = first.model(); var m2 = second.model()) {
            assertEquals(4, first.curve().size());
            assertTrue(first.bestValidationAuc() > 0.75, "validation AUC " + first.bestValidationAuc());
            assertTrue(first.curve().get(3).trainLoss() < first.curve().get(0).trainLoss(), "train loss must fall: " + first.curve());
            assertEquals(first.bestEpoch(), checkpoints.get(checkpoints.size() - 1));
            assertTrue(progress.stream().anyMatch(l -> l.matches("epoch \\d+/4 batch \\d+/\\d+ samples/s \\d+ ETA .*")), progress.toString());
            // the returned model holds the best epoch's weights
            assertEquals(first.bestValidationAuc(), TwoTowerTrainer.validationAuc(m1, data), 1e-6);
            // seeded and reproducible on CPU
            for (int e = 0; e < 4; e++) {
                assertEquals(first.curve().get(e).trainLoss(), second.curve().get(e).trainLoss(), 1e-5);
                assertEquals(first.curve().get(e).validationAuc(), second.curve().get(e).validationAuc(), 1e-5);
            }
        }
    }

    @Test
    void exportedBundleReloadsFromItsFilesAloneAndReproducesTheEmbeddings() throws Exception {
        PreparedDataset data = TinyDatasets.agreement(120, 80, 6_000, 3);
        TrainingResult trained = new TwoTowerTrainer().train(data, settings(2, 5), new TrainingListener() { });
        InMemoryObjectStorage storage = new InMemoryObjectStorage();
        try (var model = trained.model()) {
            List<String> keys = new BundleExporter().export(new BundleExporter.Request("v-test", 1L, "test", model, data,
                    Map.of("train.epochs", 2), Map.of("auc", 0.8), Map.of("ndcg@10", 0.1), Map.of("passed", true)), storage);
            assertTrue(keys.get(keys.size() - 1).endsWith(BundleFiles.MANIFEST), "manifest is written last");
            Npy.Matrix items = Npy.read(storage.get("models/v-test/" + BundleFiles.ITEM_EMBEDDINGS));
            assertEquals(80, items.rows());
            assertEquals(16, items.cols());
            try (BundleLoader.LoadedBundle bundle = new BundleLoader().load("models/v-test/", storage)) {
                assertEquals(120, bundle.users().rows());
                assertEquals(data.contentHash(), bundle.manifest().dataContentHash());
                double diff = bundle.maxAbsEmbeddingDifference();
                assertTrue(diff < 1e-5, "max abs diff " + diff);
            }
        }
    }

    @Test
    void reduceLrOnPlateauFollowsPyTorchSemantics() {
        // mode max, factor 0.5, patience 2, threshold 1e-4 rel: an epoch counts as better only above best*(1+1e-4)
        ReduceLrOnPlateau s = new ReduceLrOnPlateau(1.0, 0.5, 2);
        assertEquals(1.0, s.step(0.70));     // best 0.70
        assertEquals(1.0, s.step(0.70005));  // +0.00005 < 0.70*1e-4 = 0.00007: bad epoch 1
        assertEquals(1.0, s.step(0.69));     // bad 2
        assertEquals(0.5, s.step(0.69));     // bad 3 > patience 2: halve, reset
        assertEquals(0.5, s.step(0.71));     // better
        assertEquals(0.5, s.step(0.70));     // bad 1
        assertEquals(0.5, s.step(0.70));     // bad 2
        assertEquals(0.25, s.step(0.70));    // bad 3: halve
    }
}
