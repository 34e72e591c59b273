package dev.feedrank.stages;

import dev.feedrank.config.RunConfigFactory;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.gating.GateDecision;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.registry.BundleExporter;
import dev.feedrank.registry.BundleFiles;
import dev.feedrank.registry.ServabilityCheck;
import dev.feedrank.gating.GateCheck;
import dev.feedrank.persistence.GateDecisionRepository;
import dev.feedrank.registry.ModelRegistry;
import dev.feedrank.storage.ObjectStorage;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * export: writes the model bundle, runs the servability check (the bundle reloaded from S3 alone into fresh towers
 * must reproduce its embeddings and its probe scores), registers the version, and moves the {@code production}
 * alias only when the gate and the servability check passed. When the run refitted, the bundle holds the refit model
 * with the refit dataset's feature tables (every user and item of the input) and its manifest says so
 * ({@code refit}); the metrics and the gate's decision are those of the model selected before the refit.
 */
@ApplicationScoped
public class ExportStage implements Stage {

    /** The check appended when production moved between evaluate and export (the promotion's compare-and-set failed). */
    public static final String CHAMPION_UNCHANGED = "champion-unchanged";
    /** The outcome of a run whose gate passed but whose champion was replaced meanwhile: its version stays a candidate. */
    public static final String STALE_CHAMPION = "STALE_CHAMPION";

    static final String RESULT = "export-result";

    /** What export produced, for publish (also after a resume in another process). */
    public record Exported(String version, String bundlePrefix, boolean promoted, String outcome) {
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final ObjectStorage storage;
    private final ModelRegistry registry;
    private final DatasetHandoff datasets;
    private final ModelHandoff models;
    private final GateDecisionRepository decisions;
    private final StageResults results;
    private final String codeVersion;

    public ExportStage(ObjectStorage storage, ModelRegistry registry, DatasetHandoff datasets, ModelHandoff models,
                       GateDecisionRepository decisions, StageResults results,
                       @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String codeVersion) {
        this.storage = storage;
        this.registry = registry;
        this.datasets = datasets;
        this.models = models;
        this.decisions = decisions;
        this.results = results;
        this.codeVersion = codeVersion;
    }

    @Override
    public String name() {
        return "export";
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public void execute(StageContext ctx) throws Exception {
        PreparedDataset data = datasets.dataset(ctx);
        TwoTowerModel model = models.model(ctx, data);
        // a refit model (trained on every interaction) is shipped with the refit dataset's feature tables; the
        // metrics and the gate stay those of the model selected before the refit
        Map<String, Object> refit = new LinkedHashMap<>();
        refit.put("enabled", false);
        var all = datasets.refitDataset(ctx);
        var refitModel = all.isPresent() ? models.refitModel(ctx, all.get()) : java.util.Optional.<TwoTowerModel>empty();
        if (refitModel.isPresent()) {
            TrainStage.RefitInfo info = results.get(ctx, TrainStage.REFIT_RESULT, TrainStage.RefitInfo.class);
            refit.put("enabled", true);
            refit.put("epochs", info.epochs());
            refit.put("trainedOn", "train+validation+test");
            refit.put("interactions", info.interactions());
            refit.put("positives", info.positives());
            refit.put("examples", all.get().train().size());
            refit.put("users", all.get().users().rows());
            refit.put("items", all.get().items().rows());
            refit.put("learningRates", info.learningRates());
            // the newest interaction it trained on: a later run whose test window starts before this saw the
            // refit model trained on part of it (its champion comparison is then optimistic for the champion)
            Object until = all.get().stats() == null ? null : all.get().stats().get("timeTo");
            if (until != null) refit.put("trainedUntil", until);
            refit.put("dataContentHash", all.get().contentHash());
            refit.put("selectionDataContentHash", data.contentHash());
            refit.put("metrics", "measured on the test split by the model selected before the refit");
            data = all.get();
            model = refitModel.get();
        }
        EvaluateStage.Evaluation eval = results.get(ctx, EvaluateStage.RESULT, EvaluateStage.Evaluation.class);
        GateDecision gate = results.get(ctx, GateStage.RESULT, GateDecision.class);
        // fixed by the run's first export attempt: a retry or a resume writes and registers the same version
        String version = registry.exportVersion(ctx.runId(), "v" + ctx.runId() + "-" + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP));
        Map<String, Object> training = new LinkedHashMap<>(RunConfigFactory.masked(RunConfigFactory.describe(ctx.config())));
        Map<String, Object> gateJson = new LinkedHashMap<>();
        gateJson.put("passed", gate.passed());
        gateJson.put("summary", gate.summary());
        gateJson.put("checks", gate.checks());
        ctx.checkFence(); // a superseded execution of this run writes no bundle
        List<String> keys = new BundleExporter().export(new BundleExporter.Request(version, ctx.runId(), codeVersion,
                model, data, training, eval.model(), eval.baseline(), gateJson, refit, dev.feedrank.ann.AnnSettings.from(ctx.config().ann())),
                storage);
        for (String key : keys) ctx.artifact(key.substring(key.lastIndexOf('/') + 1), key);
        String prefix = BundleFiles.prefix(version);

        ServabilityCheck.Result servable = new ServabilityCheck().check(prefix, storage);
        ctx.metric("model", "servability_probe_max_abs_diff", finite(servable.maxScoreDiff()), "export", null);
        ctx.metric("model", "reload_max_abs_diff", finite(servable.maxEmbeddingDiff()), "export", null);
        gate = gate.with(new GateCheck("servability", "probe_max_abs_diff", "lower", "<=", ServabilityCheck.MAX_SCORE_DIFF,
                Double.isFinite(servable.maxScoreDiff()) ? servable.maxScoreDiff() : null, null, null, servable.passed(),
                servable.detail()));
        ctx.checkFence();
        registry.register(version, ctx.runId(), prefix, data.contentHash(), gate.passed());
        if (gate.passed()) {
            // compare-and-set: production moves only if it still points at the champion this run's evaluate loaded
            ModelRegistry.Promotion promotion = registry.promoteIfChampion(ModelRegistry.PRODUCTION, version, ctx.runId(),
                    gate.championVersion(), "feedrank-gate", "gate passed: " + gate.summary(), ctx::checkFence);
            if (!promotion.promoted()) {
                gate = gate.with(new GateCheck(CHAMPION_UNCHANGED, ModelRegistry.PRODUCTION, null, "==", Double.NaN, null, null,
                        null, false, "production points at " + describe(promotion.current()) + ", no longer at the champion "
                        + describe(gate.championVersion()) + " this run was evaluated against (moved by an operator between "
                        + "evaluate and export); " + version + " stays a candidate, production unchanged"));
            }
        }
        decisions.save(ctx.runId(), gate);
        String outcome = gate.passed() ? "PROMOTED"
                : gate.checks().stream().anyMatch(c -> CHAMPION_UNCHANGED.equals(c.kind())) ? STALE_CHAMPION : "REJECTED";
        // for publish, after the compare-and-set: a stale champion's version is not promoted
        results.put(ctx, RESULT, Exported.class, new Exported(version, prefix, gate.passed(), outcome));
        if (gate.passed()) {
            ctx.outcome("PROMOTED", version);
            ctx.progress("model " + version + " promoted to production");
        } else if (STALE_CHAMPION.equals(outcome)) {
            ctx.outcome(STALE_CHAMPION, version);
            ctx.progress("model " + version + " kept as candidate: " + gate.checks().get(gate.checks().size() - 1).detail());
        } else {
            ctx.outcome("REJECTED", version);
            ctx.progress("model " + version + " kept as rejected; production alias unchanged" + (servable.passed() ? ""
                    : " (servability check failed: " + servable.detail() + ")"));
        }
    }

    private static String describe(String version) {
        return version == null ? "no version" : version;
    }

    /** Metrics columns are not null: a value that could not be measured is stored as +infinity. */
    private static double finite(double d) {
        return Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
    }
}
