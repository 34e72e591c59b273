package dev.feedrank.evaluation;

import dev.feedrank.data.Examples;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.EmbeddingScores;

import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Full-corpus ranking on the test window: for each test user, score every item, drop the user's train items,
 * and compare the top K with the items the user clicked in the test window. The same protocol ranks by train
 * popularity for the baseline.
 */
public final class RankingEvaluation {

    private final int[] ks;
    private final Map<Integer, BitSet> relevant = new HashMap<>();
    private final Map<Integer, BitSet> trainItems = new HashMap<>();
    private final float[] popularity;

    public RankingEvaluation(PreparedDataset data, List<Integer> ks) {
        this(data, ks, "click");
    }

    /**
     * Ranking for one task: relevance (and the popularity baseline's counts) from that task's labels, e.g. the items
     * a user liked in the test window for {@code like}. Train items excluded from ranking are the user's clicked ones.
     */
    public RankingEvaluation(PreparedDataset data, List<Integer> ks, String task) {
        this.ks = ks.stream().mapToInt(Integer::intValue).toArray();
        int items = data.items().rows();
        this.popularity = new float[items];
        Examples train = data.train();
        float[] trainLabels = labels(train, task);
        for (int i = 0; i < train.size(); i++) {
            if (isPositive(train, i)) trainItems.computeIfAbsent(train.user()[i], u -> new BitSet(items)).set(train.item()[i]);
            if (trainLabels[i] > 0.5f && !train.sampled()[i]) popularity[train.item()[i]]++;
        }
        Examples test = data.test();
        float[] testLabels = labels(test, task);
        for (int i = 0; i < test.size(); i++) {
            if (testLabels[i] > 0.5f && !test.sampled()[i]) {
                BitSet seen = trainItems.get(test.user()[i]);
                if (seen == null || !seen.get(test.item()[i])) {
                    relevant.computeIfAbsent(test.user()[i], u -> new BitSet(items)).set(test.item()[i]);
                }
            }
        }
    }

    /** The labels of {@code task} ({@code click}, {@code like} or {@code share}). */
    public static float[] labels(Examples e, String task) {
        return switch (task) {
            case "click" -> e.click();
            case "like" -> e.like();
            case "share" -> e.share();
            default -> throw new IllegalArgumentException("unknown task " + task + " (click, like or share)");
        };
    }

    private static boolean isPositive(Examples e, int i) {
        return e.click()[i] > 0.5f && !e.sampled()[i];
    }

    public int users() {
        return relevant.size();
    }

    /** Ranking metrics of a model given its user and item embeddings (row-major, width d), ranked by dot product. */
    public Map<String, Double> model(float[] userEmb, float[] itemEmb, int d) {
        return model(userEmb, itemEmb, d, EmbeddingScores.dotProduct(d).task("click"));
    }

    /** Ranking metrics of a model given its user and item embeddings (row-major, width d) and how it scores this task. */
    public Map<String, Double> model(float[] userEmb, float[] itemEmb, int d, EmbeddingScores.Task scorer) {
        RankingMetrics.Accumulator acc = new RankingMetrics.Accumulator(ks);
        int items = popularity.length;
        float[] scores = new float[items];
        BitSet none = new BitSet();
        for (Map.Entry<Integer, BitSet> e : relevant.entrySet()) {
            int u = e.getKey();
            int uo = u * d;
            for (int i = 0; i < items; i++) scores[i] = scorer.logit(userEmb, uo, itemEmb, i * d);
            acc.add(TopK.topK(scores, acc.maxK(), trainItems.getOrDefault(u, none)), e.getValue());
        }
        return acc.means();
    }

    /** The popularity baseline: items ranked by their number of train-window positives. */
    public Map<String, Double> popularity() {
        RankingMetrics.Accumulator acc = new RankingMetrics.Accumulator(ks);
        BitSet none = new BitSet();
        for (Map.Entry<Integer, BitSet> e : relevant.entrySet()) {
            acc.add(TopK.topK(popularity, acc.maxK(), trainItems.getOrDefault(e.getKey(), none)), e.getValue());
        }
        return acc.means();
    }

    /** Pointwise metrics (AUC, logloss, accuracy, precision, recall at 0.5) on the test examples. */
    public static Map<String, Double> pointwise(float[] probabilities, Examples test) {
        return new LinkedHashMap<>(ClassificationMetrics.all(probabilities, test.click()));
    }
}
