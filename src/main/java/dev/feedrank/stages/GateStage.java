package dev.feedrank.stages;

import dev.feedrank.gating.GateDecision;
import dev.feedrank.gating.GatePolicy;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.persistence.GateDecisionRepository;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * gate: decides whether the candidate may become production, from the candidate's, the champion's (production
 * model on the same split) and the popularity baseline's test metrics. The decision and each check are stored; a
 * failed gate is not a failed run (the version is exported and kept as rejected).
 */
@ApplicationScoped
public class GateStage implements Stage {

    private final GateDecisionRepository decisions;

    public GateStage(GateDecisionRepository decisions) {
        this.decisions = decisions;
    }

    @Override
    public String name() {
        return "gate";
    }

    @Override
    public int order() {
        return 40;
    }

    @Override
    public void execute(StageContext ctx) {
        EvaluateStage.Evaluation eval = ctx.shared(EvaluateStage.Evaluation.class)
                .orElseThrow(() -> new IllegalStateException("no evaluation of this run to gate"));
        GateDecision decision = GatePolicy.from(ctx.config().gate()).decide(eval.model(), eval.baseline(), eval.champion());
        decisions.save(ctx.runId(), decision);
        ctx.share(GateDecision.class, decision);
        ctx.progress("gate " + (decision.passed() ? "passed" : "failed") + ": " + decision.summary());
    }
}
