package dev.feedrank.stages;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.evaluation.ModelEvaluation;
import dev.feedrank.gating.Champion;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.registry.BundleLoader;
import dev.feedrank.registry.ChampionInputs;
import dev.feedrank.registry.ModelRegistry;
import dev.feedrank.storage.ObjectStorage;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * evaluate: pointwise and full-corpus ranking metrics on the test window, per task (click unprefixed, then
 * {@code like.*} and {@code share.*}), for the candidate, the popularity
 * baseline and the champion (the model aliased {@code production}, loaded from its bundle in S3 and scored on this
 * very split; ids it never saw use its out-of-vocabulary rows).
 */
@ApplicationScoped
public class EvaluateStage implements Stage {

    private static final Logger LOG = Logger.getLogger(EvaluateStage.class);

    /** The test metrics of this run, handed to the gate and export stages; {@code champion} null when there is none. */
    public record Evaluation(Map<String, Double> model, Map<String, Double> baseline, Champion champion, int rankedUsers) {
    }

    private final DatasetHandoff datasets;
    private final ModelHandoff models;
    private final ModelRegistry registry;
    private final ObjectStorage storage;
    private final StageResults results;

    public EvaluateStage(DatasetHandoff datasets, ModelHandoff models, ModelRegistry registry, ObjectStorage storage,
                         StageResults results) {
        this.datasets = datasets;
        this.models = models;
        this.registry = registry;
        this.storage = storage;
        this.results = results;
    }

    static final String RESULT = "evaluation";

    @Override
    public String name() {
        return "evaluate";
    }

    @Override
    public int order() {
        return 30;
    }

    @Override
    public void execute(StageContext ctx) throws Exception {
        PreparedDataset data = datasets.dataset(ctx);
        TwoTowerModel model = models.model(ctx, data);
        ModelEvaluation ranking = new ModelEvaluation(data, ctx.config().eval().ks());
        Map<String, Double> metrics = evaluate(model, data.users(), data.items(), ranking);
        Map<String, Double> baseline = ranking.popularity();
        metrics.forEach((k, v) -> ctx.metric("model", k, v, "test", null));
        baseline.forEach((k, v) -> ctx.metric("baseline", k, v, "test", null));
        ctx.metric("dataset", "ranked_users", ranking.users(), "test", null);

        Champion champion = registry.resolve(ModelRegistry.PRODUCTION)
                .map(production -> evaluateChampion(ctx, production, data, ranking))
                .orElse(null);
        results.put(ctx, RESULT, Evaluation.class, new Evaluation(metrics, baseline, champion, ranking.users()));
        ctx.progress(String.format("test AUC %.4f, NDCG@10 %.4f (popularity %.4f%s) over %d users",
                metrics.get("auc"), metrics.getOrDefault("ndcg@10", Double.NaN), baseline.getOrDefault("ndcg@10", Double.NaN),
                champion == null ? "; no champion"
                        : champion.available() ? String.format("; champion %s %.4f", champion.version(), champion.metrics().getOrDefault("ndcg@10", Double.NaN))
                        : "; champion " + champion.version() + " not comparable", ranking.users()));
    }

    private static Map<String, Double> evaluate(TwoTowerModel model, dev.feedrank.data.FeatureTable users,
                                                dev.feedrank.data.FeatureTable items, ModelEvaluation ranking) {
        return ranking.model(model.embedUsers(users), model.embedItems(items), model.scores());
    }

    /** Scores the production model on this run's split; a bundle that cannot be loaded or cannot score the data is reported, not fatal. */
    private Champion evaluateChampion(StageContext ctx, ModelRegistry.AliasedVersion production, PreparedDataset data,
                                      ModelEvaluation ranking) {
        try (BundleLoader.LoadedBundle bundle = new BundleLoader().load(production.bundlePrefix(), storage)) {
            ChampionInputs.Remapped inputs = ChampionInputs.remap(bundle, data.users(), data.items());
            Map<String, Double> metrics = evaluate(bundle.model(), inputs.users(), inputs.items(), ranking);
            metrics.forEach((k, v) -> ctx.metric("champion", k, v, "test", null));
            ctx.metric("champion", "oov_users", inputs.oovUsers(), "test", null);
            ctx.metric("champion", "oov_items", inputs.oovItems(), "test", null);
            ctx.metric("champion", "new_users", inputs.newUsers(), "test", null);
            ctx.metric("champion", "new_items", inputs.newItems(), "test", null);
            LOG.infof("run %d: champion %s scored on this split; %d of %d users and %d of %d items use its OOV rows"
                            + " (%d users and %d items are new since it was trained)",
                    ctx.runId(), production.version(), inputs.oovUsers(), inputs.users().rows(), inputs.oovItems(),
                    inputs.items().rows(), inputs.newUsers(), inputs.newItems());
            return Champion.evaluated(production.version(), metrics);
        } catch (ChampionInputs.IncompatibleException e) {
            return Champion.unavailable(production.version(), e.getMessage());
        } catch (Exception e) {
            LOG.warnf(e, "run %d: champion %s could not be loaded from %s", ctx.runId(), production.version(), production.bundlePrefix());
            return Champion.unavailable(production.version(), "its bundle " + production.bundlePrefix()
                    + " could not be loaded: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
