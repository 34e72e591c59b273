package dev.feedrank.data;

import java.util.Locale;

/**
 * Everything that shapes a prepared dataset (part of its content hash).
 *
 * @param trainFraction        {@code global-time}: share of interactions (by time) in the train window
 * @param validationFraction   {@code global-time}: share in the validation window (the test window gets the rest);
 *                             {@code per-user-time}: share of each user's non-test interactions (its latest) that
 *                             go to validation
 * @param negativesPerPositive sampled negatives per positive for implicit feedback (and for evaluation negatives)
 * @param negativeSampling     {@code uniform} or {@code popularity}
 * @param seed                 seed of every random choice made during preparation
 * @param syntheticUsers       synthetic generator: number of users
 * @param syntheticItems       synthetic generator: number of items
 * @param syntheticImpressions synthetic generator: number of impressions
 * @param splitStrategy        {@code global-time}, {@code per-user-time} or {@code leave-last-out} (see {@link TimeSplitter});
 *                             internally also {@code all} (every interaction in train: the refit dataset, {@link #forRefit()})
 * @param testFraction         {@code per-user-time}: share of each user's interactions (its latest) in test
 * @param trainShardRows       rows per Parquet shard of the stored train split ({@code data.train-shard-rows}): the
 *                             layout decides whether training streams the split, so a dataset cached under another
 *                             layout is not reused
 */
public record PreparationSettings(double trainFraction, double validationFraction, int negativesPerPositive,
                                  String negativeSampling, long seed, int syntheticUsers, int syntheticItems,
                                  int syntheticImpressions, String splitStrategy, double testFraction,
                                  int trainShardRows) {

    public static final String GLOBAL_TIME = "global-time";
    public static final String PER_USER_TIME = "per-user-time";
    public static final String LEAVE_LAST_OUT = "leave-last-out";
    public static final java.util.List<String> STRATEGIES = java.util.List.of(GLOBAL_TIME, PER_USER_TIME, LEAVE_LAST_OUT);
    /** Internal (not a {@code split.strategy} value): every interaction in train, validation and test empty. */
    public static final String ALL = "all";

    /** A global time split (the scheduled-retraining default). */
    public PreparationSettings(double trainFraction, double validationFraction, int negativesPerPositive,
                               String negativeSampling, long seed, int syntheticUsers, int syntheticItems,
                               int syntheticImpressions) {
        this(trainFraction, validationFraction, negativesPerPositive, negativeSampling, seed, syntheticUsers,
                syntheticItems, syntheticImpressions, GLOBAL_TIME, 0.2);
    }

    /** With the default train shard size ({@link PreparedDatasetStore#DEFAULT_SHARD_ROWS}). */
    public PreparationSettings(double trainFraction, double validationFraction, int negativesPerPositive,
                               String negativeSampling, long seed, int syntheticUsers, int syntheticItems,
                               int syntheticImpressions, String splitStrategy, double testFraction) {
        this(trainFraction, validationFraction, negativesPerPositive, negativeSampling, seed, syntheticUsers,
                syntheticItems, syntheticImpressions, splitStrategy, testFraction, PreparedDatasetStore.DEFAULT_SHARD_ROWS);
    }

    public PreparationSettings {
        splitStrategy = splitStrategy == null || splitStrategy.isBlank() ? GLOBAL_TIME
                : splitStrategy.trim().toLowerCase(Locale.ROOT);
        if (!STRATEGIES.contains(splitStrategy) && !ALL.equals(splitStrategy)) {
            throw new IllegalArgumentException("split.strategy must be one of " + STRATEGIES + ", got '" + splitStrategy + "'");
        }
        // a fraction the strategy does not use must not change the content hash
        if (!PER_USER_TIME.equals(splitStrategy)) testFraction = 0.2;
        if (trainShardRows < 1) throw new IllegalArgumentException("data.train-shard-rows must be >= 1, got " + trainShardRows);
    }

    /** The same settings with another split strategy. */
    public PreparationSettings withSplit(String strategy, double testFraction) {
        return new PreparationSettings(trainFraction, validationFraction, negativesPerPositive, negativeSampling, seed,
                syntheticUsers, syntheticItems, syntheticImpressions, strategy, testFraction, trainShardRows);
    }

    /** The same settings with another train shard size. */
    public PreparationSettings withTrainShardRows(int rows) {
        return new PreparationSettings(trainFraction, validationFraction, negativesPerPositive, negativeSampling, seed,
                syntheticUsers, syntheticItems, syntheticImpressions, splitStrategy, testFraction, rows);
    }

    /**
     * The settings of the refit dataset: the same input, negatives and seed, with every interaction in train
     * (strategy {@code all}). The split fractions do not apply and are fixed, so the refit dataset's content hash does
     * not depend on which split selected the model.
     */
    public PreparationSettings forRefit() {
        return new PreparationSettings(1.0, 0.0, negativesPerPositive, negativeSampling, seed, syntheticUsers,
                syntheticItems, syntheticImpressions, ALL, 0.0, trainShardRows);
    }

    public boolean all() {
        return ALL.equals(splitStrategy);
    }

    public boolean globalTime() {
        return GLOBAL_TIME.equals(splitStrategy);
    }
}
