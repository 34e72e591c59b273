package dev.feedrank.registry;

import dev.feedrank.ann.AnnIndex;
import dev.feedrank.ann.AnnSettings;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.ModelSpec;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.testing.InMemoryObjectStorage;
import dev.feedrank.training.TinyDatasets;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bundle with an ANN index answers a user's top k from its files alone, by the index or by brute force. */
class BundleRecommenderTest {

    @Test
    @SuppressWarnings("unchecked")
    void answersFromTheShippedIndexAndMatchesBruteForce() throws Exception {
        PreparedDataset data = TinyDatasets.agreement(60, 150, 2_000, 9);
        ModelSpec spec = new ModelSpec(data.users().vocabSize(), data.users().width(), data.items().vocabSize(),
                data.items().width(), 8, 16);
        InMemoryObjectStorage storage = new InMemoryObjectStorage();
        try (TwoTowerModel model = TwoTowerModel.create(spec)) {
            new BundleExporter().export(new BundleExporter.Request("v-rec", 1L, "test", model, data, Map.of(),
                    Map.of("ann.recall@10", 1.0), Map.of(), Map.of("passed", true), Map.of("enabled", false), AnnSettings.DEFAULT), storage);
        }
        BundleRecommender r = BundleRecommender.load("v-rec", "models/v-rec/", storage);
        assertTrue(r.hasAnnIndex());
        BundleManifest manifest = new com.fasterxml.jackson.databind.ObjectMapper()
                .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(storage.get("models/v-rec/" + BundleFiles.MANIFEST), BundleManifest.class);
        assertEquals(AnnIndex.LIBRARY, manifest.ann().get("library"));
        Map<String, Object> recall = (Map<String, Object>) manifest.ann().get("recall");
        assertTrue(((Number) recall.get("ann.recall@10")).doubleValue() >= 0.95, recall.toString());
        assertEquals(1.0, ((Map<String, Object>) manifest.ann().get("evaluateRecall")).get("ann.recall@10"));

        Npy.Matrix users = Npy.read(storage.get("models/v-rec/" + BundleFiles.USER_EMBEDDINGS));
        Npy.Matrix items = Npy.read(storage.get("models/v-rec/" + BundleFiles.ITEM_EMBEDDINGS));
        List<IdCsv.Row> ids = IdCsv.read(storage.get("models/v-rec/" + BundleFiles.USER_IDS), "user_ids.csv");
        String user = ids.get(3).id();
        BundleRecommender.Recommendations ann = r.recommend(user, 10, false);
        BundleRecommender.Recommendations exact = r.recommend(user, 10, true);
        assertEquals("ann", ann.method());
        assertNull(ann.note());
        assertEquals("exact", exact.method());
        assertEquals(exact.items(), ann.items(), "150 items: the graph finds the exact top 10");
        float[] u = java.util.Arrays.copyOfRange(users.data(), 3 * 16, 4 * 16);
        int[] top = AnnIndex.exactTopK(items.data(), items.rows(), 16, u, 10);
        List<IdCsv.Row> itemIds = IdCsv.read(storage.get("models/v-rec/" + BundleFiles.ITEM_IDS), "item_ids.csv");
        assertEquals(itemIds.get(top[0]).id(), exact.items().get(0).item());
        double dot = 0;
        for (int k = 0; k < 16; k++) dot += u[k] * items.data()[top[0] * 16 + k];
        assertEquals(dot, exact.items().get(0).score(), 1e-5);
        assertEquals(150, r.recommend(user, 1000, false).items().size());
        BundleRecommender.UnknownUserException e = assertThrows(BundleRecommender.UnknownUserException.class,
                () -> r.recommend("nobody", 10, false));
        assertTrue(e.getMessage().startsWith("user 'nobody' is not in model version v-rec"), e.getMessage());
        assertNotNull(storage.get("models/v-rec/" + BundleFiles.ANN_META));
    }
}
