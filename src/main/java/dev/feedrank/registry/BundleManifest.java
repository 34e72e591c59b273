package dev.feedrank.registry;

import dev.feedrank.model.ModelSpec;

import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a model bundle: everything needed to rebuild and judge the model without the database.
 *
 * @param featureSpec  dense feature names of each tower ({@code user}, {@code item})
 * @param vocabularies how IDs map to embedding rows: the id files and the OOV convention
 * @param files        file names in the bundle by role
 * @param ann          the ANN index of the item embeddings (library, parameters, recall measured in evaluate on the
 *                     candidate and in export on the shipped embeddings); null when the bundle has none
 * @param refit        whether the shipped model is a refit on train + validation + test ({@code enabled}; when true
 *                     also {@code epochs}, {@code trainedOn}, {@code interactions}, and what {@code metrics} describe:
 *                     the model selected before the refit); null in bundles written before the refit existed
 */
public record BundleManifest(String version, long runId, String createdAt, String codeVersion,
                             String dataContentHash, String datasetSource, ModelSpec dimensions,
                             Map<String, List<String>> featureSpec, Map<String, Object> vocabularies,
                             Map<String, Object> trainingConfig, Map<String, Double> metrics,
                             Map<String, Double> baseline, Map<String, Object> gate, Map<String, String> files,
                             Map<String, Object> refit, Map<String, Object> ann) {

    /** A manifest without an ANN index. */
    public BundleManifest(String version, long runId, String createdAt, String codeVersion, String dataContentHash,
                          String datasetSource, ModelSpec dimensions, Map<String, List<String>> featureSpec,
                          Map<String, Object> vocabularies, Map<String, Object> trainingConfig, Map<String, Double> metrics,
                          Map<String, Double> baseline, Map<String, Object> gate, Map<String, String> files,
                          Map<String, Object> refit) {
        this(version, runId, createdAt, codeVersion, dataContentHash, datasetSource, dimensions, featureSpec, vocabularies,
                trainingConfig, metrics, baseline, gate, files, refit, null);
    }

    /** A manifest of a model that was not refitted. */
    public BundleManifest(String version, long runId, String createdAt, String codeVersion, String dataContentHash,
                          String datasetSource, ModelSpec dimensions, Map<String, List<String>> featureSpec,
                          Map<String, Object> vocabularies, Map<String, Object> trainingConfig, Map<String, Double> metrics,
                          Map<String, Double> baseline, Map<String, Object> gate, Map<String, String> files) {
        this(version, runId, createdAt, codeVersion, dataContentHash, datasetSource, dimensions, featureSpec, vocabularies,
                trainingConfig, metrics, baseline, gate, files, Map.of("enabled", false));
    }
}
