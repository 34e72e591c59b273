package dev.feedrank.data;

import java.util.Map;

/**
 * The output of prepare-data: feature tables for both towers and the time-split examples.
 *
 * @param contentHash hex SHA-256 over the input files' bytes and the preparation config
 * @param source      the dataset spec it was prepared from, e.g. {@code synthetic}
 * @param stats       small JSON-able statistics (row counts, label rates, time window bounds ...)
 */
public record PreparedDataset(String contentHash, String source, FeatureTable users, FeatureTable items,
                              Examples train, Examples validation, Examples test, Map<String, Object> stats) {
}
