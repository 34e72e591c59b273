package dev.feedrank.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.feedrank.ann.AnnIndex;
import dev.feedrank.ann.AnnRecall;
import dev.feedrank.ann.AnnSettings;
import dev.feedrank.ann.ClickQuery;
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
                          Map<String, Object> gate, Map<String, Object> refit, AnnSettings ann) {

        /** A bundle without an ANN index. */
        public Request(String version, long runId, String codeVersion, TwoTowerModel model, PreparedDataset dataset,
                       Map<String, Object> trainingConfig, Map<String, Double> metrics, Map<String, Double> baseline,
                       Map<String, Object> gate, Map<String, Object> refit) {
            this(version, runId, codeVersion, model, dataset, trainingConfig, metrics, baseline, gate, refit, null);
        }

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
        put(storage, keys, prefix + BundleFiles.TOWERS_SAFETENSORS, PyTorchTowers.safetensors(r.model()), "application/octet-stream");
        Map<String, Object> ann = null;
        if (r.ann() != null && r.ann().enabled()) {
            ann = annIndex(r, items.rows(), users.rows(), d, itemEmbeddings, userEmbeddings, heads);
            put(storage, keys, prefix + BundleFiles.ANN_INDEX, (byte[]) ann.remove("graph"), "application/octet-stream");
            put(storage, keys, prefix + BundleFiles.ANN_META, json.writeValueAsBytes(ann), "application/json");
        }

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
        files.put("towersSafetensors", BundleFiles.TOWERS_SAFETENSORS);
        if (ann != null) {
            files.put("annIndex", BundleFiles.ANN_INDEX);
            files.put("annIndexMeta", BundleFiles.ANN_META);
        }
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
                r.metrics(), r.baseline(), r.gate(), files, r.refit() == null ? Map.of("enabled", false) : r.refit(), ann);
        put(storage, keys, prefix + BundleFiles.MANIFEST, json.writeValueAsBytes(manifest), "application/json");
        return keys;
    }

    /**
     * The ANN index of the exported item embeddings, built with the run's parameters, and its recall measured on
     * the exported users' queries (a seeded sample); {@code graph} holds the index file's bytes. The evaluate
     * stage's figures (on the candidate, queried with the test users) are in {@code evaluate}.
     */
    private static Map<String, Object> annIndex(Request r, int items, int users, int d, float[] itemEmb, float[] userEmb,
                                                TaskHeads heads) {
        AnnSettings s = r.ann();
        long t0 = System.nanoTime();
        AnnIndex index = AnnIndex.build(itemEmb, items, d, s);
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        int[] all = new int[users];
        for (int u = 0; u < users; u++) all[u] = u;
        Map<String, Double> measured = new LinkedHashMap<>(AnnRecall.measure(index, itemEmb, userEmb, all,
                ClickQuery.of(d, heads), s.recallQueries(), 20261130L));
        measured.put(AnnRecall.BUILD_SECONDS, buildSeconds);
        Map<String, Object> ann = new LinkedHashMap<>();
        ann.put("library", AnnIndex.LIBRARY);
        ann.put("algorithm", "jvector graph (Vamana neighbour selection with alpha, HNSW-style hierarchy when enabled)");
        ann.put("file", BundleFiles.ANN_INDEX);
        ann.put("format", AnnIndex.FORMAT);
        ann.put("vectors", BundleFiles.ITEM_EMBEDDINGS + " (node i = row i)");
        ann.put("similarity", "maximum inner product through the MIPS-to-cosine reduction: item x stored as "
                + "[x / maxNorm, sqrt(1 - |x|^2 / maxNorm^2)], query q as [q / |q|, 0], jvector DOT_PRODUCT on those unit vectors;"
                + (heads == null ? " query = user embedding" : " query = click head's item weights + product weights * user embedding"));
        ann.put("maxNorm", index.maxNorm());
        ann.put("items", items);
        ann.put("dimension", d);
        ann.put("parameters", s.parameters());
        Map<String, Object> exportRecall = new LinkedHashMap<>(measured);
        exportRecall.put("measuredOn", "the exported item embeddings, queried with "
                + (users <= s.recallQueries() ? "every exported user" : "a seeded sample of " + s.recallQueries() + " exported users")
                + (r.refitted() ? " (the refit model)" : ""));
        ann.put("recall", exportRecall);
        Map<String, Object> evaluate = new LinkedHashMap<>();
        if (r.metrics() != null) r.metrics().forEach((k, v) -> { if (k.startsWith("ann.")) evaluate.put(k, v); });
        if (!evaluate.isEmpty()) {
            evaluate.put("measuredOn", "the evaluated (selected) model's item embeddings, queried with the test users (evaluate stage; the gated figures)"
                    + (r.refitted() ? "; the shipped refit model's embeddings differ: see recall" : ""));
            ann.put("evaluateRecall", evaluate);
        }
        ann.put("graph", index.graphBytes());
        return ann;
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
