package dev.feedrank.validation;

import java.util.Map;

/**
 * The values a run's data validation records so that the next run on the same dataset spec can compare with them:
 * keys are a name, or {@code name:split} (e.g. {@code interactions}, {@code click_rate}, {@code examples:train}).
 *
 * @param runId the run they belong to
 */
public record DatasetProfile(long runId, Map<String, Double> values) {

    public Double get(String key) {
        return values.get(key);
    }

    /** The metric name of a key (before the colon). */
    public static String name(String key) {
        int colon = key.indexOf(':');
        return colon < 0 ? key : key.substring(0, colon);
    }

    /** The split of a key (after the colon), or null. */
    public static String split(String key) {
        int colon = key.indexOf(':');
        return colon < 0 ? null : key.substring(colon + 1);
    }

    public static String key(String name, String split) {
        return split == null ? name : name + ":" + split;
    }
}
