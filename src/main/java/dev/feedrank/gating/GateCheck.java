package dev.feedrank.gating;

/**
 * One check of a gate decision: {@code value op threshold}. {@code reference} is the baseline's or the
 * production model's value the threshold was derived from (null for fixed minimums).
 */
public record GateCheck(String kind, String metric, String op, double threshold, Double value, Double reference,
                        boolean passed, String detail) {
}
