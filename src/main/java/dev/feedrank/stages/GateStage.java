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

    static final String RESULT = "gate-decision";

    private final GateDecisionRepository decisions;
    private final StageResults results;

    public GateStage(GateDecisionRepository decisions, StageResults results) {
        this.decisions = decisions;
        this.results = results;
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
    public void execute(StageContext ctx) throws Exception {
        EvaluateStage.Evaluation eval = results.get(ctx, EvaluateStage.RESULT, EvaluateStage.Evaluation.class);
        GateDecision decision = GatePolicy.from(ctx.config().gate()).decideAgainst(eval.model(), eval.baselines(), eval.champion());
        decisions.save(ctx.runId(), decision);
        results.put(ctx, RESULT, GateDecision.class, decision);
        ctx.progress("gate " + (decision.passed() ? "passed" : "failed") + ": " + decision.summary());
    }
}
