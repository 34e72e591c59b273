package dev.feedrank.validation;

import dev.feedrank.config.FeedrankConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/** The typed settings of data validation ({@code feedrank.validation.*}), checked when a run's config is built. */
public record ValidationSettings(boolean enabled, int minUsers, int minItems, int minExamplesPerSplit,
                                 double labelRateMin, double labelRateMax, double maxRowCountChange,
                                 double maxLabelRateChange, double maxDuplicateRate, long futureToleranceSeconds,
                                 Severity driftSeverity, Map<String, Severity> severities) {

    public ValidationSettings {
        require(minUsers >= 0 && minItems >= 0 && minExamplesPerSplit >= 0,
                "validation.min-users, min-items and min-examples-per-split must be >= 0");
        require(labelRateMin >= 0 && labelRateMin <= labelRateMax && labelRateMax <= 1,
                "validation.label-rate.min and .max must satisfy 0 <= min <= max <= 1, got " + labelRateMin + " and "
                        + labelRateMax);
        require(maxRowCountChange >= 0, "validation.max-row-count-change must be >= 0, got " + maxRowCountChange);
        require(maxLabelRateChange >= 0, "validation.max-label-rate-change must be >= 0, got " + maxLabelRateChange);
        require(maxDuplicateRate >= 0 && maxDuplicateRate <= 1,
                "validation.max-duplicate-rate must be within [0, 1], got " + maxDuplicateRate);
        require(futureToleranceSeconds >= 0, "validation.future-tolerance-seconds must be >= 0");
        for (String name : severities.keySet()) {
            require(DataValidator.CHECKS.contains(name), "validation.severity." + name + ": unknown check; one of "
                    + DataValidator.CHECKS);
        }
        severities = Map.copyOf(severities);
    }

    public static ValidationSettings from(FeedrankConfig.Validation c) {
        Map<String, Severity> severities = new LinkedHashMap<>();
        c.severity().forEach((k, v) -> severities.put(k, Severity.parse(v, "validation.severity." + k)));
        return new ValidationSettings(c.enabled(), c.minUsers(), c.minItems(), c.minExamplesPerSplit(),
                c.labelRate().min(), c.labelRate().max(), c.maxRowCountChange(), c.maxLabelRateChange(),
                c.maxDuplicateRate(), c.futureToleranceSeconds(),
                Severity.parse(c.driftSeverity(), "validation.drift-severity"), severities);
    }

    /** A check's severity: its own setting, else drift-severity for the change checks, else error. */
    public Severity severityOf(String check) {
        Severity s = severities.get(check);
        if (s != null) return s;
        return DataValidator.DRIFT_CHECKS.contains(check) ? driftSeverity : Severity.ERROR;
    }

    private static void require(boolean condition, String message) {
        if (!condition) throw new IllegalArgumentException(message);
    }
}
