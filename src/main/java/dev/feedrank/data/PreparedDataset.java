package dev.feedrank.data;

import java.util.Map;

/**
 * The output of prepare-data: feature tables for both towers and the time-split examples.
 *
 * @param contentHash hex SHA-256 over the input files' bytes and the preparation config
 * @param source      the dataset spec it was prepared from, e.g. {@code synthetic}
 * @param stats       small JSON-able statistics (row counts, label rates, time window bounds ...)
 * @param trainNegatives how training samples the train split's negatives (prepare-data stores train positives only),
 *                    or {@code null}: the train split holds its negatives itself
 */
public record PreparedDataset(String contentHash, String source, FeatureTable users, FeatureTable items,
                              Examples train, Examples validation, Examples test, Map<String, Object> stats,
                              TrainNegatives trainNegatives) {

    /** A dataset whose train split carries its own negatives (hand-built data); training samples none. */
    public PreparedDataset(String contentHash, String source, FeatureTable users, FeatureTable items, Examples train,
                           Examples validation, Examples test, Map<String, Object> stats) {
        this(contentHash, source, users, items, train, validation, test, stats, null);
    }

    /**
     * This dataset with one fixed draw of the train negatives stored in the train split (each positive followed by
     * its negatives, as validation and test), for peers that train on a fixed example set (bench/parity).
     */
    public PreparedDataset withFixedTrainNegatives(long seed) {
        if (trainNegatives == null) return this;
        Examples fixed = trainNegatives.sampler(train).sample(train,
                NegativeSampler.UserItems.positivesOf(users.rows(), train), seed);
        return new PreparedDataset(contentHash, source, users, items, fixed, validation, test, stats);
    }
}
