package dev.feedrank.persistence;

import dev.feedrank.gating.GateCheck;
import dev.feedrank.gating.GateDecision;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

/** Stores a run's gate decision: the verdict on the run row, one row per check (replacing earlier rows). */
@ApplicationScoped
public class GateDecisionRepository {

    public void save(long runId, GateDecision decision) {
        QuarkusTransaction.requiringNew().run(() -> {
            GateCheckEntity.delete("runId", runId);
            for (GateCheck c : decision.checks()) {
                GateCheckEntity e = new GateCheckEntity();
                e.runId = runId;
                e.kind = c.kind();
                e.metric = c.metric();
                e.direction = c.direction();
                e.op = c.op();
                e.threshold = Double.isNaN(c.threshold()) ? null : c.threshold();
                e.candidateValue = finiteOrNull(c.candidate());
                e.championValue = finiteOrNull(c.champion());
                e.baselineValue = finiteOrNull(c.baseline());
                e.passed = c.passed();
                e.detail = c.detail();
                e.persist();
            }
            PipelineRunEntity.update("gatePassed = ?1, gateSummary = ?2, championVersion = ?3 where id = ?4",
                    decision.passed(), decision.summary(), decision.championVersion(), runId);
        });
    }

    private static Double finiteOrNull(Double d) {
        return d == null || !Double.isFinite(d) ? null : d;
    }
}
