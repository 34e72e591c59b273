package dev.feedrank.pipeline;

import dev.feedrank.registry.BundleFiles;
import dev.feedrank.storage.ObjectStorage;
import dev.feedrank.testing.FeedrankTestServices;
import dev.feedrank.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ANN index end to end: built and measured in evaluate (ann.* metrics, gated by gate.min."ann.recall@10"),
 * shipped in the bundle with its parameters, and answering {@code GET /api/models/{version}/recommendations}.
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(RecommendationsApiTest.FreshServices.class)
class RecommendationsApiTest {

    public static class FreshServices implements QuarkusTestProfile {
    }

    @Inject
    ObjectStorage storage;

    @Test
    @SuppressWarnings("unchecked")
    void theBundlesAnnIndexIsMeasuredGatedAndAnswersRecommendations() throws Exception {
        // tiny data (the index, not the model's quality, is under test): 60 items
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small("synthetic.users", "120", "synthetic.items", "60",
                "synthetic.impressions", "6000", "train.epochs", "1", "negatives.per-positive", "4", "eval.baselines", "none",
                "gate.min.auc", "off", "gate.beat-baseline", "false"));
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        String version = run.getString("model.version");
        // measured in evaluate, on the candidate, for the test users; latency is stored, never asserted
        double recall10 = run.getDouble("metrics['ann.recall@10']");
        assertTrue(recall10 >= 0.95 && recall10 <= 1.0, "ann.recall@10 " + recall10);
        assertNotNull(run.get("metrics['ann.recall@100']"));
        assertNotNull(run.get("metrics['ann.latency_p50_ms']"));
        assertNotNull(run.get("metrics['ann.latency_p99_ms']"));
        List<Map<String, Object>> checks = run.getList("gate.checks");
        Map<String, Object> gated = checks.stream().filter(c -> "ann.recall@10".equals(c.get("metric"))).findFirst().orElseThrow();
        assertEquals("min", gated.get("kind"));
        assertEquals(0.95, ((Number) gated.get("threshold")).doubleValue(), 1e-6);
        assertEquals(true, gated.get("passed"));

        // the bundle: the graph, its parameters, and its own recall on the exported embeddings
        String prefix = "models/" + version + "/";
        Map<String, Object> manifest = JsonPath.from(new String(storage.get(prefix + BundleFiles.MANIFEST), StandardCharsets.UTF_8)).getMap("");
        Map<String, Object> ann = (Map<String, Object>) manifest.get("ann");
        assertEquals("io.github.jbellis:jvector:4.0.0-rc.5", ann.get("library"));
        assertEquals(32, ((Map<String, Object>) ann.get("parameters")).get("m"));
        assertTrue(((Number) ((Map<String, Object>) ann.get("recall")).get("ann.recall@10")).doubleValue() >= 0.95, ann.toString());
        assertNotNull(((Map<String, Object>) ann.get("evaluateRecall")).get("ann.recall@10"), ann.toString());
        assertTrue(storage.exists(prefix + BundleFiles.ANN_INDEX));
        assertTrue(storage.exists(prefix + BundleFiles.TOWERS_SAFETENSORS));

        String csv = new String(storage.get(prefix + BundleFiles.USER_IDS), StandardCharsets.UTF_8);
        String user = csv.split("\n")[1].split(",")[1].trim();
        String path = "/api/models/" + version + "/recommendations";
        JsonPath viaAnn = TestTokens.asViewer().queryParam("user", user).queryParam("k", 10).get(path)
                .then().statusCode(200).extract().jsonPath();
        assertEquals("ann", viaAnn.getString("method"));
        assertEquals(user, viaAnn.getString("user"));
        List<Float> scores = viaAnn.getList("items.score", Float.class);
        assertEquals(10, scores.size());
        for (int i = 1; i < scores.size(); i++) assertTrue(scores.get(i) <= scores.get(i - 1), "best first: " + scores);
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), viaAnn.getList("items.rank", Integer.class));
        JsonPath exact = TestTokens.asViewer().queryParam("user", user).queryParam("k", 10).queryParam("exact", "true").get(path)
                .then().statusCode(200).extract().jsonPath();
        assertEquals("exact", exact.getString("method"));
        List<String> exactItems = exact.getList("items.item", String.class);
        long common = viaAnn.getList("items.item", String.class).stream().filter(exactItems::contains).count();
        assertTrue(common >= 9, "ANN and exact top 10 share " + common + ": " + viaAnn.getList("items.item") + " vs " + exactItems);
        assertTrue(exact.getFloat("items[0].score") >= scores.get(0) - 1e-6f);
        // k above the catalogue: every item, once
        TestTokens.asViewer().queryParam("user", user).queryParam("k", 1000).queryParam("exact", "true").get(path)
                .then().statusCode(200).body("items.size()", equalTo(60));

        // clear errors
        TestTokens.asViewer().queryParam("user", "nobody").get(path).then().statusCode(404)
                .body("message", containsString("user 'nobody' is not in model version " + version));
        TestTokens.asViewer().get(path).then().statusCode(400).body("message", containsString("user is required"));
        for (String k : List.of("0", "1001", "ten", "-3")) {
            TestTokens.asViewer().queryParam("user", user).queryParam("k", k).get(path).then().statusCode(400)
                    .body("message", containsString("k must be an integer from 1 to 1000, got '" + k + "'"));
        }
        TestTokens.asViewer().queryParam("user", user).queryParam("exact", "maybe").get(path).then().statusCode(400)
                .body("message", containsString("exact must be true or false"));
        TestTokens.asViewer().queryParam("user", user).get("/api/models/v-none/recommendations").then().statusCode(404)
                .body("message", containsString("no model version v-none"));
        given().queryParam("user", user).get(path).then().statusCode(401);
    }
}
