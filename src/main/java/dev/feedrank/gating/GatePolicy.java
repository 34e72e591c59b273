package dev.feedrank.gating;

import dev.feedrank.config.FeedrankConfig;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configured gate ({@code feedrank.gate.*}, overridable per run):
 * <ul>
 *   <li>value bounds: {@code min.<metric>} and {@code max.<metric>};</li>
 *   <li>must beat the popularity baseline on {@code baseline-metric} (same split);</li>
 *   <li>change against the champion (the model aliased {@code production}, evaluated on this run's split):
 *       {@code max-regression.<metric>} (absolute) and {@code max-relative-regression.<metric>} (fraction of the
 *       champion's value), each in the metric's direction: higher is better unless the metric is listed in
 *       {@code lower-is-better} (a task prefix such as {@code like.} is ignored for that lookup). A negative
 *       allowance demands an improvement.</li>
 * </ul>
 * Metric names may carry a task prefix ({@code like.auc}) for multi-task models. With no champion, the value
 * checks alone decide and the decision says so. A gate with no checks refuses to promote unless
 * {@code allow-no-checks} is set.
 */
public final class GatePolicy {

    public static final String OFF = "off";

    /** The baselines the candidate must beat on {@code baseline-metric}, by name. */
    public static final java.util.List<String> BASELINES = java.util.List.of("popularity", "puresvd", "ease");

    private final Map<String, Double> min;
    private final Map<String, Double> max;
    private final Map<String, Double> maxRegression;
    private final Map<String, Double> maxRelativeRegression;
    private final String baselineMetric;
    private final List<String> beat;
    private final Set<String> lowerIsBetter;
    private final boolean allowNoChecks;
    private final boolean bootstrapRegression;

    /** A gate that must beat popularity on {@code baselineMetric} (null: no baseline check), threshold regressions. */
    public GatePolicy(Map<String, Double> min, Map<String, Double> max, Map<String, Double> maxRegression,
                      Map<String, Double> maxRelativeRegression, String baselineMetric, Set<String> lowerIsBetter,
                      boolean allowNoChecks) {
        this(min, max, maxRegression, maxRelativeRegression, baselineMetric, List.of("popularity"), lowerIsBetter,
                allowNoChecks, false);
    }

    /**
     * @param beat                baselines to beat on {@code baselineMetric} ({@link #BASELINES}); empty or a null
     *                            metric: none
     * @param bootstrapRegression a change check fails only when the candidate is also worse than the champion beyond
     *                            the 95% bootstrap interval of their paired difference (where the metric has one)
     */
    public GatePolicy(Map<String, Double> min, Map<String, Double> max, Map<String, Double> maxRegression,
                      Map<String, Double> maxRelativeRegression, String baselineMetric, List<String> beat,
                      Set<String> lowerIsBetter, boolean allowNoChecks, boolean bootstrapRegression) {
        this.min = new TreeMap<>(min);
        this.max = new TreeMap<>(max);
        this.maxRegression = new TreeMap<>(maxRegression);
        this.maxRelativeRegression = new TreeMap<>(maxRelativeRegression);
        this.baselineMetric = baselineMetric == null || baselineMetric.isBlank() || baselineMetric.equalsIgnoreCase(OFF)
                ? null : baselineMetric;
        this.beat = this.baselineMetric == null ? List.of() : List.copyOf(beat);
        this.lowerIsBetter = Set.copyOf(lowerIsBetter);
        this.allowNoChecks = allowNoChecks;
        this.bootstrapRegression = bootstrapRegression;
    }

    public static GatePolicy from(FeedrankConfig.Gate g) {
        String regression = g.regressionTest().trim().toLowerCase(Locale.ROOT);
        if (!regression.equals("threshold") && !regression.equals("bootstrap")) {
            throw new IllegalArgumentException("gate.regression-test must be 'threshold' or 'bootstrap', got '" + g.regressionTest() + "'");
        }
        return new GatePolicy(thresholds("gate.min", g.min()), thresholds("gate.max", g.max()),
                thresholds("gate.max-regression", g.maxRegression()),
                thresholds("gate.max-relative-regression", g.maxRelativeRegression()),
                g.baselineMetric(), beatBaselines(g.beatBaseline()), new LinkedHashSet<>(g.lowerIsBetter()), g.allowNoChecks(),
                regression.equals("bootstrap"));
    }

    /**
     * {@code gate.beat-baseline}: {@code true} (= popularity, as before), {@code false} / {@code off} (none), or a
     * comma-separated list of {@link #BASELINES}.
     */
    public static List<String> beatBaselines(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("false") || v.equals(OFF) || v.equals("none")) return List.of();
        if (v.equals("true")) return List.of("popularity");
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String name = part.trim();
            if (!BASELINES.contains(name)) {
                throw new IllegalArgumentException("gate.beat-baseline must be true, false or a comma-separated list of "
                        + BASELINES + ", got '" + value + "'");
            }
            if (!out.contains(name)) out.add(name);
        }
        return out;
    }

    /** Parses a metric → threshold map; {@code off} (or empty) removes an entry, e.g. one set by default. */
    public static Map<String, Double> thresholds(String key, Map<String, String> raw) {
        Map<String, Double> out = new TreeMap<>();
        raw.forEach((metric, value) -> {
            String v = value == null ? "" : value.trim();
            if (v.isEmpty() || v.equalsIgnoreCase(OFF)) return;
            try {
                double d = Double.parseDouble(v);
                if (!Double.isFinite(d)) throw new NumberFormatException();
                out.put(metric, d);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + "." + metric + ": expected a finite number or 'off', got '" + value + "'");
            }
        });
        return out;
    }

    public boolean higherIsBetter(String metric) {
        String base = metric.contains(".") ? metric.substring(metric.lastIndexOf('.') + 1) : metric;
        return !lowerIsBetter.contains(metric) && !lowerIsBetter.contains(base);
    }

    private String direction(String metric) {
        return higherIsBetter(metric) ? "higher" : "lower";
    }

    /** True when some change-against-the-champion check is configured. */
    public boolean comparesWithChampion() {
        return !maxRegression.isEmpty() || !maxRelativeRegression.isEmpty();
    }

    /**
     * @param candidate the candidate's test metrics
     * @param baseline  the popularity baseline's metrics on the same split
     * @param champion  the production model evaluated on the same split, or null when there is none
     */
    public GateDecision decide(Map<String, Double> candidate, Map<String, Double> baseline, Champion champion) {
        return decideAgainst(candidate, Map.of("popularity", baseline), champion);
    }

    /**
     * @param baselines each baseline's metrics on the same split, by name ({@link #BASELINES}); a baseline the gate
     *                  must beat but that was not computed (e.g. EASE^R skipped for a large catalogue) fails its check
     *                  with the reason
     */
    public GateDecision decideAgainst(Map<String, Double> candidate, Map<String, Map<String, Double>> baselines, Champion champion) {
        List<GateCheck> checks = new ArrayList<>();
        boolean comparable = champion != null && champion.available();
        min.forEach((metric, t) -> checks.add(bound("min", metric, ">=", t, candidate.get(metric), "lower bound", comparable)));
        max.forEach((metric, t) -> checks.add(bound("max", metric, "<=", t, candidate.get(metric), "upper bound", comparable)));
        for (String name : beat) {
            Map<String, Double> metrics = baselines.getOrDefault(name, Map.of());
            Double base = metrics.get(baselineMetric);
            Double value = candidate.get(baselineMetric);
            boolean higher = higherIsBetter(baselineMetric);
            boolean ok = finite(base) && finite(value) && (higher ? value > base : value < base);
            checks.add(new GateCheck(name.equals("popularity") ? "beat-baseline" : "beat-baseline:" + name, baselineMetric,
                    direction(baselineMetric), higher ? ">" : "<",
                    base == null ? Double.NaN : base, value, null, base, ok,
                    base == null ? "the " + name + " baseline has no " + baselineMetric + " on this split"
                            : value == null ? "the candidate has no " + baselineMetric
                            : "must be " + (higher ? "above" : "below") + " the " + name + " baseline on the same split"));
        }
        String summary;
        if (champion == null) {
            summary = comparesWithChampion()
                    ? "no champion (no production model yet): decided by the value thresholds alone"
                    : "no champion (no production model yet)";
        } else if (!champion.available()) {
            if (comparesWithChampion()) {
                checks.add(new GateCheck("champion-comparison", "*", "higher", "=", Double.NaN, null, null, null, false,
                        "champion " + champion.version() + " could not be evaluated on this split: " + champion.unavailableReason()));
            }
            summary = "champion " + champion.version() + " could not be evaluated on this run's split ("
                    + champion.unavailableReason() + ")";
        } else if (champion.overlap() != null) {
            // a refit champion trained on part of this test window: its scores are optimistic, so a change check would
            // reject good candidates; the checks are recorded as not applicable, the value and baseline checks decide
            maxRegression.forEach((metric, allowance) -> checks.add(notComparable("max-regression", metric, candidate, champion)));
            maxRelativeRegression.forEach((metric, allowance) -> checks.add(notComparable("max-relative-regression", metric, candidate, champion)));
            summary = "champion " + champion.version() + " trained on part of this run's test window (" + champion.overlap()
                    + "): change checks not applied";
        } else {
            maxRegression.forEach((metric, allowance) -> checks.add(change(metric, allowance, false, candidate, champion)));
            maxRelativeRegression.forEach((metric, allowance) -> checks.add(change(metric, allowance, true, candidate, champion)));
            summary = "compared with champion " + champion.version() + " on this run's test split";
        }
        boolean passed;
        if (checks.isEmpty()) {
            passed = allowNoChecks;
            summary = allowNoChecks
                    ? "no gate checks configured; promoting because gate.allow-no-checks=true"
                    : "no gate checks configured: refusing to promote (set gate.allow-no-checks=true to allow it)";
        } else {
            passed = checks.stream().allMatch(GateCheck::passed);
            long failed = checks.stream().filter(c -> !c.passed()).count();
            summary = summary + (passed ? "; all " + checks.size() + " checks passed"
                    : "; " + failed + " of " + checks.size() + " checks failed");
        }
        return new GateDecision(passed, champion == null ? null : champion.version(), summary, List.copyOf(checks));
    }

    private GateCheck bound(String kind, String metric, String op, double threshold, Double value, String bound,
                            boolean championComparable) {
        if (value == null && metric.startsWith("churn@") && !championComparable) {
            // churn is measured against the champion: without one (first run) nothing can churn
            return new GateCheck(kind, metric, direction(metric), op, threshold, null, null, null, true,
                    "no champion to compare with: no churn to bound");
        }
        boolean ok = finite(value) && (op.equals(">=") ? value >= threshold : value <= threshold);
        String detail = value == null ? "the candidate has no metric " + metric
                : String.format(Locale.ROOT, "%s %.4f is %s the %s %s", metric, value,
                ok ? "within" : op.equals(">=") ? "below" : "above", bound, fmt(threshold));
        return new GateCheck(kind, metric, direction(metric), op, threshold, value, null, null, ok, detail);
    }

    private GateCheck notComparable(String kind, String metric, Map<String, Double> candidate, Champion champion) {
        boolean higher = higherIsBetter(metric);
        return new GateCheck(kind, metric, direction(metric), higher ? ">=" : "<=", Double.NaN, candidate.get(metric),
                champion.metrics().get(metric), null, true, "not applied: champion " + champion.version()
                + " was trained on part of this test window (" + champion.overlap() + ")");
    }

    private GateCheck change(String metric, double allowance, boolean relative, Map<String, Double> candidate, Champion champion) {
        String kind = relative ? "max-relative-regression" : "max-regression";
        boolean higher = higherIsBetter(metric);
        Double value = candidate.get(metric);
        Double champ = champion.metrics().get(metric);
        if (!finite(champ)) {
            return new GateCheck(kind, metric, direction(metric), higher ? ">=" : "<=", Double.NaN, value, champ, null, false,
                    "champion " + champion.version() + " has no value for " + metric + " on this split");
        }
        double slack = relative ? allowance * Math.abs(champ) : allowance;
        double threshold = higher ? champ - slack : champ + slack;
        boolean ok = finite(value) && (higher ? value >= threshold : value <= threshold);
        String detail = String.format(Locale.ROOT, "champion %s has %.4f; %s regression allowed: %s%s", champion.version(),
                champ, relative ? "relative" : "absolute", fmt(allowance), allowance < 0 ? " (an improvement is required)" : "");
        if (bootstrapRegression && finite(value)) {
            Champion.Difference diff = champion.differences().get(metric);
            if (diff == null) {
                detail += "; no bootstrap interval for " + metric + ": decided by the threshold";
            } else {
                boolean worseBeyondNoise = higher ? diff.high() < 0 : diff.low() > 0;
                detail += String.format(Locale.ROOT, "; candidate - champion 95%% interval [%.4f, %.4f]%s", diff.low(), diff.high(),
                        !ok && !worseBeyondNoise ? ": within noise, not a regression" : "");
                if (!ok && !worseBeyondNoise) ok = true;
            }
        }
        return new GateCheck(kind, metric, direction(metric), higher ? ">=" : "<=", threshold, value, champ, null, ok,
                value == null ? "the candidate has no metric " + metric : detail);
    }

    private static boolean finite(Double d) {
        return d != null && Double.isFinite(d);
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%s", d);
    }
}
