package dev.feedrank.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.model.TaskHeads;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.storage.ObjectStorage;

import java.io.IOException;
import java.util.List;

/** Rebuilds both towers (and a multi-task model's heads) of a model version from its bundle alone (no database, no dataset). */
public final class BundleLoader {

    private final ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A loaded bundle; close it to free the model's native memory. */
    public record LoadedBundle(BundleManifest manifest, TwoTowerModel model, FeatureTable users, FeatureTable items,
                               Npy.Matrix userEmbeddings, Npy.Matrix itemEmbeddings) implements AutoCloseable {

        /** Largest absolute difference between the exported embeddings and those the rebuilt towers compute. */
        public double maxAbsEmbeddingDifference() {
            return Math.max(maxAbsDiff(model.embedUsers(users), userEmbeddings.data()),
                    maxAbsDiff(model.embedItems(items), itemEmbeddings.data()));
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** A bundle's embeddings of one tower with their ids (row i of the matrix is {@code ids[i]}). */
    public record Embeddings(String[] ids, Npy.Matrix matrix) {
    }

    /** The item (or user) embeddings of a bundle as shipped ({@code item_embeddings.npy} + {@code item_ids.csv}), without building the towers. */
    public Embeddings embeddings(String prefix, ObjectStorage storage, boolean users) throws IOException {
        String idFile = users ? BundleFiles.USER_IDS : BundleFiles.ITEM_IDS;
        String embFile = users ? BundleFiles.USER_EMBEDDINGS : BundleFiles.ITEM_EMBEDDINGS;
        List<IdCsv.Row> rows = IdCsv.read(storage.get(prefix + idFile), idFile);
        Npy.Matrix m = Npy.read(storage.get(prefix + embFile));
        if (rows.size() != m.rows()) {
            throw new IOException(prefix + idFile + " has " + rows.size() + " rows but " + embFile + " has " + m.rows());
        }
        return new Embeddings(rows.stream().map(IdCsv.Row::id).toArray(String[]::new), m);
    }

    public LoadedBundle load(String prefix, ObjectStorage storage) throws IOException {
        BundleManifest manifest = json.readValue(storage.get(prefix + BundleFiles.MANIFEST), BundleManifest.class);
        FeatureTable users = table(storage, prefix, BundleFiles.USER_IDS, BundleFiles.USER_FEATURES,
                manifest.dimensions().userVocabSize(), manifest.featureSpec().get("user"));
        FeatureTable items = table(storage, prefix, BundleFiles.ITEM_IDS, BundleFiles.ITEM_FEATURES,
                manifest.dimensions().itemVocabSize(), manifest.featureSpec().get("item"));
        Npy.Matrix userEmb = Npy.read(storage.get(prefix + BundleFiles.USER_EMBEDDINGS));
        Npy.Matrix itemEmb = Npy.read(storage.get(prefix + BundleFiles.ITEM_EMBEDDINGS));
        TaskHeads heads = manifest.dimensions().multiTask()
                ? json.readValue(storage.get(prefix + BundleFiles.HEADS), TaskHeads.class) : null;
        TwoTowerModel model = TwoTowerModel.fromTowers(manifest.dimensions(),
                storage.get(prefix + BundleFiles.USER_TOWER), storage.get(prefix + BundleFiles.ITEM_TOWER), heads);
        return new LoadedBundle(manifest, model, users, items, userEmb, itemEmb);
    }

    private static FeatureTable table(ObjectStorage storage, String prefix, String idFile, String featureFile,
                                      int vocabSize, List<String> featureNames) throws IOException {
        List<IdCsv.Row> lines = IdCsv.read(storage.get(prefix + idFile), idFile);
        Npy.Matrix features = Npy.read(storage.get(prefix + featureFile));
        int rows = lines.size();
        if (rows != features.rows()) {
            throw new IOException(idFile + " has " + rows + " rows but " + featureFile + " has " + features.rows());
        }
        String[] ids = new String[rows];
        int[] vocab = new int[rows];
        for (int r = 0; r < rows; r++) {
            ids[r] = lines.get(r).id();
            vocab[r] = lines.get(r).vocabIndex();
        }
        return new FeatureTable(ids, vocab, vocabSize, features.data(), featureNames);
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) return Double.POSITIVE_INFINITY;
        double max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
        return max;
    }
}
