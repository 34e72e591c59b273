package dev.feedrank.training;

/**
 * Training stopped between two batches because {@link TrainingListener#stopRequested()} said so; a checkpoint of
 * that position was handed to {@link TrainingListener#checkpoint(byte[])} before this was thrown, and the model
 * was closed.
 */
public class TrainingStoppedException extends RuntimeException {

    private final int epoch;
    private final int batchesDone;
    private final int batches;

    public TrainingStoppedException(int epoch, int batchesDone, int batches) {
        super(String.format("training stopped on request at epoch %d after batch %d of %d; a checkpoint of this position was written",
                epoch, batchesDone, batches));
        this.epoch = epoch;
        this.batchesDone = batchesDone;
        this.batches = batches;
    }

    /** The epoch (1-based) in which training stopped. */
    public int epoch() {
        return epoch;
    }

    /** How many batches of that epoch were done. */
    public int batchesDone() {
        return batchesDone;
    }

    /** Batches per epoch. */
    public int batches() {
        return batches;
    }
}
