package dev.feedrank.stages;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.evaluation.RankingEvaluation;
import dev.feedrank.model.EmbeddingScores;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.Map;

/** evaluate: pointwise and full-corpus ranking metrics on the test window, for the model and the popularity baseline. */
@ApplicationScoped
public class EvaluateStage implements Stage {

    /** The test metrics of this run, handed to the gate and export stages. */
    public record Evaluation(Map<String, Double> model, Map<String, Double> baseline, int rankedUsers) {
    }

    private final DatasetHandoff datasets;
    private final ModelHandoff models;

    public EvaluateStage(DatasetHandoff datasets, ModelHandoff models) {
        this.datasets = datasets;
        this.models = models;
    }

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
        int d = model.spec().embeddingDim();
        float[] users = model.embedUsers(data.users());
        float[] items = model.embedItems(data.items());
        Map<String, Double> metrics = new LinkedHashMap<>(
                RankingEvaluation.pointwise(EmbeddingScores.probabilities(users, items, d, data.test()), data.test()));
        RankingEvaluation ranking = new RankingEvaluation(data, ctx.config().eval().ks());
        metrics.putAll(ranking.model(users, items, d));
        Map<String, Double> baseline = ranking.popularity();
        metrics.forEach((k, v) -> ctx.metric("model", k, v, "test", null));
        baseline.forEach((k, v) -> ctx.metric("baseline", k, v, "test", null));
        ctx.metric("dataset", "ranked_users", ranking.users(), "test", null);
        ctx.share(Evaluation.class, new Evaluation(metrics, baseline, ranking.users()));
        ctx.progress(String.format("test AUC %.4f, NDCG@10 %.4f (popularity %.4f) over %d users",
                metrics.get("auc"), metrics.getOrDefault("ndcg@10", Double.NaN), baseline.getOrDefault("ndcg@10", Double.NaN), ranking.users()));
    }
}
