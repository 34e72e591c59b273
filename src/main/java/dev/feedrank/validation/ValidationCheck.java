package dev.feedrank.validation;

import java.util.Locale;

/**
 * One data-validation check of a run.
 *
 * @param name          check name, e.g. {@code min-users}, {@code label-rate}, {@code row-count-change}
 * @param scope         what it looked at when a check runs more than once (a split, a tower, a label), else null
 * @param severity      ERROR (a failure fails the run) or WARNING (recorded only)
 * @param observed      the value this run has (null when there is none)
 * @param expected      the bound it is held to, readable, e.g. {@code >= 10} or {@code within [0.01, 0.95]}
 * @param previous      for a change check: the value of the last successful run on the same dataset spec
 * @param previousRunId that run
 * @param detail        what was counted, and where (file, field, first offending row or entity)
 */
public record ValidationCheck(String name, String scope, Severity severity, boolean passed, Double observed,
                              String expected, Double previous, Long previousRunId, String detail) {

    /** A failed check that stops the run. */
    public boolean blocking() {
        return !passed && severity == Severity.ERROR;
    }

    /** A failed check that is recorded only. */
    public boolean warned() {
        return !passed && severity == Severity.WARNING;
    }

    public String label() {
        return scope == null ? name : name + "[" + scope + "]";
    }

    /** e.g. {@code min-users: observed 1, expected >= 10 (interactions.csv: distinct user_id values)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(label()).append(": observed ").append(format(observed))
                .append(", expected ").append(expected);
        if (previousRunId != null) sb.append(", previous ").append(format(previous)).append(" (run ").append(previousRunId).append(')');
        if (detail != null && !detail.isBlank()) sb.append(" (").append(detail).append(')');
        return sb.toString();
    }

    static String format(Double d) {
        if (d == null) return "none";
        if (Double.isNaN(d) || Double.isInfinite(d)) return String.valueOf(d);
        if (d == Math.rint(d) && Math.abs(d) < 1e15) return String.valueOf(d.longValue());
        if (Math.abs(d) < 1e-3) return String.format(Locale.ROOT, "%.3e", d);
        String fixed = String.format(Locale.ROOT, "%.4f", d); // 4 decimals without trailing zeros: 0.01, 0.0244
        return fixed.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
