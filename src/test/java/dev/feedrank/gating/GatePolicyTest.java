package dev.feedrank.gating;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class GatePolicyTest {

    static final Map<String, Double> CANDIDATE = Map.of("auc", 0.80, "ndcg@10", 0.20);
    static final Map<String, Double> BASELINE = Map.of("ndcg@10", 0.15);

    @Test
    void withoutProductionTheAbsoluteChecksAloneDecideAndTheDecisionSaysSo() {
        GateDecision d = new GatePolicy(0.70, -1, true, List.of("auc"), 0.01, "absolute").decide(CANDIDATE, BASELINE, null, Map.of());
        assertTrue(d.passed());
        assertTrue(d.summary().startsWith("no production model yet: decided by the absolute checks alone"), d.summary());
        assertEquals(List.of("minimum", "beat-baseline"), d.checks().stream().map(GateCheck::kind).toList());
        GateCheck min = d.checks().get(0);
        assertEquals("auc", min.metric());
        assertEquals(">=", min.op());
        assertEquals(0.70, min.threshold());
        assertEquals(0.80, min.value());
    }

    @Test
    void failsBelowTheMinimumOrWhenNotBeatingTheBaseline() {
        assertFalse(new GatePolicy(0.85, -1, false, List.of(), 0, "absolute").decide(CANDIDATE, BASELINE, null, Map.of()).passed());
        GateDecision d = new GatePolicy(-1, -1, true, List.of(), 0, "absolute").decide(CANDIDATE, Map.of("ndcg@10", 0.20), null, Map.of());
        assertFalse(d.passed(), "equal to the baseline is not beating it");
    }

    @Test
    void absoluteAndRelativeToleranceAgainstProduction() {
        Map<String, Double> prod = Map.of("auc", 0.805, "ndcg@10", 0.25);
        // absolute 0.01: auc threshold 0.795 (pass), ndcg threshold 0.24 (fail)
        GateDecision abs = new GatePolicy(-1, -1, false, List.of("auc", "ndcg@10"), 0.01, "absolute").decide(CANDIDATE, BASELINE, "v1", prod);
        assertFalse(abs.passed());
        assertEquals(0.795, abs.checks().get(0).threshold(), 1e-12);
        assertTrue(abs.checks().get(0).passed());
        assertEquals(0.805, abs.checks().get(0).reference());
        assertFalse(abs.checks().get(1).passed());
        assertTrue(abs.summary().contains("compared with production model v1"));
        // relative 0.25: ndcg threshold 0.25 * 0.75 = 0.1875 (pass)
        GateDecision rel = new GatePolicy(-1, -1, false, List.of("auc", "ndcg@10"), 0.25, "relative").decide(CANDIDATE, BASELINE, "v1", prod);
        assertTrue(rel.passed());
        assertEquals(0.1875, rel.checks().get(1).threshold(), 1e-12);
    }

    @Test
    void aGateWithoutChecksRefusesAndAnUnknownModeIsRejected() {
        GateDecision d = new GatePolicy(-1, -1, false, List.of(), 0, "absolute").decide(CANDIDATE, BASELINE, null, Map.of());
        assertFalse(d.passed());
        assertTrue(d.summary().contains("no gate checks configured"));
        assertThrows(IllegalArgumentException.class, () -> new GatePolicy(0.7, -1, true, List.of(), 0, "percent"));
    }

    @Test
    void aMissingMetricFailsItsCheck() {
        GateDecision d = new GatePolicy(-1, -1, false, List.of("mrr@10"), 0.01, "absolute")
                .decide(CANDIDATE, BASELINE, "v1", Map.of("auc", 0.8));
        assertFalse(d.passed());
        assertTrue(d.checks().get(0).detail().contains("no value for mrr@10"));
    }
}
