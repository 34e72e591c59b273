package dev.feedrank.gating;

import java.util.Map;

/**
 * The model aliased {@code production}, evaluated on the candidate's test split.
 *
 * @param version          the champion's version
 * @param metrics          its metrics on this run's split (empty when it could not be evaluated)
 * @param unavailableReason why it could not be evaluated on this split (null when it was)
 */
public record Champion(String version, Map<String, Double> metrics, String unavailableReason) {

    public static Champion evaluated(String version, Map<String, Double> metrics) {
        return new Champion(version, Map.copyOf(metrics), null);
    }

    public static Champion unavailable(String version, String reason) {
        return new Champion(version, Map.of(), reason);
    }

    public boolean available() {
        return unavailableReason == null;
    }
}
