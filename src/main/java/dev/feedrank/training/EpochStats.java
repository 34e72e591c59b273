package dev.feedrank.training;

/** One point of the training curve. */
public record EpochStats(int epoch, double trainLoss, double validationAuc, double learningRate,
                         double seconds, double samplesPerSecond, boolean best) {
}
