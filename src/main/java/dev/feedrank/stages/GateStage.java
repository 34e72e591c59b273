package dev.feedrank.stages;

import dev.feedrank.gating.GateCheck;
import dev.feedrank.gating.GateDecision;
import dev.feedrank.gating.GatePolicy;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.persistence.GateCheckEntity;
import dev.feedrank.persistence.PipelineRunEntity;
import dev.feedrank.registry.ModelRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;

/**
 * gate: decides whether the candidate may become production. The decision and each check are stored; a failed
 * gate is not a failed run (the version is exported and kept as rejected).
 */
@ApplicationScoped
public class GateStage implements Stage {

    private final ModelRegistry registry;

    public GateStage(ModelRegistry registry) {
        this.registry = registry;
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
        var production = registry.resolve(ModelRegistry.PRODUCTION);
        GateDecision decision = GatePolicy.from(ctx.config().gate()).decide(eval.model(), eval.baseline(),
                production.map(ModelRegistry.AliasedVersion::version).orElse(null),
                production.map(ModelRegistry.AliasedVersion::metrics).orElse(Map.of()));
        QuarkusTransaction.requiringNew().run(() -> {
            for (GateCheck c : decision.checks()) {
                GateCheckEntity e = new GateCheckEntity();
                e.runId = ctx.runId();
                e.kind = c.kind();
                e.metric = c.metric();
                e.op = c.op();
                e.threshold = Double.isNaN(c.threshold()) ? null : c.threshold();
                e.value = c.value();
                e.reference = c.reference();
                e.passed = c.passed();
                e.detail = c.detail();
                e.persist();
            }
            PipelineRunEntity.update("gatePassed = ?1, gateSummary = ?2 where id = ?3", decision.passed(), decision.summary(), ctx.runId());
        });
        ctx.share(GateDecision.class, decision);
        ctx.progress("gate " + (decision.passed() ? "passed" : "failed") + ": " + decision.summary());
    }
}
