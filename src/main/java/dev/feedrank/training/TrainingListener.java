package dev.feedrank.training;

/** Receives training progress; the train stage turns it into logs, metrics, API progress and checkpoints. */
public interface TrainingListener {

    /** A progress line (epoch, batches done/total, samples/s, ETA). */
    default void progress(String line) {
    }

    default void epochEnded(EpochStats stats) {
    }

    /**
     * Once per {@code train} / {@code refit} call, when it returns or throws: the training examples its batches
     * processed and the seconds its batch loops took (per epoch from its start to its last batch, as
     * {@link EpochStats#seconds()}: validation and end-of-epoch checkpoints excluded). Zero samples when it trained no
     * batch (e.g. resumed from a finished checkpoint). Must not throw.
     */
    default void trained(long samples, double seconds) {
    }

    /** A new best model by validation AUC; {@code parameters} is its full parameter file. */
    default void bestCheckpoint(int epoch, double validationAuc, byte[] parameters) throws Exception {
    }

    /**
     * Asked after every batch (after the optimizer step). When it answers true the trainer writes a checkpoint of
     * the exact position through {@link #checkpoint} and throws {@link TrainingStoppedException}.
     */
    default boolean stopRequested() {
        return false;
    }

    /**
     * The full training state ({@link TrainingCheckpoint#encode()}): at the end of every epoch and when stopping on
     * request. Passing it to {@link TwoTowerTrainer#train(dev.feedrank.data.PreparedDataset, TrainingSettings,
     * TrainingListener, byte[])} continues the training from there. An exception thrown here fails the training.
     */
    default void checkpoint(byte[] state) throws Exception {
    }
}
