package dev.feedrank.ui;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the console writes numbers, durations, instants and statuses (always text; never null). */
final class Fmt {

    static final String NONE = "—";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private Fmt() {
    }

    static String num(Double v) {
        if (v == null || v.isNaN()) return NONE;
        double a = Math.abs(v);
        if (a >= 10 && a < 1e15 && v == Math.rint(v)) return String.format(Locale.ROOT, "%,d", v.longValue()); // counts
        if (a != 0 && (a < 1e-3 || a >= 1e6)) return String.format(Locale.ROOT, "%.3e", v);
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String signed(Double v) {
        if (v == null || v.isNaN()) return NONE;
        return (v > 0 ? "+" : "") + num(v);
    }

    static String interval(java.util.List<Double> ci) {
        if (ci == null || ci.size() != 2) return "";
        return "[" + num(ci.get(0)) + ", " + num(ci.get(1)) + "]";
    }

    static String time(Instant t) {
        return t == null ? NONE : TIME.format(t);
    }

    private static final DateTimeFormatter SHORT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** Minutes only, UTC (tables; the full instant is in the element's datetime / title). */
    static String shortTime(Instant t) {
        return t == null ? NONE : SHORT.format(t);
    }

    static String iso(Instant t) {
        return t == null ? "" : t.toString();
    }

    static String duration(Long ms) {
        if (ms == null) return NONE;
        if (ms < 1000) return ms + " ms";
        Duration d = Duration.ofMillis(ms);
        if (ms < 60_000) return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        if (d.toHours() == 0) return d.toMinutesPart() + " min " + d.toSecondsPart() + " s";
        return d.toHours() + " h " + d.toMinutesPart() + " min";
    }

    static Long between(Instant from, Instant to) {
        if (from == null) return null;
        return Duration.between(from, to == null ? Instant.now() : to).toMillis();
    }

    /** CPU time: seconds with one decimal (CPU seconds are what a retrain's cost is counted in). */
    static String cpu(Long ms) {
        if (ms == null) return NONE;
        return String.format(Locale.ROOT, "%.1f s CPU", ms / 1000.0);
    }

    static String bytes(Long b) {
        if (b == null) return NONE;
        if (b < 1024) return b + " B";
        double v = b;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }

    static String rate(Double perSecond) {
        if (perSecond == null || perSecond.isNaN()) return NONE;
        return String.format(Locale.ROOT, "%,.0f/s", perSecond);
    }

    static String text(Object o) {
        return o == null ? NONE : o.toString();
    }

    /** CSS class of a status (colour); the status itself is always shown as text too. */
    static String statusClass(String status) {
        return "st-" + (status == null ? "unknown" : status.toLowerCase(Locale.ROOT));
    }

    static boolean live(String status) {
        return "RUNNING".equals(status) || "QUEUED".equals(status);
    }

    /** The ETA a training progress line ends with ("… ETA 1m05s"), or "" when it has none. */
    static String eta(String progress) {
        return dev.feedrank.training.TwoTowerTrainer.etaOf(progress);
    }
}
