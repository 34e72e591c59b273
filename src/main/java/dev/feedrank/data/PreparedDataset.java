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
 * @param trainShards where the train split is kept as Parquet shards, which training then streams
 *                    ({@link #streamsTrain()}), or {@code null}: training iterates over {@code train} in memory. A
 *                    dataset read for training only ({@link PreparedDatasetStore#readForTraining}) has an empty
 *                    {@code train} and its shards.
 */
public record PreparedDataset(String contentHash, String source, FeatureTable users, FeatureTable items,
                              Examples train, Examples validation, Examples test, Map<String, Object> stats,
                              TrainNegatives trainNegatives, TrainShards trainShards) {

    public PreparedDataset(String contentHash, String source, FeatureTable users, FeatureTable items, Examples train,
                           Examples validation, Examples test, Map<String, Object> stats, TrainNegatives trainNegatives) {
        this(contentHash, source, users, items, train, validation, test, stats, trainNegatives, null);
    }

    /** A dataset whose train split carries its own negatives (hand-built data); training samples none. */
    public PreparedDataset(String contentHash, String source, FeatureTable users, FeatureTable items, Examples train,
                           Examples validation, Examples test, Map<String, Object> stats) {
        this(contentHash, source, users, items, train, validation, test, stats, null);
    }

    /**
     * Whether training streams the train split from its shards: a prepared split (positives, negatives drawn per batch)
     * of more than one shard. A split of one shard ({@code data.train-shard-rows} or fewer rows) is trained in memory,
     * where streaming would only add its reads.
     */
    public boolean streamsTrain() {
        return trainShards != null && trainNegatives != null && trainShards.count() > 1;
    }

    /** The train split's rows, in memory or in its shards. */
    public long trainRows() {
        return streamsTrain() && train.size() == 0 ? trainShards.rows() : train.size();
    }

    /** This dataset with its train split's shards (training streams them), e.g. as prepare-data wrote them. */
    public PreparedDataset withTrainShards(TrainShards shards) {
        return new PreparedDataset(contentHash, source, users, items, train, validation, test, stats, trainNegatives,
                shards);
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
