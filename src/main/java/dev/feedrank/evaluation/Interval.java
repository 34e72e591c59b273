package dev.feedrank.evaluation;

/** A closed interval {@code [low, high]}, e.g. a bootstrap confidence interval ({@link Bootstrap}). */
public record Interval(double low, double high) {

    public Interval {
        if (!(low <= high)) {
            throw new IllegalArgumentException("need low <= high: [" + low + ", " + high + "]");
        }
    }

    /** Whether {@code low <= value <= high}. */
    public boolean contains(double value) {
        return low <= value && value <= high;
    }

    /** {@code high - low}. */
    public double width() {
        return high - low;
    }
}
