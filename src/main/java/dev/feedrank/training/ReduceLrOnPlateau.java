package dev.feedrank.training;

/**
 * PyTorch's {@code ReduceLROnPlateau} in mode "max" with its defaults (threshold 1e-4, threshold_mode "rel",
 * cooldown 0, min_lr 0): after more than {@code patience} epochs without a relative improvement the learning
 * rate is multiplied by {@code factor}.
 */
public final class ReduceLrOnPlateau {

    private static final double THRESHOLD = 1e-4;

    private final double factor;
    private final int patience;
    private double lr;
    private double best = Double.NEGATIVE_INFINITY;
    private int badEpochs;

    public ReduceLrOnPlateau(double initialLr, double factor, int patience) {
        this.lr = initialLr;
        this.factor = factor;
        this.patience = patience;
    }

    /** Feeds one epoch's metric; returns the learning rate for the next epoch. */
    public double step(double metric) {
        if (metric > best * (1 + THRESHOLD) || best == Double.NEGATIVE_INFINITY) {
            best = metric;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (badEpochs > patience) {
            lr = lr * factor;
            badEpochs = 0;
        }
        return lr;
    }

    public double learningRate() {
        return lr;
    }

    /** What a checkpoint needs to continue the schedule: the best metric so far, the bad epochs, the learning rate. */
    public record State(double best, int badEpochs, double learningRate) {
    }

    public State state() {
        return new State(best, badEpochs, lr);
    }

    /** Continues from a saved state (factor and patience come from the settings, which the checkpoint pins). */
    public void restore(State s) {
        if (s.badEpochs() < 0) throw new IllegalArgumentException("bad epochs must not be negative: " + s.badEpochs());
        this.best = s.best();
        this.badEpochs = s.badEpochs();
        this.lr = s.learningRate();
    }
}
