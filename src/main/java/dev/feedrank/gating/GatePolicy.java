package dev.feedrank.gating;

import dev.feedrank.config.FeedrankConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The configured gate: minimum values, must beat the popularity baseline's NDCG@10, and no regression against the
 * model aliased {@code production} beyond a tolerance (absolute or relative). With no production model, the
 * other checks alone decide and the decision says so. A gate without any check never passes.
 */
public final class GatePolicy {

    public static final String BASELINE_METRIC = "ndcg@10";

    private final double minAuc;
    private final double minNdcg10;
    private final boolean beatBaseline;
    private final List<String> regressionMetrics;
    private final double tolerance;
    private final boolean relative;

    public GatePolicy(double minAuc, double minNdcg10, boolean beatBaseline, List<String> regressionMetrics,
                      double tolerance, String mode) {
        String m = mode.toLowerCase(Locale.ROOT);
        if (!m.equals("absolute") && !m.equals("relative")) {
            throw new IllegalArgumentException("gate.regression-mode must be absolute or relative, got '" + mode + "'");
        }
        this.minAuc = minAuc;
        this.minNdcg10 = minNdcg10;
        this.beatBaseline = beatBaseline;
        this.regressionMetrics = List.copyOf(regressionMetrics);
        this.tolerance = tolerance;
        this.relative = m.equals("relative");
    }

    public static GatePolicy from(FeedrankConfig.Gate g) {
        return new GatePolicy(g.minAuc(), g.minNdcgAt10(), g.beatBaseline(), g.regressionMetrics(),
                g.regressionTolerance(), g.regressionMode());
    }

    /**
     * @param candidate         the candidate's test metrics
     * @param baseline          the popularity baseline's metrics on the same split
     * @param productionVersion the version aliased production, or null if there is none
     * @param production        that version's metrics (ignored when productionVersion is null)
     */
    public GateDecision decide(Map<String, Double> candidate, Map<String, Double> baseline,
                               String productionVersion, Map<String, Double> production) {
        List<GateCheck> checks = new ArrayList<>();
        if (minAuc >= 0) checks.add(atLeast("minimum", "auc", minAuc, candidate.get("auc"), null, "fixed minimum"));
        if (minNdcg10 >= 0) checks.add(atLeast("minimum", "ndcg@10", minNdcg10, candidate.get("ndcg@10"), null, "fixed minimum"));
        if (beatBaseline) {
            Double base = baseline.get(BASELINE_METRIC);
            Double value = candidate.get(BASELINE_METRIC);
            boolean ok = base != null && value != null && value > base;
            checks.add(new GateCheck("beat-baseline", BASELINE_METRIC, ">", base == null ? Double.NaN : base, value, base, ok,
                    base == null ? "baseline metric missing" : "must be above the popularity baseline on the same split"));
        }
        String summary;
        if (productionVersion == null) {
            summary = "no production model yet: decided by the absolute checks alone";
        } else {
            for (String metric : regressionMetrics) {
                Double prod = production.get(metric);
                if (prod == null) {
                    checks.add(new GateCheck("no-regression", metric, ">=", Double.NaN, candidate.get(metric), null, false,
                            "production model " + productionVersion + " has no value for " + metric));
                    continue;
                }
                double threshold = relative ? prod * (1 - tolerance) : prod - tolerance;
                checks.add(atLeast("no-regression", metric, threshold, candidate.get(metric), prod,
                        String.format(Locale.ROOT, "production %s %.4f minus %s tolerance %s", productionVersion, prod,
                                relative ? "relative" : "absolute", tolerance)));
            }
            summary = "compared with production model " + productionVersion;
        }
        boolean passed = !checks.isEmpty() && checks.stream().allMatch(GateCheck::passed);
        if (checks.isEmpty()) summary = "no gate checks configured: refusing to promote";
        return new GateDecision(passed, productionVersion, summary + (passed ? "; all checks passed" : "; failed"), checks);
    }

    private static GateCheck atLeast(String kind, String metric, double threshold, Double value, Double reference, String detail) {
        boolean ok = value != null && !value.isNaN() && value >= threshold;
        return new GateCheck(kind, metric, ">=", threshold, value, reference, ok, value == null ? "metric missing" : detail);
    }
}
