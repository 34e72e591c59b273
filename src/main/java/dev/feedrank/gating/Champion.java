package dev.feedrank.gating;

import java.util.Map;

/**
 * The model aliased {@code production}, evaluated on the candidate's test split.
 *
 * @param version           the champion's version
 * @param metrics           its metrics on this run's split (empty when it could not be evaluated)
 * @param unavailableReason why it could not be evaluated on this split (null when it was)
 * @param differences       per metric, the 95% bootstrap interval (over the same users) of candidate minus champion,
 *                          for the metrics that have one (ranking metrics); used by {@code gate.regression-test=bootstrap}
 * @param overlap           why the comparison is not fair, when the champion was trained on part of this run's test
 *                          window (a refit model trained up to a time after the window's start); null otherwise
 */
public record Champion(String version, Map<String, Double> metrics, String unavailableReason,
                       Map<String, Difference> differences, String overlap) {

    public Champion(String version, Map<String, Double> metrics, String unavailableReason, Map<String, Difference> differences) {
        this(version, metrics, unavailableReason, differences, null);
    }

    public Champion withOverlap(String reason) {
        return new Champion(version, metrics, unavailableReason, differences, reason);
    }

    /** An interval of candidate minus champion. */
    public record Difference(double low, double high) {
    }

    public Champion {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        differences = differences == null ? Map.of() : Map.copyOf(differences);
    }

    public static Champion evaluated(String version, Map<String, Double> metrics) {
        return new Champion(version, metrics, null, Map.of());
    }

    public static Champion evaluated(String version, Map<String, Double> metrics, Map<String, Difference> differences) {
        return new Champion(version, metrics, null, differences);
    }

    public static Champion unavailable(String version, String reason) {
        return new Champion(version, Map.of(), reason, Map.of());
    }

    public boolean available() {
        return unavailableReason == null;
    }
}
