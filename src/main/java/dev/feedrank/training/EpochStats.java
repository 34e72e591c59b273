package dev.feedrank.training;

/**
 * One point of the training curve. {@code validationMetric} is the value model selection followed that epoch
 * ({@code train.selection-metric}: validation NDCG@10 by default, or the validation AUC itself).
 */
public record EpochStats(int epoch, double trainLoss, double validationAuc, double validationMetric, double learningRate,
                         double seconds, double samplesPerSecond, boolean best) {
}
