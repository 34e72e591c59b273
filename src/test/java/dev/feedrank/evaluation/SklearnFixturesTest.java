package dev.feedrank.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Compares against reference values computed once with scikit-learn 1.2.1 / numpy by
 * {@code src/test/resources/fixtures/metrics/make_metric_fixtures.py} (classification.json, ranking.json).
 * Inputs are float32 values written as their shortest round-trip decimal; they are parsed as decimals and rounded
 * once to float, so Java sees exactly the values sklearn saw.
 */
class SklearnFixturesTest {

    private static final double TOL = 1e-9;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static JsonNode load(String name) throws IOException {
        try (InputStream in = SklearnFixturesTest.class.getResourceAsStream("/fixtures/metrics/" + name)) {
            assertNotNull(in, "missing fixture " + name);
            return JSON.readTree(in);
        }
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.parseFloat(array.get(i).decimalValue().toString());
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    private static double dbl(JsonNode node) {
        return Double.parseDouble(node.decimalValue().toString());
    }

    @TestFactory
    Stream<DynamicTest> classificationMatchesSklearn() throws IOException {
        JsonNode root = load("classification.json");
        assertEquals(ClassificationMetrics.LOGLOSS_EPS, dbl(root.get("eps")), 0.0);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                float[] probs = floats(c.get("probs"));
                float[] labels = floats(c.get("labels"));
                double threshold = dbl(c.get("threshold"));
                JsonNode exp = c.get("expected");
                assertEquals(c.get("n").asInt(), probs.length);
                assertEquals(dbl(exp.get("auc")), ClassificationMetrics.auc(probs, labels), TOL, "auc");
                assertEquals(dbl(exp.get("logloss")), ClassificationMetrics.logloss(probs, labels), TOL, "logloss");
                assertEquals(dbl(exp.get("accuracy")), ClassificationMetrics.accuracy(probs, labels, threshold), TOL,
                        "accuracy");
                assertEquals(dbl(exp.get("precision")), ClassificationMetrics.precision(probs, labels, threshold), TOL,
                        "precision");
                assertEquals(dbl(exp.get("recall")), ClassificationMetrics.recall(probs, labels, threshold), TOL,
                        "recall");
                Map<String, Double> all = ClassificationMetrics.all(probs, labels, threshold);
                for (String key : List.of("auc", "logloss", "accuracy", "precision", "recall")) {
                    assertEquals(dbl(exp.get(key)), all.get(key), TOL, "all()." + key);
                }
            }));
        }
        assertFalse(tests.isEmpty());
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> rankingMatchesSklearnNdcgAndNumpy() throws IOException {
        JsonNode root = load("ranking.json");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> {
                int[] ks = ints(c.get("ks"));
                int maxK = 0;
                for (int k : ks) maxK = Math.max(maxK, k);
                RankingMetrics.Accumulator acc = new RankingMetrics.Accumulator(ks);
                int u = 0;
                for (JsonNode user : c.get("users")) {
                    String who = "user " + u++;
                    float[] scores = floats(user.get("scores"));
                    assertEquals(c.get("n_items").asInt(), scores.length);
                    int[] relevant = ints(user.get("relevant"));
                    int[] ranked = TopK.topK(scores, maxK, null);
                    assertArrayEquals(ints(user.get("top")), ranked, who + ": TopK order vs numpy argsort");
                    for (int k : ks) {
                        JsonNode e = user.get("metrics").get(Integer.toString(k));
                        String at = who + " @" + k;
                        assertEquals(dbl(e.get("ndcg")), RankingMetrics.ndcg(ranked, relevant, k), TOL,
                                at + " ndcg (sklearn.metrics.ndcg_score)");
                        assertEquals(dbl(e.get("precision")), RankingMetrics.precision(ranked, relevant, k), TOL,
                                at + " precision");
                        assertEquals(dbl(e.get("recall")), RankingMetrics.recall(ranked, relevant, k), TOL,
                                at + " recall");
                        assertEquals(dbl(e.get("hr")), RankingMetrics.hitRate(ranked, relevant, k), TOL, at + " hr");
                        assertEquals(dbl(e.get("mrr")), RankingMetrics.mrr(ranked, relevant, k), TOL, at + " mrr");
                        // TopK with k itself gives the prefix of the maxK list
                        int[] prefix = TopK.topK(scores, k);
                        assertArrayEquals(java.util.Arrays.copyOf(ranked, Math.min(k, ranked.length)), prefix, at);
                    }
                    assertTrue(acc.add(ranked, relevant));
                }
                Map<String, Double> means = acc.means();
                JsonNode expMeans = c.get("means");
                assertEquals(expMeans.size(), means.size());
                expMeans.fieldNames().forEachRemaining(key -> {
                    assertNotNull(means.get(key), key);
                    assertEquals(dbl(expMeans.get(key)), means.get(key), TOL, "mean " + key);
                });
            }));
        }
        assertFalse(tests.isEmpty());
        return tests.stream();
    }
}
