package dev.feedrank.gating;

import dev.feedrank.config.FeedrankConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class GatePolicyTest {

    static final Map<String, Double> CANDIDATE = Map.of("auc", 0.80, "ndcg@10", 0.20, "logloss", 0.45, "like.auc", 0.66);
    static final Map<String, Double> BASELINE = Map.of("ndcg@10", 0.15);
    static final Set<String> LOWER = Set.of("logloss");

    static GatePolicy policy(Map<String, Double> min, Map<String, Double> max, Map<String, Double> abs, Map<String, Double> rel,
                             String baselineMetric) {
        return new GatePolicy(min, max, abs, rel, baselineMetric, LOWER, false);
    }

    @Test
    void withoutAChampionTheValueThresholdsAloneDecideAndTheDecisionSaysSo() {
        GateDecision d = policy(Map.of("auc", 0.70), Map.of(), Map.of("auc", 0.01), Map.of(), "ndcg@10")
                .decide(CANDIDATE, BASELINE, null);
        assertTrue(d.passed());
        assertNull(d.championVersion());
        assertTrue(d.summary().startsWith("no champion (no production model yet): decided by the value thresholds alone"), d.summary());
        assertEquals(List.of("min", "beat-baseline"), d.checks().stream().map(GateCheck::kind).toList());
        GateCheck min = d.checks().get(0);
        assertEquals("auc", min.metric());
        assertEquals("higher", min.direction());
        assertEquals(">=", min.op());
        assertEquals(0.70, min.threshold());
        assertEquals(0.80, min.candidate());
        GateCheck base = d.checks().get(1);
        assertEquals(0.15, base.baseline());
        assertEquals(">", base.op());
    }

    @Test
    void lowerAndUpperValueBoundsFollowTheirOperator() {
        assertFalse(policy(Map.of("auc", 0.85), Map.of(), Map.of(), Map.of(), null).decide(CANDIDATE, BASELINE, null).passed());
        assertTrue(policy(Map.of(), Map.of("logloss", 0.50), Map.of(), Map.of(), null).decide(CANDIDATE, BASELINE, null).passed());
        GateDecision upper = policy(Map.of(), Map.of("logloss", 0.40), Map.of(), Map.of(), null).decide(CANDIDATE, BASELINE, null);
        assertFalse(upper.passed());
        assertEquals("<=", upper.checks().get(0).op());
        assertEquals("lower", upper.checks().get(0).direction());
    }

    @Test
    void equalToTheBaselineIsNotBeatingIt() {
        GateDecision d = policy(Map.of(), Map.of(), Map.of(), Map.of(), "ndcg@10").decide(CANDIDATE, Map.of("ndcg@10", 0.20), null);
        assertFalse(d.passed());
    }

    @Test
    void absoluteChangeAgainstTheChampionOnTheSameSplit() {
        Champion champion = Champion.evaluated("v1", Map.of("auc", 0.805, "ndcg@10", 0.25));
        // absolute 0.01: auc threshold 0.795 (pass), ndcg threshold 0.24 (fail)
        GateDecision d = policy(Map.of(), Map.of(), Map.of("auc", 0.01, "ndcg@10", 0.01), Map.of(), null)
                .decide(CANDIDATE, BASELINE, champion);
        assertFalse(d.passed());
        assertEquals("v1", d.championVersion());
        assertTrue(d.summary().contains("compared with champion v1 on this run's test split"), d.summary());
        assertTrue(d.summary().endsWith("1 of 2 checks failed"), d.summary());
        GateCheck auc = d.checks().get(0);
        assertEquals("max-regression", auc.kind());
        assertEquals(0.795, auc.threshold(), 1e-12);
        assertEquals(0.805, auc.champion());
        assertEquals(0.80, auc.candidate());
        assertTrue(auc.passed());
        GateCheck ndcg = d.checks().get(1);
        assertEquals(0.24, ndcg.threshold(), 1e-12);
        assertFalse(ndcg.passed());
    }

    @Test
    void relativeChangeAndLowerIsBetterDirection() {
        Champion champion = Champion.evaluated("v1", Map.of("ndcg@10", 0.25, "logloss", 0.40));
        // relative 0.25 on ndcg: 0.25 * 0.75 = 0.1875 (pass); logloss may rise by 10%: 0.44 (0.45 fails)
        GateDecision d = policy(Map.of(), Map.of(), Map.of(), Map.of("ndcg@10", 0.25, "logloss", 0.10), null)
                .decide(CANDIDATE, BASELINE, champion);
        GateCheck logloss = d.checks().get(0);
        assertEquals("logloss", logloss.metric());
        assertEquals("lower", logloss.direction());
        assertEquals("<=", logloss.op());
        assertEquals(0.44, logloss.threshold(), 1e-12);
        assertFalse(logloss.passed());
        GateCheck ndcg = d.checks().get(1);
        assertEquals(0.1875, ndcg.threshold(), 1e-12);
        assertTrue(ndcg.passed());
        assertFalse(d.passed());
    }

    @Test
    void aNegativeAllowanceDemandsAnImprovement() {
        Champion champion = Champion.evaluated("v1", Map.of("auc", 0.79));
        GateCheck c = policy(Map.of(), Map.of(), Map.of("auc", -0.02), Map.of(), null).decide(CANDIDATE, BASELINE, champion).checks().get(0);
        assertEquals(0.81, c.threshold(), 1e-12);
        assertFalse(c.passed());
        assertTrue(c.detail().contains("an improvement is required"), c.detail());
    }

    @Test
    void aTaskMetricIsCheckedByItsFullNameAndItsDirectionIgnoresTheTaskPrefix() {
        GatePolicy p = policy(Map.of("like.auc", 0.70), Map.of(), Map.of(), Map.of(), null);
        GateDecision d = p.decide(CANDIDATE, BASELINE, null);
        assertFalse(d.passed(), "like.auc 0.66 is below 0.70");
        assertEquals("like.auc", d.checks().get(0).metric());
        assertFalse(p.higherIsBetter("like.logloss"));
        assertTrue(p.higherIsBetter("like.auc"));
    }

    @Test
    void aChampionThatCouldNotBeEvaluatedFailsTheComparisonExplicitly() {
        GateDecision d = policy(Map.of("auc", 0.5), Map.of(), Map.of("auc", 0.01), Map.of(), null)
                .decide(CANDIDATE, BASELINE, Champion.unavailable("v1", "the item tower's features differ"));
        assertFalse(d.passed());
        GateCheck c = d.checks().get(1);
        assertEquals("champion-comparison", c.kind());
        assertTrue(c.detail().contains("the item tower's features differ"), c.detail());
    }

    @Test
    void aMissingMetricFailsItsCheckRatherThanPassing() {
        GateDecision d = policy(Map.of("recall@10", 0.01), Map.of(), Map.of(), Map.of(), null).decide(CANDIDATE, BASELINE, null);
        assertFalse(d.passed());
        assertTrue(d.checks().get(0).detail().contains("no metric recall@10"));
        Champion champion = Champion.evaluated("v1", Map.of("auc", 0.8));
        GateDecision c = policy(Map.of(), Map.of(), Map.of("ndcg@10", 0.01), Map.of(), null).decide(CANDIDATE, BASELINE, champion);
        assertFalse(c.passed());
        assertTrue(c.checks().get(0).detail().contains("champion v1 has no value for ndcg@10"));
    }

    @Test
    void aGateWithoutChecksRefusesUnlessExplicitlyAllowed() {
        GateDecision refused = policy(Map.of(), Map.of(), Map.of(), Map.of(), null).decide(CANDIDATE, BASELINE, null);
        assertFalse(refused.passed());
        assertTrue(refused.summary().contains("no gate checks configured: refusing to promote"), refused.summary());
        GateDecision allowed = new GatePolicy(Map.of(), Map.of(), Map.of(), Map.of(), null, LOWER, true).decide(CANDIDATE, BASELINE, null);
        assertTrue(allowed.passed());
        assertTrue(allowed.summary().contains("gate.allow-no-checks=true"));
    }

    @Test
    void thresholdValuesParseOrFailWithTheKeyAndOffRemovesAnEntry() {
        assertEquals(Map.of("auc", 0.7), GatePolicy.thresholds("gate.min", Map.of("auc", "0.7", "ndcg@10", "off")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GatePolicy.thresholds("gate.min", Map.of("auc", "high")));
        assertEquals("gate.min.auc: expected a finite number or 'off', got 'high'", e.getMessage());
    }

    @Test
    void anAppendedFailedCheckFailsTheDecision() {
        GateDecision d = policy(Map.of("auc", 0.7), Map.of(), Map.of(), Map.of(), null).decide(CANDIDATE, BASELINE, null);
        assertTrue(d.passed());
        GateDecision after = d.with(new GateCheck("servability", "probe_max_abs_diff", "lower", "<=", 1e-4, 3.0, null, null, false, "mismatch"));
        assertFalse(after.passed());
        assertEquals(2, after.checks().size());
        assertTrue(after.summary().endsWith("; but the servability check failed: mismatch"), after.summary());
        GateDecision passing = d.with(new GateCheck("servability", "probe_max_abs_diff", "lower", "<=", 1e-4, 0.0, null, null, true, "ok"));
        assertTrue(passing.passed());
        assertTrue(passing.summary().endsWith("all 2 checks passed"), passing.summary());
    }

    // ---- gate.beat-baseline: which baselines must be beaten ----

    /** A {@link FeedrankConfig.Gate} as configuration would give it. */
    record Gate(Map<String, String> min, Map<String, String> max, Map<String, String> maxRegression,
                Map<String, String> maxRelativeRegression, String beatBaseline, String regressionTest,
                String baselineMetric, List<String> lowerIsBetter, boolean allowNoChecks) implements FeedrankConfig.Gate {
    }

    static Gate gate(String beatBaseline, String regressionTest) {
        return new Gate(Map.of(), Map.of(), Map.of("ndcg@10", "0.01"), Map.of(), beatBaseline, regressionTest, "ndcg@10",
                List.of("logloss", "churn@10"), false);
    }

    static final Map<String, Map<String, Double>> BASELINES = Map.of(
            "popularity", Map.of("ndcg@10", 0.15),
            "puresvd", Map.of("ndcg@10", 0.18),
            "ease", Map.of("ndcg@10", 0.21));

    static GatePolicy beating(List<String> beat, boolean bootstrap) {
        return new GatePolicy(Map.of(), Map.of(), Map.of(), Map.of(), "ndcg@10", beat, LOWER, false, bootstrap);
    }

    @Test
    void beatBaselineParsesTrueFalseOffAndAList() {
        assertEquals(List.of("popularity"), GatePolicy.beatBaselines("true"));
        assertEquals(List.of("popularity"), GatePolicy.beatBaselines(" TRUE "));
        assertEquals(List.of(), GatePolicy.beatBaselines("false"));
        assertEquals(List.of(), GatePolicy.beatBaselines("off"));
        assertEquals(List.of(), GatePolicy.beatBaselines(""));
        assertEquals(List.of("popularity", "puresvd", "ease"), GatePolicy.beatBaselines("popularity,puresvd,ease"));
        assertEquals(List.of("ease", "puresvd"), GatePolicy.beatBaselines(" ease , puresvd,ease"), "order kept, duplicates dropped");
    }

    @Test
    void anUnknownBaselineNameIsRefusedNamingTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatePolicy.beatBaselines("popularity,svd"));
        assertTrue(e.getMessage().startsWith("gate.beat-baseline must be"), e.getMessage());
        assertTrue(e.getMessage().contains("'popularity,svd'"), e.getMessage());
        IllegalArgumentException viaConfig = assertThrows(IllegalArgumentException.class,
                () -> GatePolicy.from(gate("bm25", "threshold")));
        assertTrue(viaConfig.getMessage().contains("gate.beat-baseline"), viaConfig.getMessage());
    }

    @Test
    void regressionTestMustBeThresholdOrBootstrap() {
        GatePolicy.from(gate("true", "threshold"));
        GatePolicy.from(gate("true", " Bootstrap "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatePolicy.from(gate("true", "paired")));
        assertEquals("gate.regression-test must be 'threshold' or 'bootstrap', got 'paired'", e.getMessage());
    }

    @Test
    void eachListedBaselineGetsItsOwnCheckAgainstItsOwnValue() {
        // candidate ndcg@10 0.20 beats popularity (0.15) and puresvd (0.18) but not ease (0.21)
        GateDecision d = GatePolicy.from(gate("popularity,puresvd,ease", "threshold")).decideAgainst(CANDIDATE, BASELINES, null);
        List<GateCheck> beat = d.checks().stream().filter(c -> c.kind().startsWith("beat-baseline")).toList();
        assertEquals(List.of("beat-baseline", "beat-baseline:puresvd", "beat-baseline:ease"), beat.stream().map(GateCheck::kind).toList());
        assertEquals(List.of(0.15, 0.18, 0.21), beat.stream().map(GateCheck::baseline).toList());
        assertEquals(List.of(true, true, false), beat.stream().map(GateCheck::passed).toList());
        assertTrue(beat.stream().allMatch(c -> c.metric().equals("ndcg@10") && c.op().equals(">") && c.candidate() == 0.20));
        assertTrue(beat.get(2).detail().contains("the ease baseline"), beat.get(2).detail());
        assertFalse(d.passed());
    }

    @Test
    void trueMeansPopularityOnlyAndFalseOrNoMetricMeansNoBaselineCheck() {
        GateDecision popularity = GatePolicy.from(gate("true", "threshold")).decideAgainst(CANDIDATE, BASELINES, null);
        assertEquals(List.of("beat-baseline"), popularity.checks().stream().map(GateCheck::kind).toList());
        assertTrue(popularity.passed());
        GateDecision none = GatePolicy.from(gate("false", "threshold")).decideAgainst(CANDIDATE, BASELINES, null);
        assertTrue(none.checks().stream().noneMatch(c -> c.kind().startsWith("beat-baseline")), none.checks().toString());
        GateDecision noMetric = new GatePolicy(Map.of("auc", 0.5), Map.of(), Map.of(), Map.of(), "off", List.of("ease"), LOWER, false, false)
                .decideAgainst(CANDIDATE, BASELINES, null);
        assertEquals(List.of("min"), noMetric.checks().stream().map(GateCheck::kind).toList());
    }

    @Test
    void aBaselineThatMustBeBeatenButIsMissingFailsWithTheReason() {
        // e.g. EASE^R skipped for a large catalogue: evaluate hands the gate no "ease" entry
        GateDecision d = beating(List.of("popularity", "ease"), false)
                .decideAgainst(CANDIDATE, Map.of("popularity", Map.of("ndcg@10", 0.15)), null);
        assertFalse(d.passed());
        GateCheck ease = d.checks().get(1);
        assertEquals("beat-baseline:ease", ease.kind());
        assertFalse(ease.passed());
        assertNull(ease.baseline());
        assertTrue(Double.isNaN(ease.threshold()));
        assertEquals("the ease baseline has no ndcg@10 on this split", ease.detail());
        assertTrue(d.checks().get(0).passed());
    }

    // ---- gate.regression-test=bootstrap ----

    static GatePolicy regression(Map<String, Double> abs, Map<String, Double> rel, boolean bootstrap) {
        return new GatePolicy(Map.of(), Map.of(), abs, rel, null, List.of(), LOWER, false, bootstrap);
    }

    @Test
    void bootstrapABelowAllowanceDropWithinNoisePasses() {
        // threshold 0.25 - 0.01 = 0.24; the candidate's 0.20 is below it, but candidate - champion spans 0
        Champion champion = Champion.evaluated("v1", Map.of("ndcg@10", 0.25), Map.of("ndcg@10", new Champion.Difference(-0.08, 0.01)));
        GateCheck c = regression(Map.of("ndcg@10", 0.01), Map.of(), true).decideAgainst(CANDIDATE, Map.of(), champion).checks().get(0);
        assertEquals("max-regression", c.kind());
        assertEquals(0.24, c.threshold(), 1e-12);
        assertTrue(c.passed(), c.detail());
        assertTrue(c.detail().contains("within noise"), c.detail());
        assertTrue(c.detail().contains("[-0.0800, 0.0100]"), c.detail());
        // the same check under the threshold test fails: the interval is what lets it pass
        GateCheck threshold = regression(Map.of("ndcg@10", 0.01), Map.of(), false).decideAgainst(CANDIDATE, Map.of(), champion).checks().get(0);
        assertFalse(threshold.passed());
        assertFalse(threshold.detail().contains("interval"), threshold.detail());
    }

    @Test
    void bootstrapADropBeyondNoiseFails() {
        Champion champion = Champion.evaluated("v1", Map.of("ndcg@10", 0.25), Map.of("ndcg@10", new Champion.Difference(-0.08, -0.02)));
        GateDecision d = regression(Map.of("ndcg@10", 0.01), Map.of(), true).decideAgainst(CANDIDATE, Map.of(), champion);
        GateCheck c = d.checks().get(0);
        assertFalse(c.passed(), c.detail());
        assertFalse(c.detail().contains("within noise"), c.detail());
        assertFalse(d.passed());
        // relative allowance likewise: 0.25 * (1 - 0.1) = 0.225 > 0.20
        GateCheck rel = regression(Map.of(), Map.of("ndcg@10", 0.1), true).decideAgainst(CANDIDATE, Map.of(), champion).checks().get(0);
        assertEquals("max-relative-regression", rel.kind());
        assertFalse(rel.passed());
        Champion noisy = Champion.evaluated("v1", Map.of("ndcg@10", 0.25), Map.of("ndcg@10", new Champion.Difference(-0.08, 0.0)));
        assertTrue(regression(Map.of(), Map.of("ndcg@10", 0.1), true).decideAgainst(CANDIDATE, Map.of(), noisy).checks().get(0).passed(),
                "an interval reaching 0 is not beyond noise");
    }

    @Test
    void bootstrapAMetricWithoutIntervalFallsBackToTheThreshold() {
        // auc has no per-user interval: 0.80 against threshold 0.85 - 0.01 fails; ndcg@10 within noise passes
        Champion champion = Champion.evaluated("v1", Map.of("auc", 0.85, "ndcg@10", 0.25),
                Map.of("ndcg@10", new Champion.Difference(-0.08, 0.01)));
        GateDecision d = regression(Map.of("auc", 0.01, "ndcg@10", 0.01), Map.of(), true).decideAgainst(CANDIDATE, Map.of(), champion);
        GateCheck auc = d.checks().get(0);
        assertEquals("auc", auc.metric());
        assertFalse(auc.passed());
        assertTrue(auc.detail().contains("no bootstrap interval for auc: decided by the threshold"), auc.detail());
        assertTrue(d.checks().get(1).passed());
        assertFalse(d.passed());
        // and a metric without interval within its allowance still passes
        Champion close = Champion.evaluated("v1", Map.of("auc", 0.805), Map.of());
        assertTrue(regression(Map.of("auc", 0.01), Map.of(), true).decideAgainst(CANDIDATE, Map.of(), close).passed());
    }

    @Test
    void bootstrapFollowsALowerIsBetterMetricsDirection() {
        // logloss: champion 0.40, allowance 0.01 -> threshold 0.41; the candidate's 0.45 is above it
        Champion noisy = Champion.evaluated("v1", Map.of("logloss", 0.40), Map.of("logloss", new Champion.Difference(-0.01, 0.11)));
        GateCheck pass = regression(Map.of("logloss", 0.01), Map.of(), true).decideAgainst(CANDIDATE, Map.of(), noisy).checks().get(0);
        assertEquals("<=", pass.op());
        assertTrue(pass.passed(), pass.detail());
        Champion worse = Champion.evaluated("v1", Map.of("logloss", 0.40), Map.of("logloss", new Champion.Difference(0.02, 0.08)));
        assertFalse(regression(Map.of("logloss", 0.01), Map.of(), true).decideAgainst(CANDIDATE, Map.of(), worse).checks().get(0).passed());
    }

    // ---- churn@10: lower is better ----

    @Test
    void churnIsLowerIsBetterAndBoundedByMax() {
        Set<String> lower = Set.of("logloss", "churn@10");
        Map<String, Double> stable = Map.of("ndcg@10", 0.20, "churn@10", 0.30);
        Map<String, Double> churny = Map.of("ndcg@10", 0.20, "churn@10", 0.60);
        GatePolicy p = new GatePolicy(Map.of(), Map.of("churn@10", 0.5), Map.of(), Map.of(), null, List.of(), lower, false, false);
        assertFalse(p.higherIsBetter("churn@10"));
        GateCheck ok = p.decideAgainst(stable, Map.of(), null).checks().get(0);
        assertEquals("max", ok.kind());
        assertEquals("churn@10", ok.metric());
        assertEquals("lower", ok.direction());
        assertEquals("<=", ok.op());
        assertEquals(0.5, ok.threshold());
        assertTrue(ok.passed());
        GateCheck tooMuch = p.decideAgainst(churny, Map.of(), null).checks().get(0);
        assertFalse(tooMuch.passed());
        assertTrue(tooMuch.detail().contains("above the upper bound"), tooMuch.detail());
        // no champion (first run), hence nothing to churn against: the bound passes and says why
        GateDecision first = p.decideAgainst(Map.of("ndcg@10", 0.20), Map.of(), null);
        assertTrue(first.passed());
        assertTrue(first.checks().get(0).detail().contains("no champion"), first.checks().get(0).detail());
        // with a comparable champion a missing churn still fails
        GateDecision missing = p.decideAgainst(Map.of("ndcg@10", 0.20), Map.of(), Champion.evaluated("v1", Map.of("ndcg@10", 0.2)));
        assertFalse(missing.passed());
        assertTrue(missing.checks().get(0).detail().contains("no metric churn@10"), missing.checks().get(0).detail());
        // configured through gate.max.churn@10 with the default lower-is-better list
        Gate g = new Gate(Map.of(), Map.of("churn@10", "0.5"), Map.of(), Map.of(), "false", "threshold", "ndcg@10",
                List.of("logloss", "churn@10"), false);
        GateCheck configured = GatePolicy.from(g).decideAgainst(churny, Map.of(), null).checks().get(0);
        assertEquals("lower", configured.direction());
        assertFalse(configured.passed());
    }
}
