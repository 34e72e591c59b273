package dev.feedrank.data;

/**
 * Labelled (user, item) examples of one split. {@code user[i]} and {@code item[i]} are row indices into the
 * dataset's user and item {@link FeatureTable}s. Labels are 0/1 floats. {@code sampled[i]} is true for a negative
 * that was sampled (not observed). {@code ts[i]} is the epoch-second timestamp (for sampled negatives: that of the
 * positive they were drawn for).
 */
public record Examples(int[] user, int[] item, float[] click, float[] like, float[] share, boolean[] sampled, long[] ts) {
    public int size() { return user.length; }
}
