package dev.feedrank.data;

/**
 * How training draws the train split's negatives: prepare-data stores only the train positives, and training samples
 * {@code perPositive} negatives per positive in every batch, fresh each epoch, by the rules prepare-data applies to
 * the validation and test splits ({@link NegativeSampler}: never one of the user's train positives, only items
 * already seen at the positive's time, uniform or weighted by train popularity).
 *
 * @param perPositive   negatives per positive ({@code negatives.per-positive})
 * @param sampling      {@code uniform} or {@code popularity} ({@code negatives.sampling})
 * @param itemFirstSeen per item row, the timestamp of its first interaction in any split, observed negatives
 *                      included ({@code Long.MAX_VALUE} if none): what "already seen" means
 */
public record TrainNegatives(int perPositive, String sampling, long[] itemFirstSeen) {
    public TrainNegatives {
        if (perPositive < 0) throw new IllegalArgumentException("negatives per positive must be >= 0, got " + perPositive);
        NegativeSampler.isPopularity(sampling);
        java.util.Objects.requireNonNull(itemFirstSeen, "itemFirstSeen");
    }

    /** The sampler of these rules, popularity-weighted by the train positives of {@code train}. */
    public NegativeSampler sampler(Examples train) {
        int[] clicks = new int[itemFirstSeen.length];
        for (int i = 0; i < train.size(); i++) if (train.click()[i] == 1f) clicks[train.item()[i]]++;
        return sampler(clicks);
    }

    /** The sampler of these rules, popularity-weighted by {@code itemPositives} (train positives per item row). */
    public NegativeSampler sampler(int[] itemPositives) {
        return new NegativeSampler(perPositive, sampling, itemFirstSeen, itemPositives);
    }
}
