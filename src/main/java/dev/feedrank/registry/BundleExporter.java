package dev.feedrank.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.TaskHeads;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.storage.ObjectStorage;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model version to {@code models/<version>/}: manifest, full parameters, each tower alone, item
 * embeddings for all items (catalog and interactions) and user embeddings (float32 .npy, row i of the matrix is row i
 * of the id CSV), and the feature matrices the embeddings were computed from. Users: for a refit model (trained on
 * every interaction, {@link Request#refit()} enabled) every user of the input (users table and interactions); otherwise
 * the users seen in training (with an ID-embedding row).
 */
public final class BundleExporter {

    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public record Request(String version, long runId, String codeVersion, TwoTowerModel model, PreparedDataset dataset,
                          Map<String, Object> trainingConfig, Map<String, Double> metrics, Map<String, Double> baseline,
                          Map<String, Object> gate, Map<String, Object> refit) {

        /** A model that was not refitted. */
        public Request(String version, long runId, String codeVersion, TwoTowerModel model, PreparedDataset dataset,
                       Map<String, Object> trainingConfig, Map<String, Double> metrics, Map<String, Double> baseline,
                       Map<String, Object> gate) {
            this(version, runId, codeVersion, model, dataset, trainingConfig, metrics, baseline, gate, Map.of("enabled", false));
        }

        public boolean refitted() {
            return refit != null && Boolean.TRUE.equals(refit.get("enabled"));
        }
    }

    /** Keys written, the manifest's last (so a bundle with a manifest is complete). */
    public List<String> export(Request r, ObjectStorage storage) throws IOException {
        String prefix = BundleFiles.prefix(r.version());
        List<String> keys = new ArrayList<>();
        int d = r.model().spec().embeddingDim();

        FeatureTable items = r.dataset().items();
        FeatureTable users = r.refitted() ? r.dataset().users() : seenInTraining(r.dataset().users());
        put(storage, keys, prefix + BundleFiles.MODEL_PARAMS, r.model().parameters(), "application/octet-stream");
        put(storage, keys, prefix + BundleFiles.USER_TOWER, r.model().towerParameters(true), "application/octet-stream");
        put(storage, keys, prefix + BundleFiles.ITEM_TOWER, r.model().towerParameters(false), "application/octet-stream");
        float[] itemEmbeddings = r.model().embedItems(items);
        float[] userEmbeddings = r.model().embedUsers(users);
        put(storage, keys, prefix + BundleFiles.ITEM_EMBEDDINGS, Npy.write(itemEmbeddings, items.rows(), d), "application/octet-stream");
        put(storage, keys, prefix + BundleFiles.ITEM_FEATURES, Npy.write(items.dense(), items.rows(), items.width()), "application/octet-stream");
        put(storage, keys, prefix + BundleFiles.ITEM_IDS, idCsv(items), "text/csv");
        put(storage, keys, prefix + BundleFiles.USER_EMBEDDINGS, Npy.write(userEmbeddings, users.rows(), d), "application/octet-stream");
        put(storage, keys, prefix + BundleFiles.USER_FEATURES, Npy.write(users.dense(), users.rows(), users.width()), "application/octet-stream");
        put(storage, keys, prefix + BundleFiles.USER_IDS, idCsv(users), "text/csv");
        ServingProbe probe = ServingProbe.sample(users, items, userEmbeddings, itemEmbeddings, r.model().scores(), ServingProbe.DEFAULT_SIZE);
        TaskHeads heads = r.model().heads();
        if (heads != null) put(storage, keys, prefix + BundleFiles.HEADS, json.writeValueAsBytes(heads), "application/json");
        put(storage, keys, prefix + BundleFiles.PROBE, json.writeValueAsBytes(probe), "application/json");

        Map<String, String> files = new LinkedHashMap<>();
        files.put("parameters", BundleFiles.MODEL_PARAMS);
        files.put("userTower", BundleFiles.USER_TOWER);
        files.put("itemTower", BundleFiles.ITEM_TOWER);
        files.put("itemEmbeddings", BundleFiles.ITEM_EMBEDDINGS);
        files.put("itemIds", BundleFiles.ITEM_IDS);
        files.put("itemFeatures", BundleFiles.ITEM_FEATURES);
        files.put("userEmbeddings", BundleFiles.USER_EMBEDDINGS);
        files.put("userIds", BundleFiles.USER_IDS);
        files.put("userFeatures", BundleFiles.USER_FEATURES);
        files.put("servingProbe", BundleFiles.PROBE);
        if (heads != null) files.put("heads", BundleFiles.HEADS);
        Map<String, Object> vocab = new LinkedHashMap<>();
        vocab.put("kind", "vocabulary");
        vocab.put("oovIndex", 0);
        vocab.put("userVocabSize", r.model().spec().userVocabSize());
        vocab.put("itemVocabSize", r.model().spec().itemVocabSize());
        vocab.put("idFiles", "CSV (RFC 4180 quoting), columns row,id,vocab_index; ids are text as given; "
                + "vocab_index 0 = out-of-vocabulary bucket");
        BundleManifest manifest = new BundleManifest(r.version(), r.runId(), Instant.now().toString(), r.codeVersion(),
                r.dataset().contentHash(), r.dataset().source(), r.model().spec(),
                Map.of("user", users.featureNames(), "item", items.featureNames()), vocab, r.trainingConfig(),
                r.metrics(), r.baseline(), r.gate(), files, r.refit() == null ? Map.of("enabled", false) : r.refit());
        put(storage, keys, prefix + BundleFiles.MANIFEST, json.writeValueAsBytes(manifest), "application/json");
        return keys;
    }

    private static void put(ObjectStorage storage, List<String> keys, String key, byte[] bytes, String type) throws IOException {
        storage.put(key, bytes, type);
        keys.add(key);
    }

    /** Users with an ID-embedding row, i.e. seen in the train window. */
    static FeatureTable seenInTraining(FeatureTable users) {
        int count = 0;
        for (int v : users.vocabIndex()) if (v > 0) count++;
        String[] ids = new String[count];
        int[] vocab = new int[count];
        int w = users.width();
        float[] dense = new float[count * w];
        int j = 0;
        for (int r = 0; r < users.rows(); r++) {
            if (users.vocabIndex()[r] <= 0) continue;
            ids[j] = users.ids()[r];
            vocab[j] = users.vocabIndex()[r];
            System.arraycopy(users.dense(), r * w, dense, j * w, w);
            j++;
        }
        return new FeatureTable(ids, vocab, users.vocabSize(), dense, users.featureNames());
    }

    static byte[] idCsv(FeatureTable t) {
        return IdCsv.write(t);
    }
}
