package dev.feedrank.gating;

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
}
