package dev.feedrank.stages;

import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.evaluation.ModelEvaluation;
import dev.feedrank.evaluation.StrongBaselines;
import dev.feedrank.model.EmbeddingScores;
import dev.feedrank.training.TinyDatasets;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code eval.max-users}: evaluate ranks a seeded sample of the eligible test users, the same sample for the
 * candidate and every baseline, and reports both counts. Fixed random embeddings stand in for a trained model (the
 * sampling, not the model, is under test), so no training runs here.
 */
class EvaluateSampleTest {

    private static final int D = 8;

    @Test
    void ranksASeededSampleOfTheEligibleUsersTheSameForEveryModel() {
        PreparedDataset data = TinyDatasets.agreement(150, 80, 4_000, 9);
        ModelEvaluation all = EvaluateStage.testRanking(data, config(100_000, 5L));
        int eligible = all.users();
        assertEquals(eligible, all.eligibleUsers(), "under the cap every eligible user is ranked");
        assertTrue(eligible > 40, "the tiny dataset has more eligible test users than the cap below: " + eligible);

        Map<String, Double> first = evaluate(data, config(20, 5L));
        Map<String, Double> again = evaluate(data, config(20, 5L));
        assertEquals(20.0, first.get("ranked_users"));
        assertEquals((double) eligible, first.get("eligible_users"));
        assertEquals(first, again, "the same seed ranks the same users and gives the same metrics");

        // other seeds draw other users (and, on this data, other metrics)
        Set<String> samples = new HashSet<>();
        Set<Double> ndcgs = new HashSet<>();
        for (long seed = 1; seed <= 4; seed++) {
            ModelEvaluation sampled = EvaluateStage.testRanking(data, config(20, seed));
            assertEquals(20, sampled.users());
            int[] rows = sampled.clickRanking().userRows();
            Set<Integer> allRows = new HashSet<>();
            for (int r : all.clickRanking().userRows()) allRows.add(r);
            for (int r : rows) assertTrue(allRows.contains(r), "a sampled user is an eligible user");
            samples.add(Arrays.toString(rows));
            ndcgs.add(evaluate(data, config(20, seed)).get("ndcg@10"));
        }
        assertTrue(samples.size() > 1, "different seeds, different samples: " + samples);
        assertTrue(ndcgs.size() > 1, "different seeds, different metrics: " + ndcgs);
    }

    @Test
    void candidateAndBaselinesAreRankedOnTheSameSampledUsers() {
        PreparedDataset data = TinyDatasets.agreement(150, 80, 4_000, 9);
        FeedrankConfig config = config(20, 3L);
        ModelEvaluation ranking = EvaluateStage.testRanking(data, config);
        ModelEvaluation.Scored candidate = ranking.score(embeddings(data.users().rows(), 1), embeddings(data.items().rows(), 2),
                EmbeddingScores.dotProduct(D));
        ModelEvaluation.Scored popularity = ranking.popularityScored();
        StrongBaselines.Result svd = StrongBaselines.compute(data, ranking, new StrongBaselines.Settings(List.of("puresvd"),
                List.of(4, 8), List.of(100.0), 20_000, 50, 3L)).get(0);
        assertNull(svd.skipped());
        assertEquals(20, candidate.top().length, "churn's top lists: one per sampled user");
        for (ModelEvaluation.Scored other : List.of(popularity, svd.scored())) {
            assertEquals(20, other.rankings().get("click").users());
            assertEquals(20, other.top().length);
            // paired per-user values exist for every sampled user: both rankings cover the same users
            assertEquals(20, candidate.rankings().get("click").pairedValues(other.rankings().get("click"), "ndcg@10")[0].length);
        }
    }

    @Test
    void easeOnALargerCatalogueThanItsCapIsFittedOnTheMostPopularItemsAndRanksOnlyThem() {
        PreparedDataset data = TinyDatasets.agreement(150, 80, 4_000, 9);
        ModelEvaluation ranking = EvaluateStage.testRanking(data, config(100_000, 3L));
        StrongBaselines.Result full = ease(data, ranking, 20_000);
        StrongBaselines.Result head = ease(data, ranking, 30);
        assertNull(full.skipped());
        assertNull(head.skipped());
        assertEquals(80, full.items());
        assertFalse(full.chosen().contains("most popular"), full.chosen());
        assertEquals(30, head.items());
        assertEquals(80.0, head.fit().get("catalogue_items"));
        assertTrue(List.of(10.0, 100.0).contains(head.fit().get("lambda")), "the chosen lambda is recorded: " + head.fit());
        assertTrue(head.chosen().matches("lambda=\\d+ on the 30 most popular of 80 items \\(eval.ease-max-items\\)"), head.chosen());
        Set<Integer> popular = new HashSet<>();
        for (int i : StrongBaselines.trainMatrix(data).mostFrequentColumns(30)) popular.add(i);
        int listed = 0;
        for (int[] top : head.scored().top()) {
            for (int i : top) {
                assertTrue(popular.contains(i), "item " + i + " is not one of the 30 most popular");
                listed++;
            }
        }
        assertTrue(listed > 0);
        assertTrue(head.scored().metrics().get("ndcg@10") > 0, "the head fit ranks test positives: " + head.scored().metrics());
    }

    @Test
    void baselinesSayWhatTheyAreFitting() {
        PreparedDataset data = TinyDatasets.agreement(150, 80, 4_000, 9);
        ModelEvaluation ranking = EvaluateStage.testRanking(data, config(100_000, 3L));
        List<String> lines = new java.util.ArrayList<>();
        StrongBaselines.compute(data, ranking, new StrongBaselines.Settings(List.of("puresvd", "ease"), List.of(4, 8),
                List.of(10.0, 100.0), 30, 50, 3L), lines::add);
        assertEquals(5, lines.size(), lines::toString);
        assertTrue(lines.get(0).startsWith("baseline puresvd: fitting rank 8 over "), lines.get(0));
        assertTrue(lines.get(1).matches("baseline puresvd: rank [48] chosen; ranking the test users"), lines.get(1));
        assertEquals("baseline ease: lambda 10 (1 of 2) on the 30 most popular of 80 items", lines.get(2));
        assertEquals("baseline ease: lambda 100 (2 of 2) on the 30 most popular of 80 items", lines.get(3));
        assertTrue(lines.get(4).matches("baseline ease: lambda (10|100) chosen; ranking the test users"), lines.get(4));
    }

    private static StrongBaselines.Result ease(PreparedDataset data, ModelEvaluation ranking, int maxItems) {
        return StrongBaselines.compute(data, ranking, new StrongBaselines.Settings(List.of("ease"), List.of(4),
                List.of(10.0, 100.0), maxItems, 50, 3L)).get(0);
    }

    /** What evaluate records as the candidate's metrics, with a fixed random model. */
    private static Map<String, Double> evaluate(PreparedDataset data, FeedrankConfig config) {
        ModelEvaluation ranking = EvaluateStage.testRanking(data, config);
        Map<String, Double> out = new LinkedHashMap<>(ranking.score(embeddings(data.users().rows(), 1),
                embeddings(data.items().rows(), 2), EmbeddingScores.dotProduct(D)).metrics());
        ranking.popularityScored().metrics().forEach((k, v) -> out.put("popularity." + k, v));
        out.put("ranked_users", (double) ranking.users());
        out.put("eligible_users", (double) ranking.eligibleUsers());
        return out;
    }

    private static float[] embeddings(int rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] e = new float[rows * D];
        for (int k = 0; k < e.length; k++) e[k] = (float) (r.nextDouble() * 2 - 1);
        return e;
    }

    private static FeedrankConfig config(int maxUsers, long seed) {
        FeedrankConfig.Eval eval = TrainStageResumeTest.proxy(FeedrankConfig.Eval.class, Map.of("ks", List.of(10, 50),
                "bootstrapResamples", 200, "maxUsers", maxUsers));
        FeedrankConfig.Train train = TrainStageResumeTest.proxy(FeedrankConfig.Train.class, Map.of("seed", seed));
        return (FeedrankConfig) Proxy.newProxyInstance(FeedrankConfig.class.getClassLoader(), new Class<?>[] {FeedrankConfig.class},
                (p, m, a) -> switch (m.getName()) {
                    case "eval" -> eval;
                    case "train" -> train;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
