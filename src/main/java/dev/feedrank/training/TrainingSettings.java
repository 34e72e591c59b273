package dev.feedrank.training;

import dev.feedrank.config.FeedrankConfig;

/** The knobs of one training run (from {@code feedrank.train.*}). */
public record TrainingSettings(int epochs, int batchSize, double learningRate, int embeddingDim, int idEmbeddingDim,
                               long seed, int earlyStoppingPatience, int lrPatience, double lrFactor, int logEveryBatches,
                               double coldStartRate) {

    public static TrainingSettings from(FeedrankConfig.Train t) {
        return new TrainingSettings(t.epochs(), t.batchSize(), t.learningRate(), t.embeddingDim(), t.idEmbeddingDim(),
                t.seed(), t.earlyStoppingPatience(), t.lrPatience(), t.lrFactor(), t.logEveryBatches(),
                t.coldStartRate());
    }
}
