package dev.feedrank.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.ann.AnnIndex;
import dev.feedrank.ann.AnnSettings;
import dev.feedrank.ann.ClickQuery;
import dev.feedrank.model.TaskHeads;
import dev.feedrank.storage.ObjectStorage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model version's top-k items for a user, from its bundle alone: the user's exported embedding as the click query
 * ({@link ClickQuery}), answered by the bundle's ANN index or by brute force over every item embedding. No history
 * is masked (the bundle holds no interactions): items the user already saw can be among them. Thread-safe.
 */
public final class BundleRecommender {

    /** One recommended item: rank from 1, id, and its click score (logit) for the user. */
    public record Item(int rank, String item, double score) {
    }

    /** The answer: {@code method} is {@code ann} or {@code exact}; {@code note} says why exact when ANN was asked. */
    public record Recommendations(String version, String user, int k, String method, String note, List<Item> items) {
    }

    /** The user is not among the bundle's users. */
    public static final class UnknownUserException extends Exception {
        UnknownUserException(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final String version;
    private final Map<String, Integer> userRows = new HashMap<>();
    private final String[] itemIds;
    private final float[] userEmb;
    private final float[] itemEmb;
    private final int d;
    private final ClickQuery query;
    private final AnnIndex index;

    private BundleRecommender(String version, String[] userIds, String[] itemIds, float[] userEmb, float[] itemEmb, int d,
                              ClickQuery query, AnnIndex index) {
        this.version = version;
        for (int r = 0; r < userIds.length; r++) userRows.put(userIds[r], r);
        this.itemIds = itemIds;
        this.userEmb = userEmb;
        this.itemEmb = itemEmb;
        this.d = d;
        this.query = query;
        this.index = index;
    }

    @SuppressWarnings("unchecked")
    public static BundleRecommender load(String version, String prefix, ObjectStorage storage) throws IOException {
        BundleManifest manifest = JSON.readValue(storage.get(prefix + BundleFiles.MANIFEST), BundleManifest.class);
        int d = manifest.dimensions().embeddingDim();
        String[] users = ids(storage.get(prefix + BundleFiles.USER_IDS), BundleFiles.USER_IDS);
        String[] items = ids(storage.get(prefix + BundleFiles.ITEM_IDS), BundleFiles.ITEM_IDS);
        Npy.Matrix userEmb = Npy.read(storage.get(prefix + BundleFiles.USER_EMBEDDINGS));
        Npy.Matrix itemEmb = Npy.read(storage.get(prefix + BundleFiles.ITEM_EMBEDDINGS));
        if (userEmb.rows() != users.length || itemEmb.rows() != items.length || userEmb.cols() != d || itemEmb.cols() != d) {
            throw new IOException("bundle " + prefix + ": embeddings " + userEmb.rows() + "x" + userEmb.cols() + " / "
                    + itemEmb.rows() + "x" + itemEmb.cols() + " do not fit " + users.length + " users, " + items.length
                    + " items of dimension " + d);
        }
        TaskHeads heads = manifest.dimensions().multiTask()
                ? JSON.readValue(storage.get(prefix + BundleFiles.HEADS), TaskHeads.class) : null;
        AnnIndex index = null;
        if (manifest.ann() != null && manifest.files().containsKey("annIndex")) {
            AnnSettings settings = AnnSettings.fromParameters((Map<String, Object>) manifest.ann().get("parameters"));
            index = AnnIndex.load(storage.get(prefix + manifest.files().get("annIndex")), itemEmb.data(), items.length, d, settings);
        }
        return new BundleRecommender(version, users, items, userEmb.data(), itemEmb.data(), d, ClickQuery.of(d, heads), index);
    }

    private static String[] ids(byte[] csv, String name) throws IOException {
        List<IdCsv.Row> rows = IdCsv.read(csv, name);
        String[] out = new String[rows.size()];
        for (int i = 0; i < out.length; i++) out[i] = rows.get(i).id();
        return out;
    }

    public boolean hasAnnIndex() {
        return index != null;
    }

    public int users() {
        return userRows.size();
    }

    public Recommendations recommend(String user, int k, boolean exact) throws UnknownUserException {
        Integer row = userRows.get(user);
        if (row == null) {
            throw new UnknownUserException("user '" + user + "' is not in model version " + version + ": its bundle has "
                    + "embeddings for " + userRows.size() + " users (those seen in training, or every user of a refit model)");
        }
        float[] q = query.query(userEmb, row * d);
        float offset = query.offset(userEmb, row * d);
        String method = exact || index == null ? "exact" : "ann";
        String note = !exact && index == null ? "the bundle has no ANN index: answered by brute force" : null;
        int[] top;
        if (method.equals("ann")) {
            try (AnnIndex.Searcher s = index.searcher()) {
                top = s.search(q, k);
            }
        } else {
            top = AnnIndex.exactTopK(itemEmb, itemIds.length, d, q, k);
        }
        List<Item> out = new ArrayList<>(top.length);
        for (int i = 0; i < top.length; i++) {
            float s = offset;
            for (int j = 0; j < d; j++) s += q[j] * itemEmb[top[i] * d + j];
            out.add(new Item(i + 1, itemIds[top[i]], s));
        }
        return new Recommendations(version, user, k, method, note, out);
    }
}
