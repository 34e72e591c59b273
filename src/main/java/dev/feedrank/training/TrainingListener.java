package dev.feedrank.training;

/** Receives training progress; the train stage turns it into logs, metrics, API progress and checkpoints. */
public interface TrainingListener {

    /** A progress line (epoch, batches done/total, samples/s, ETA). */
    default void progress(String line) {
    }

    default void epochEnded(EpochStats stats) {
    }

    /** A new best model by validation AUC; {@code parameters} is its full parameter file. */
    default void bestCheckpoint(int epoch, double validationAuc, byte[] parameters) throws Exception {
    }
}
