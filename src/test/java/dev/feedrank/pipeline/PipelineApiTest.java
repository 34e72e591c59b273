package dev.feedrank.pipeline;

import dev.feedrank.orchestration.ScheduledRetraining;
import dev.feedrank.registry.BundleLoader;
import dev.feedrank.storage.ObjectStorage;
import dev.feedrank.testing.FeedrankTestServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.feedrank.testing.TestTokens.asOperator;
import static dev.feedrank.testing.TestTokens.asViewer;
import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/** Whole runs through the REST API on real PostgreSQL, a real S3 server and real DJL training. */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(PipelineApiTest.FreshServices.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineApiTest {

    /** Its own profile, so this class starts on a fresh database and S3 store (no production model yet). */
    public static class FreshServices implements QuarkusTestProfile {
    }

    static final List<String> STAGES = List.of("prepare-data", "validate-data", "train", "evaluate", "gate", "export", "publish");

    @Inject
    ObjectStorage storage;

    @Inject
    ScheduledRetraining schedule;

    @Test
    @Order(1)
    void firstRunPromotesItsModelOnTheAbsoluteChecksAndTheBundleReloads() throws Exception {
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small());
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals("PROMOTED", run.getString("outcome"));
        assertEquals(STAGES, run.getList("stages.name"));
        assertEquals(List.of("SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"), run.getList("stages.status"));
        // no serving.redis.url in this profile: publish says so in one line and succeeds
        List<Map<String, Object>> stageViews = run.getList("stages");
        assertThat(String.valueOf(stageViews.get(6).get("progress")), startsWith("publish off: feedrank.serving.redis.url is not set"));
        assertTrue(run.getBoolean("validation.passed"), () -> "validation: " + run.getString("validation"));
        assertTrue(run.getDouble("metrics.auc") >= 0.70, "auc " + run.getDouble("metrics.auc"));
        assertTrue(run.getDouble("metrics['ndcg@10']") > run.getDouble("baseline['ndcg@10']"));
        for (String k : List.of("logloss", "accuracy", "precision", "recall", "ndcg@50", "recall@10", "hr@10", "precision@10", "mrr@10")) {
            assertNotNull(run.get("metrics['" + k + "']"), k);
        }
        assertTrue(run.getBoolean("gate.passed"));
        assertThat(run.getString("gate.summary"), containsString("no champion (no production model yet): decided by the value thresholds alone"));
        // the value bounds by metric name (ann.recall@10 >= 0.95, auc >= 0.70), then the baseline and servability
        assertEquals(List.of("min", "min", "beat-baseline", "servability"), run.getList("gate.checks.kind"));
        assertEquals(List.of("ann.recall@10", "auc"), run.getList("gate.checks.metric").subList(0, 2));
        String version = run.getString("model.version");
        assertTrue(run.getBoolean("model.promoted"));
        assertThat(run.getList("model.artifacts", String.class), hasItem("models/" + version + "/manifest.json"));
        assertEquals("synthetic", run.getString("dataset"));
        assertEquals("3", run.getString("config['train.epochs']"));
        // every baseline by name (popularity = baseline), 95% intervals per subject, ranked users, split strategy
        assertEquals(List.of("popularity", "puresvd", "ease"), List.copyOf(run.getMap("baselines").keySet()));
        assertEquals(run.getMap("baseline"), run.getMap("baselines.popularity"));
        assertNotNull(run.get("baselines.puresvd['ndcg@10']"));
        assertEquals(List.of(), run.getList("skippedBaselines"));
        // what the strong baselines fitted: the hyperparameter chosen on validation, over the whole (small) catalogue
        assertEquals(List.of("puresvd", "ease"), List.copyOf(run.getMap("baselineFits").keySet()));
        assertTrue(run.getDouble("baselineFits.ease.catalogue_items") > 0);
        assertEquals(run.getDouble("baselineFits.ease.catalogue_items"), run.getDouble("baselineFits.ease.fit_items"));
        assertEquals(run.getDouble("baselineFits.ease.catalogue_items"), run.getDouble("baselineFits.puresvd.fit_items"));
        assertTrue(run.getDouble("baselineFits.ease.lambda") > 0, () -> run.getString("baselineFits"));
        assertTrue(run.getDouble("baselineFits.puresvd.rank") >= 1, () -> run.getString("baselineFits"));
        assertNotNull(run.get("baselineFits.ease.fit_seconds"));
        List<Float> ci = run.getList("intervals.model['ndcg@10']");
        assertEquals(2, ci.size(), "interval of the candidate's ndcg@10: " + ci);
        assertTrue(ci.get(0) <= run.getFloat("metrics['ndcg@10']") && run.getFloat("metrics['ndcg@10']") <= ci.get(1), ci::toString);
        assertEquals(2, run.getList("intervals.ease['ndcg@10']").size());
        assertNull(run.get("intervals.model.auc"), "pointwise metrics have no interval");
        assertNull(run.get("intervals.champion"), "no champion on the first run");
        assertTrue(run.getInt("rankedUsers") > 0);
        assertEquals(run.getDouble("rankedUsers"), run.getDouble("metrics.ranked_users"));
        assertEquals("global-time", run.getString("splitStrategy"));
        assertRunCost(run, "");
        // the runs list carries the same stage and run cost
        JsonPath listed = asViewer().when().get("/api/runs?size=50").then().statusCode(200).extract().jsonPath();
        int index = listed.getList("items.runId", Long.class).indexOf(run.getLong("runId"));
        assertTrue(index >= 0);
        assertRunCost(listed, "items[" + index + "].");

        asViewer().when().get("/api/aliases/production").then().statusCode(200)
                .body("version", equalTo(version))
                .body("history", hasSize(1))
                .body("history[0].automatic", equalTo(true))
                .body("history[0].runId", equalTo((int) run.getLong("runId")));
        asViewer().when().get("/api/models/" + version).then().statusCode(200).body("status", equalTo("promoted"));
        asViewer().when().get("/api/runs/" + run.getLong("runId") + "/metrics").then().statusCode(200)
                .body("curve", hasSize(3))
                .body("curve[0].validationAuc", notNullValue())
                .body("curve[0].learningRate", equalTo(0.001f))
                .body("metrics.find { it.subject == 'model' && it.name == 'ndcg@10' }.ciLow", notNullValue())
                .body("metrics.find { it.subject == 'model' && it.name == 'ndcg@10' }.ciHigh", notNullValue())
                .body("metrics.find { it.subject == 'model' && it.name == 'auc' }.ciLow", nullValue());

        try (BundleLoader.LoadedBundle bundle = new BundleLoader().load("models/" + version + "/", storage)) {
            assertEquals(run.getLong("runId"), bundle.manifest().runId());
            assertTrue(bundle.maxAbsEmbeddingDifference() < 1e-5);
            assertEquals(200, bundle.items().rows());
        }
    }

    /**
     * Run cost (V8): every succeeded attempt has CPU time, peak RSS (on Linux) and peak heap; only train has samples/s;
     * the run's cost sums wall and CPU time, takes the largest RSS and train's samples/s. Values, never timings.
     */
    static void assertRunCost(JsonPath run, String prefix) {
        List<Map<String, Object>> stages = run.getList(prefix + "stages");
        boolean proc = java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/status"));
        long wall = 0;
        long cpu = 0;
        long rss = 0;
        for (Map<String, Object> s : stages) {
            String name = (String) s.get("name");
            assertEquals("SUCCEEDED", s.get("status"), name);
            assertNotNull(s.get("cpuMs"), name);
            assertTrue(((Number) s.get("cpuMs")).longValue() >= 0, name + ": " + s);
            if (proc) assertTrue(((Number) s.get("peakRssBytes")).longValue() > 0, name + ": " + s);
            assertTrue(((Number) s.get("peakHeapBytes")).longValue() > 0, name + ": " + s);
            if ("train".equals(name)) {
                assertTrue(((Number) s.get("samplesPerSecond")).doubleValue() > 0, "train: " + s);
            } else {
                assertNull(s.get("samplesPerSecond"), name + ": " + s);
            }
            wall += ((Number) s.get("durationMs")).longValue();
            cpu += ((Number) s.get("cpuMs")).longValue();
            if (s.get("peakRssBytes") != null) rss = Math.max(rss, ((Number) s.get("peakRssBytes")).longValue());
        }
        assertEquals(wall, run.getLong(prefix + "cost.wallMs"));
        assertEquals(cpu, run.getLong(prefix + "cost.cpuMs"));
        if (proc) assertEquals(rss, run.getLong(prefix + "cost.peakRssBytes"));
        Map<String, Object> train = stages.stream().filter(s -> "train".equals(s.get("name"))).findFirst().orElseThrow();
        // JsonPath reads a list's numbers as float and a path as double: compare to float precision
        double trainRate = ((Number) train.get("samplesPerSecond")).doubleValue();
        assertEquals(trainRate, run.getDouble(prefix + "cost.trainSamplesPerSecond"), 1e-6 * Math.max(1.0, trainRate));
    }

    @Test
    @Order(2)
    void aRunThatFailsItsGateIsKeptAsRejectedAndLeavesProductionWhereItWas() throws Exception {
        String before = asViewer().get("/api/aliases/production").then().statusCode(200).extract().path("version");
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small("gate.min.auc", "0.999", "train.seed", "43"));
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals("REJECTED", run.getString("outcome"));
        assertFalse(run.getBoolean("gate.passed"));
        assertThat(run.getString("gate.summary"), containsString("compared with champion " + before + " on this run's test split"));
        assertTrue(run.getList("gate.checks.kind").contains("max-regression"));
        assertEquals(2, run.getList("intervals.champion['ndcg@10']").size());
        assertNotNull(run.get("metrics['churn@10']"), "churn against the champion");
        String rejected = run.getString("model.version");
        asViewer().get("/api/models/" + rejected).then().statusCode(200).body("status", equalTo("rejected"));
        asViewer().get("/api/aliases/production").then().statusCode(200)
                .body("version", equalTo(before)).body("history", hasSize(1));
    }

    @Test
    @Order(3)
    void listsRunsNewestFirstAndFiltersByStatus() {
        asViewer().when().get("/api/runs?size=1").then().statusCode(200)
                .body("items", hasSize(1)).body("total", greaterThanOrEqualTo(2));
        List<Integer> ids = asViewer().when().get("/api/runs?status=SUCCEEDED").then().statusCode(200)
                .extract().path("items.runId");
        assertTrue(ids.size() >= 2);
        assertTrue(ids.get(0) > ids.get(1), "newest first: " + ids);
        asViewer().when().get("/api/runs?status=BOGUS").then().statusCode(400).body("message", containsString("unknown status"));
    }

    @Test
    @Order(4)
    void errorsAreJsonWithAMessage() {
        asViewer().when().get("/api/runs/987654").then().statusCode(404).contentType(ContentType.JSON)
                .body("message", containsString("987654"));
        asViewer().when().get("/api/models/nope").then().statusCode(404).body("message", notNullValue());
        asOperator().contentType(ContentType.JSON).body("{\"dataset\": ").when().post("/api/runs")
                .then().statusCode(400).body("message", notNullValue());
        asOperator().contentType(ContentType.JSON).body(Map.of("overrides", Map.of("train.epochz", "3")))
                .when().post("/api/runs").then().statusCode(400).body("message", containsString("train.epochz"));
    }

    @Test
    @Order(7)
    void aCsvDatasetUnderAnS3UriIsReadFromTheS3Server(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var settings = new dev.feedrank.data.PreparationSettings(0.8, 0.1, 4, "uniform", 42, 300, 150, 20_000);
        java.nio.file.Path folder = new dev.feedrank.data.SyntheticDatasetGenerator().generate(settings, dir.resolve("csv"));
        try (var files = java.nio.file.Files.list(folder)) {
            for (java.nio.file.Path f : files.toList()) storage.put("inputs/clicks/" + f.getFileName(), f);
        }
        JsonPath run = RunApi.runToEnd("csv:s3://" + storage.bucket() + "/inputs/clicks", RunApi.small("gate.min.auc", "0.5"));
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals("csv:s3://" + storage.bucket() + "/inputs/clicks", run.getString("dataset"));
        assertTrue(run.getDouble("metrics.auc") > 0.6, "auc " + run.getDouble("metrics.auc"));
    }

    @Test
    @Order(8)
    void refitCoversEveryEntity() throws Exception {
        // global-time with train.refit=auto: the exported model is trained on every interaction after selection
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small("train.refit", "auto", "train.loss", "in-batch-softmax", "train.cold-start-rate", "0", "synthetic.users", "120",
                "synthetic.items", "60", "synthetic.impressions", "6000", "train.epochs", "2", "negatives.per-positive", "4",
                "gate.min.auc", "off", "gate.beat-baseline", "false",
                // smaller than the earlier runs of this class on "synthetic": not a drift to stop on here
                "validation.drift-severity", "warning"));
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        String version = run.getString("model.version");
        Map<String, Object> servability = run.getList("gate.checks", Map.class).stream()
                .filter(c -> "servability".equals(c.get("kind"))).findFirst().orElseThrow();
        assertEquals(true, servability.get("passed"), () -> "servability: " + servability);
        try (BundleLoader.LoadedBundle bundle = new BundleLoader().load("models/" + version + "/", storage)) {
            Map<String, Object> refit = bundle.manifest().refit();
            assertEquals(true, refit.get("enabled"), () -> "manifest refit " + refit);
            // the refit model is the selected architecture (the default softmax: unit-length outputs)
            assertEquals("l2", bundle.manifest().dimensions().outputNorm());
            assertEquals("train+validation+test", refit.get("trainedOn"));
            int epochs = ((Number) refit.get("epochs")).intValue();
            assertTrue(epochs >= 1 && epochs <= 2, "refit epochs " + epochs);
            assertEquals(6000, ((Number) refit.get("interactions")).intValue(), "trained on every interaction of the input");
            assertThat(refit.get("metrics").toString(), containsString("before the refit"));
            // an embedding for every user and item of the input (the synthetic users and items files list them all)
            assertEquals(120, bundle.users().rows());
            assertEquals(120, bundle.userEmbeddings().rows());
            assertEquals(60, bundle.items().rows());
            assertEquals(60, bundle.itemEmbeddings().rows());
            assertEquals(Set.of(bundle.users().ids()).size(), bundle.users().rows(), "ids as in the input, once each");
            int clickedUsers = 0;
            for (int v : bundle.users().vocabIndex()) if (v > 0) clickedUsers++;
            assertEquals(bundle.manifest().dimensions().userVocabSize() - 1, clickedUsers, "every clicked user has its ID row");
            assertTrue(bundle.maxAbsEmbeddingDifference() < 1e-5);
            // the metrics (and the gate) are the selected model's, measured before the refit
            assertEquals(run.getDouble("metrics.auc"), bundle.manifest().metrics().get("auc"), 1e-6);
        }
    }

    @Test
    @Order(6)
    void triggersArrivingWhileARunIsGoingAreRecordedAsSkipped() throws Exception {
        long running = RunApi.start("synthetic", RunApi.small("train.epochs", "1"));
        Map<String, Object> conflict = asOperator().contentType(ContentType.JSON).body(Map.of("dataset", "synthetic"))
                .when().post("/api/runs").then().statusCode(409).extract().jsonPath().getMap("");
        assertEquals("SKIPPED", conflict.get("status"));
        schedule.fire();
        JsonPath skipped = asViewer().get("/api/runs?status=SKIPPED").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("schedule", "api"), skipped.getList("items.trigger"));
        assertEquals(((Number) conflict.get("runId")).longValue(), skipped.getLong("items[1].runId"));
        assertThat(skipped.getString("items[0].error"), containsString("another run is in progress"));
        assertEquals("SUCCEEDED", RunApi.await(running, java.time.Duration.ofMinutes(10)).getString("status"));
    }

    @Test
    @Order(5)
    void healthOpenApiAndPrometheusMetrics() {
        // without a token: these stay open
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("object-storage"));
        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/openapi?format=json").then().statusCode(200).body(containsString("/api/runs"));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("feedrank_runs_total"))
                .body(containsString("feedrank_stage_duration_seconds_count{stage=\"train\""))
                .body(containsString("feedrank_run_duration_seconds_count{status=\"SUCCEEDED\""));
    }
}
