package dev.feedrank.evaluation;

import dev.feedrank.data.Examples;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.EmbeddingScores;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test metrics of a model for every task the test split can judge: {@code click} (metric names without prefix:
 * {@code auc}, {@code ndcg@10}, ...) and {@code like} / {@code share} (prefixed: {@code like.auc},
 * {@code share.ndcg@10}, ...) when the test split has both classes of that task. Each task is scored by the
 * model's head for it; a single-task model's click score stands in for every task, which makes single- and
 * multi-task models comparable on the same names.
 */
public final class ModelEvaluation {

    public static final List<String> TASKS = List.of("click", "like", "share");

    private final PreparedDataset data;
    private final Map<String, RankingEvaluation> rankings = new LinkedHashMap<>();

    public ModelEvaluation(PreparedDataset data, List<Integer> ks) {
        this.data = data;
        for (String task : TASKS) {
            if (task.equals("click") || judgeable(data.test(), task)) rankings.put(task, new RankingEvaluation(data, ks, task));
        }
    }

    /** Both classes occur in the test split's labels of this task. */
    static boolean judgeable(Examples test, String task) {
        boolean pos = false;
        boolean neg = false;
        for (float v : RankingEvaluation.labels(test, task)) {
            if (v > 0.5f) pos = true;
            else neg = true;
        }
        return pos && neg;
    }

    public static String name(String task, String metric) {
        return task.equals("click") ? metric : task + "." + metric;
    }

    /** Tasks evaluated on this split. */
    public List<String> tasks() {
        return List.copyOf(rankings.keySet());
    }

    /** Users ranked for the click task. */
    public int users() {
        return rankings.get("click").users();
    }

    public Map<String, Double> model(float[] userEmb, float[] itemEmb, EmbeddingScores scores) {
        Map<String, Double> out = new LinkedHashMap<>();
        int d = scores.embeddingDim();
        for (Map.Entry<String, RankingEvaluation> e : rankings.entrySet()) {
            String task = e.getKey();
            EmbeddingScores.Task scorer = scores.task(task);
            float[] p = scorer.probabilities(userEmb, itemEmb, data.test());
            ClassificationMetrics.all(p, RankingEvaluation.labels(data.test(), task)).forEach((k, v) -> out.put(name(task, k), v));
            e.getValue().model(userEmb, itemEmb, d, scorer).forEach((k, v) -> out.put(name(task, k), v));
        }
        return out;
    }

    public Map<String, Double> popularity() {
        Map<String, Double> out = new LinkedHashMap<>();
        rankings.forEach((task, r) -> r.popularity().forEach((k, v) -> out.put(name(task, k), v)));
        return out;
    }
}
