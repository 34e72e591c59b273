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
 * multi-task models comparable on the same names. Ranking metrics come with 95% bootstrap intervals over the
 * ranked users ({@link Scored#intervals()}).
 */
public final class ModelEvaluation {

    public static final List<String> TASKS = List.of("click", "like", "share");
    /** Top items kept per ranked user (click task) for churn. */
    public static final int CHURN_K = 10;

    private final PreparedDataset data;
    private final Map<String, RankingEvaluation> rankings = new LinkedHashMap<>();
    private final int resamples;
    private final long seed;

    public ModelEvaluation(PreparedDataset data, List<Integer> ks) {
        this(data, ks, 1000, 42L);
    }

    /**
     * @param resamples bootstrap resamples for the intervals (0: none)
     * @param seed      seed of the bootstrap (the same for every model, so intervals are comparable)
     */
    public ModelEvaluation(PreparedDataset data, List<Integer> ks, int resamples, long seed) {
        this(data, ks, resamples, seed, Integer.MAX_VALUE, 0L);
    }

    /**
     * @param maxUsers   users ranked per task at most ({@code eval.max-users}): a sample seeded by {@code sampleSeed}
     *                   when more are eligible. Every model and baseline scored through this object is ranked on
     *                   the same users; the pointwise metrics still use the whole test split.
     * @param sampleSeed seed of that sample (the run's seed)
     */
    public ModelEvaluation(PreparedDataset data, List<Integer> ks, int resamples, long seed, int maxUsers, long sampleSeed) {
        this.data = data;
        this.resamples = resamples;
        this.seed = seed;
        for (String task : TASKS) {
            if (task.equals("click") || judgeable(data.test(), task)) {
                rankings.put(task, new RankingEvaluation(data, ks, task, maxUsers, sampleSeed));
            }
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

    /** Users eligible for the click task's ranking (a new test positive); more than {@link #users()} when sampled. */
    public int eligibleUsers() {
        return rankings.get("click").eligibleUsers();
    }

    /** The click task's test ranking. */
    public RankingEvaluation clickRanking() {
        return rankings.get("click");
    }

    /**
     * What evaluating one model (or baseline) gave: metrics by name, 95% intervals of the ranking metrics, the
     * per-task ranking accumulators (per-user values, in the ranking's user order, for paired comparisons) and the
     * click task's top {@link #CHURN_K} per ranked user.
     */
    public record Scored(Map<String, Double> metrics, Map<String, Interval> intervals,
                         Map<String, RankingMetrics.Accumulator> rankings, int[][] top) {

        /** Per-metric 95% intervals of (this - other) over the same users, for the ranking metrics both have. */
        public Map<String, Interval> differences(Scored other, int resamples, long seed) {
            Map<String, Interval> out = new LinkedHashMap<>();
            if (resamples <= 0) return out;
            rankings.forEach((task, acc) -> {
                RankingMetrics.Accumulator o = other.rankings.get(task);
                if (o == null || acc.users() == 0) return;
                for (String key : acc.keys()) {
                    double[][] paired = acc.pairedValues(o, key);
                    if (paired[0].length == 0) continue;
                    out.put(name(task, key), Bootstrap.pairedDifference(paired[0], paired[1], resamples, 0.95, seed));
                }
            });
            return out;
        }
    }

    public Map<String, Double> model(float[] userEmb, float[] itemEmb, EmbeddingScores scores) {
        return score(userEmb, itemEmb, scores).metrics();
    }

    /** Pointwise and ranking metrics of a model, per task, with intervals and the click top lists. */
    public Scored score(float[] userEmb, float[] itemEmb, EmbeddingScores scores) {
        Map<String, Double> out = new LinkedHashMap<>();
        Map<String, Interval> intervals = new LinkedHashMap<>();
        Map<String, RankingMetrics.Accumulator> accs = new LinkedHashMap<>();
        int[][] top = null;
        int d = scores.embeddingDim();
        for (Map.Entry<String, RankingEvaluation> e : rankings.entrySet()) {
            String task = e.getKey();
            EmbeddingScores.Task scorer = scores.task(task);
            float[] p = scorer.probabilities(userEmb, itemEmb, data.test());
            ClassificationMetrics.all(p, RankingEvaluation.labels(data.test(), task)).forEach((k, v) -> out.put(name(task, k), v));
            RankingEvaluation.Ranked ranked = e.getValue().rank(RankingEvaluation.embeddingScorer(userEmb, itemEmb, d, scorer),
                    task.equals("click") ? CHURN_K : 0);
            collect(task, ranked, out, intervals, accs);
            if (task.equals("click")) top = ranked.top();
        }
        return new Scored(out, intervals, accs, top);
    }

    /** Ranking metrics of a baseline scorer for every task (a baseline scores every task alike). */
    public Scored baseline(java.util.function.Function<String, UserScorer> scorerOfTask) {
        Map<String, Double> out = new LinkedHashMap<>();
        Map<String, Interval> intervals = new LinkedHashMap<>();
        Map<String, RankingMetrics.Accumulator> accs = new LinkedHashMap<>();
        int[][] top = null;
        for (Map.Entry<String, RankingEvaluation> e : rankings.entrySet()) {
            String task = e.getKey();
            RankingEvaluation.Ranked ranked = e.getValue().rank(scorerOfTask.apply(task), task.equals("click") ? CHURN_K : 0);
            collect(task, ranked, out, intervals, accs);
            if (task.equals("click")) top = ranked.top();
        }
        return new Scored(out, intervals, accs, top);
    }

    private void collect(String task, RankingEvaluation.Ranked ranked, Map<String, Double> out,
                         Map<String, Interval> intervals, Map<String, RankingMetrics.Accumulator> accs) {
        RankingMetrics.Accumulator acc = ranked.metrics();
        acc.means().forEach((k, v) -> out.put(name(task, k), v));
        if (resamples > 0 && acc.users() > 0) acc.intervals(resamples, seed).forEach((k, v) -> intervals.put(name(task, k), v));
        accs.put(task, acc);
    }

    /** The popularity baseline (each task's train positives) with intervals. */
    public Scored popularityScored() {
        return baseline(task -> rankings.get(task).popularityScorer());
    }

    public Map<String, Double> popularity() {
        return popularityScored().metrics();
    }
}
