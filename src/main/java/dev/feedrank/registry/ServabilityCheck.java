package dev.feedrank.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.model.EmbeddingScores;
import dev.feedrank.storage.ObjectStorage;

import java.util.HashMap;
import java.util.Map;

/**
 * Like TFX's InfraValidator: loads an exported bundle from storage alone into fresh towers (a model instance of its
 * own), recomputes the embeddings it ships and the scores of its serving probe, and compares them with what the
 * trained model produced at export time. A load failure or any mismatch beyond the tolerances fails the check.
 */
public final class ServabilityCheck {

    /** Largest accepted |score difference| on the probe (logits). */
    public static final double MAX_SCORE_DIFF = 1e-4;
    /** Largest accepted |difference| between shipped and recomputed embeddings. */
    public static final double MAX_EMBEDDING_DIFF = 1e-5;

    private final ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public record Result(boolean passed, double maxScoreDiff, double maxEmbeddingDiff, int probes, String detail) {
    }

    public Result check(String prefix, ObjectStorage storage) {
        try (BundleLoader.LoadedBundle bundle = new BundleLoader().load(prefix, storage)) {
            ServingProbe probe = json.readValue(storage.get(prefix + BundleFiles.PROBE), ServingProbe.class);
            int d = bundle.manifest().dimensions().embeddingDim();
            EmbeddingScores.Task click = bundle.model().scores().task("click");
            float[] users = bundle.model().embedUsers(bundle.users());
            float[] items = bundle.model().embedItems(bundle.items());
            double embeddingDiff = Math.max(BundleLoader.maxAbsDiff(users, bundle.userEmbeddings().data()),
                    BundleLoader.maxAbsDiff(items, bundle.itemEmbeddings().data()));
            Map<String, Integer> userRow = rows(bundle.users());
            Map<String, Integer> itemRow = rows(bundle.items());
            int n = probe.scores().length;
            if (n == 0 || probe.users().size() != n || probe.items().size() != n) {
                return new Result(false, Double.NaN, embeddingDiff, n, "the serving probe is empty or malformed");
            }
            double scoreDiff = 0;
            for (int k = 0; k < n; k++) {
                Integer u = userRow.get(probe.users().get(k));
                Integer i = itemRow.get(probe.items().get(k));
                if (u == null || i == null) {
                    return new Result(false, Double.NaN, embeddingDiff, n, "probe pair " + k + " ("
                            + probe.users().get(k) + ", " + probe.items().get(k) + ") is not in the bundle's id files");
                }
                float score = click.logit(users, u * d, items, i * d);
                double diff = Math.abs(score - probe.scores()[k]);
                if (!(diff <= scoreDiff)) scoreDiff = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff;
            }
            boolean ok = scoreDiff <= MAX_SCORE_DIFF && embeddingDiff <= MAX_EMBEDDING_DIFF;
            String detail = String.format(java.util.Locale.ROOT,
                    "reloaded from %s: %d probe scores max |diff| %.3g (limit %.0e), embeddings max |diff| %.3g (limit %.0e)",
                    prefix, n, scoreDiff, MAX_SCORE_DIFF, embeddingDiff, MAX_EMBEDDING_DIFF);
            return new Result(ok, scoreDiff, embeddingDiff, n, detail);
        } catch (Exception | Error e) {
            if (e instanceof VirtualMachineError vme) throw vme;
            return new Result(false, Double.NaN, Double.NaN, 0, "bundle " + prefix + " could not be loaded and scored: "
                    + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Map<String, Integer> rows(FeatureTable t) {
        Map<String, Integer> out = new HashMap<>(t.rows() * 2);
        for (int r = 0; r < t.rows(); r++) out.put(t.ids()[r], r);
        return out;
    }
}
