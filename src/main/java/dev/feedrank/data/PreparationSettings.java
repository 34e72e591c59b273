package dev.feedrank.data;

/**
 * Everything that shapes a prepared dataset (part of its content hash).
 *
 * @param trainFraction        share of interactions (by time) in the train window
 * @param validationFraction   share in the validation window; the test window gets the rest
 * @param negativesPerPositive sampled negatives per positive for implicit feedback (and for evaluation negatives)
 * @param negativeSampling     {@code uniform} or {@code popularity}
 * @param seed                 seed of every random choice made during preparation
 * @param syntheticUsers       synthetic generator: number of users
 * @param syntheticItems       synthetic generator: number of items
 * @param syntheticImpressions synthetic generator: number of impressions
 */
public record PreparationSettings(double trainFraction, double validationFraction, int negativesPerPositive,
                                  String negativeSampling, long seed, int syntheticUsers, int syntheticItems,
                                  int syntheticImpressions) {
}
