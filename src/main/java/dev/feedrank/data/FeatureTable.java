package dev.feedrank.data;

import java.util.List;

/**
 * One tower's entities (all users, or all items) with their model inputs. Row {@code r} is entity {@code ids[r]}.
 *
 * @param ids          external ids as strings, one per row
 * @param vocabIndex   ID-embedding index per row: 1..vocabSize-1 for entities seen in the train window, 0 = the
 *                     out-of-vocabulary bucket (entity unseen in train)
 * @param vocabSize    number of ID-embedding rows including the OOV bucket 0
 * @param dense        dense features, row-major, {@code ids.length * featureNames.size()} floats, all finite
 * @param featureNames names of the dense feature columns, in order
 */
public record FeatureTable(String[] ids, int[] vocabIndex, int vocabSize, float[] dense, List<String> featureNames) {
    /** Features prepare-data derives for every item tower, whatever the source (see FeatureBuilder). */
    public static final List<String> DERIVED_ITEM_FEATURES = List.of("popularity", "recent_popularity");
    /** Features prepare-data derives for every user tower, whatever the source (see FeatureBuilder). */
    public static final List<String> DERIVED_USER_FEATURES = List.of("activity");

    public int rows() { return ids.length; }
    public int width() { return featureNames.size(); }
}
