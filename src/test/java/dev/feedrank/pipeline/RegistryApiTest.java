package dev.feedrank.pipeline;

import dev.feedrank.testing.FaultInjectingObjectStorage;
import dev.feedrank.testing.FeedrankTestServices;
import dev.feedrank.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Champion vs challenger on the same split, the servability check, and the audited registry (promote, rollback,
 * history, ?at=, archive, compare), all through the REST API against real PostgreSQL and S3.
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(RegistryApiTest.WithFaultInjectingStorage.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistryApiTest {

    /** A fresh database and S3 store, with storage that can damage one written file on request. */
    public static class WithFaultInjectingStorage implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(FaultInjectingObjectStorage.class);
        }
    }

    static String first;
    static long firstRun;
    static Instant whileFirstWasLive;
    static String worse;
    static long worseRun;

    /** Requests made by a named person with a token of their own: "viewer" may only read, anyone else is an operator. */
    static RequestSpecification as(String who) {
        return given().auth().oauth2("viewer".equals(who) ? TestTokens.token(who, "viewer") : TestTokens.token(who, "operator"));
    }

    @Test
    @Order(1)
    void theFirstRunIsPromotedOnItsValueThresholdsAlone() throws Exception {
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small());
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals("PROMOTED", run.getString("outcome"));
        assertNull(run.get("championVersion"));
        assertThat(run.getString("gate.summary"), startsWith("no champion (no production model yet): decided by the value thresholds alone"));
        assertEquals(List.of("min", "min", "beat-baseline", "servability"), run.getList("gate.checks.kind"));
        assertEquals(List.of(true, true, true, true), run.getList("gate.checks.passed"));
        first = run.getString("model.version");
        firstRun = run.getLong("runId");
        Thread.sleep(20);
        whileFirstWasLive = Instant.now();
        Thread.sleep(20);
    }

    @Test
    @Order(2)
    void aWorseChallengerIsRejectedByTheChangeThresholdAgainstTheChampionOnTheSameSplit() throws Exception {
        // same data as the champion, barely trained; value bounds and the baseline check are off, so only the
        // change thresholds against the champion can reject it
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small("train.epochs", "1", "train.learning-rate", "0.00001",
                "gate.min.auc", "off", "gate.min.\"ann.recall@10\"", "off", "gate.beat-baseline", "false"));
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals("REJECTED", run.getString("outcome"));
        assertEquals(first, run.getString("championVersion"));
        assertThat(run.getString("gate.summary"), containsString("compared with champion " + first + " on this run's test split"));
        List<Map<String, Object>> checks = run.getList("gate.checks");
        assertEquals(List.of("max-regression", "max-regression", "servability"), checks.stream().map(c -> c.get("kind")).toList());
        Map<String, Object> auc = checks.get(0);
        assertEquals("auc", auc.get("metric"));
        assertEquals("higher", auc.get("direction"));
        assertEquals(false, auc.get("passed"));
        // the champion was scored on this run's split: the same synthetic data, so it reproduces its own test AUC
        JsonPath champion = as("viewer").get("/api/runs/" + firstRun).then().statusCode(200).extract().jsonPath();
        double championAuc = ((Number) auc.get("champion")).doubleValue();
        assertEquals(champion.getDouble("metrics.auc"), championAuc, 1e-6);
        assertEquals(championAuc, run.getDouble("champion.auc"), 1e-6);
        assertEquals(championAuc - 0.01, ((Number) auc.get("threshold")).doubleValue(), 1e-6);
        assertTrue(((Number) auc.get("candidate")).doubleValue() < championAuc - 0.01, checks.toString());
        assertEquals(0.0, run.getDouble("champion.new_items"), "same data: no item is new to the champion");
        assertEquals(0.0, run.getDouble("champion.new_users"), "same data: no user is new to the champion");
        assertTrue(run.getDouble("champion.oov_users") > 0, "test users unseen in training use the OOV row");
        worse = run.getString("model.version");
        worseRun = run.getLong("runId");
        as("viewer").get("/api/models/" + worse).then().statusCode(200).body("status", equalTo("rejected"));
        as("viewer").get("/api/aliases/production").then().statusCode(200).body("version", equalTo(first));
    }

    @Test
    @Order(3)
    void aManualPromotionNeedsAReasonAndARejectedVersionNeedsForce() {
        // who may do it: no token 401, a viewer 403, and nothing moved
        given().contentType(ContentType.JSON).body(Map.of("reason", "r", "force", true))
                .post("/api/models/" + worse + "/promote").then().statusCode(401);
        as("viewer").contentType(ContentType.JSON).body(Map.of("reason", "r", "force", true))
                .post("/api/models/" + worse + "/promote").then().statusCode(403);
        as("viewer").contentType(ContentType.JSON).body(Map.of("reason", "r"))
                .post("/api/aliases/production/rollback").then().statusCode(403);
        as("viewer").contentType(ContentType.JSON).body(Map.of("reason", "r"))
                .post("/api/models/" + worse + "/archive").then().statusCode(403);
        as("viewer").get("/api/aliases/production").then().statusCode(200).body("version", equalTo(first)).body("history", hasSize(1));

        as("alice").contentType(ContentType.JSON).body(Map.of("alias", "production"))
                .post("/api/models/" + worse + "/promote").then().statusCode(400)
                .body("message", containsString("reason"));
        as("alice").contentType(ContentType.JSON).body(Map.of("alias", "production", "reason", "   "))
                .post("/api/models/" + worse + "/promote").then().statusCode(400);
        as("alice").contentType(ContentType.JSON).body(Map.of("alias", "production", "reason", "try it"))
                .post("/api/models/" + worse + "/promote").then().statusCode(409)
                .body("message", containsString("rejected"));
        as("alice").contentType(ContentType.JSON).body(Map.of("reason", "x")).post("/api/models/v999-nope/promote")
                .then().statusCode(404);
        as("alice").contentType(ContentType.JSON).body(Map.of("alias", "production", "reason", "A/B test winner", "force", true))
                .post("/api/models/" + worse + "/promote").then().statusCode(200)
                .body("from", equalTo(first)).body("to", equalTo(worse))
                .body("forced", equalTo(true)).body("automatic", equalTo(false)).body("action", equalTo("promote"));
        as("viewer").get("/api/aliases/production").then().statusCode(200).body("version", equalTo(worse));
        // a second alias works the same way
        as("alice").contentType(ContentType.JSON).body(Map.of("alias", "staging", "reason", "canary"))
                .post("/api/models/" + first + "/promote").then().statusCode(200).body("from", nullValue());
    }

    @Test
    @Order(4)
    void rollbackRestoresThePreviousVersionAndTheHistoryShowsWhoAndWhy() {
        as("bob").contentType(ContentType.JSON).body(Map.of()).post("/api/aliases/production/rollback").then().statusCode(400);
        as("bob").contentType(ContentType.JSON).body(Map.of("reason", "CTR dropped 3% after the forced promotion"))
                .post("/api/aliases/production/rollback").then().statusCode(200)
                .body("from", equalTo(worse)).body("to", equalTo(first)).body("action", equalTo("rollback"));
        as("viewer").get("/api/aliases/production").then().statusCode(200).body("version", equalTo(first));
        JsonPath history = as("viewer").get("/api/aliases/production/history").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("promote", "promote", "rollback"), history.getList("action"));
        assertEquals(List.of(true, false, false), history.getList("automatic"));
        assertEquals(List.of(false, true, false), history.getList("forced"));
        assertEquals(List.of(first, worse, first), history.getList("to"));
        assertEquals("feedrank-gate", history.getString("[0].actor"));
        assertEquals("A/B test winner", history.getString("[1].reason"));
        assertEquals("CTR dropped 3% after the forced promotion", history.getString("[2].reason"));
        assertEquals(expectedActor("alice"), history.getString("[1].actor"));
        assertEquals(expectedActor("bob"), history.getString("[2].actor"));
        as("viewer").get("/api/aliases/staging/rollback").then().statusCode(405);
        as("bob").contentType(ContentType.JSON).body(Map.of("reason", "r")).post("/api/aliases/staging/rollback")
                .then().statusCode(409).body("message", containsString("no earlier version"));
    }

    /** Who the history records for a request made {@link #as} someone: the token's subject. */
    static String expectedActor(String who) {
        return who;
    }

    @Test
    @Order(5)
    void atAPastInstantTheAliasResolvesToTheVersionLiveThen() {
        as("viewer").queryParam("at", whileFirstWasLive.toString()).get("/api/aliases/production").then().statusCode(200)
                .body("version", equalTo(first)).body("history", hasSize(1));
        as("viewer").queryParam("at", Instant.now().toString()).get("/api/aliases/production").then().statusCode(200)
                .body("version", equalTo(first)).body("history", hasSize(3));
        as("viewer").queryParam("at", "2000-01-01T00:00:00Z").get("/api/aliases/production").then().statusCode(404);
        as("viewer").queryParam("at", "yesterday").get("/api/aliases/production").then().statusCode(400)
                .body("message", containsString("ISO-8601"));
    }

    @Test
    @Order(6)
    void aVersionNoAliasPointsAtCanBeArchivedAndAnAliasedOneCannot() {
        as("carol").contentType(ContentType.JSON).body(Map.of("reason", "superseded")).post("/api/models/" + first + "/archive")
                .then().statusCode(409).body("message", containsString("production"));
        as("carol").contentType(ContentType.JSON).body(Map.of("reason", "superseded")).post("/api/models/" + worse + "/archive")
                .then().statusCode(200).body("status", equalTo("archived"))
                .body("statusReason", equalTo("superseded")).body("statusChangedBy", equalTo(expectedActor("carol")));
        as("viewer").queryParam("status", "archived").get("/api/models").then().statusCode(200)
                .body("version", equalTo(List.of(worse)));
    }

    @Test
    @Order(7)
    void twoRunsCompareSideBySideWithDifferences() {
        JsonPath cmp = as("viewer").queryParam("a", firstRun).queryParam("b", worseRun).get("/api/runs/compare")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(first, cmp.getString("modelVersionA"));
        assertEquals(worse, cmp.getString("modelVersionB"));
        List<Map<String, Object>> rows = cmp.getList("metrics");
        Map<String, Object> auc = rows.stream().filter(r -> "model".equals(r.get("subject")) && "auc".equals(r.get("name")))
                .findFirst().orElseThrow();
        double a = ((Number) auc.get("a")).doubleValue();
        double b = ((Number) auc.get("b")).doubleValue();
        assertEquals(b - a, ((Number) auc.get("difference")).doubleValue(), 1e-6);
        assertTrue(b < a);
        assertTrue(rows.stream().anyMatch(r -> "champion".equals(r.get("subject")) && r.get("a") == null && r.get("b") != null),
                "only the second run had a champion");
        List<String> changed = cmp.getList("configDifferences.key");
        assertTrue(changed.containsAll(List.of("train.epochs", "train.learning-rate", "gate.beat-baseline")), changed.toString());
        as("viewer").queryParam("a", firstRun).get("/api/runs/compare").then().statusCode(400);
        as("viewer").queryParam("a", firstRun).queryParam("b", 999999).get("/api/runs/compare").then().statusCode(404);
    }

    @Test
    @Order(8)
    void aCorruptedBundleFailsTheServabilityCheckAndIsNotPromoted() throws Exception {
        String before = as("viewer").get("/api/aliases/production").then().statusCode(200).extract().path("version");
        FaultInjectingObjectStorage.corruptNextWriteOf.set("item_tower.params");
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small("gate.max-regression.auc", "off", "gate.max-regression.\"ndcg@10\"", "off"));
        assertNull(FaultInjectingObjectStorage.corruptNextWriteOf.get(), "the item tower was written (and damaged)");
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals("REJECTED", run.getString("outcome"));
        List<Map<String, Object>> checks = run.getList("gate.checks");
        Map<String, Object> servability = checks.get(checks.size() - 1);
        assertEquals("servability", servability.get("kind"));
        assertEquals(false, servability.get("passed"));
        assertTrue(checks.subList(0, checks.size() - 1).stream().allMatch(c -> Boolean.TRUE.equals(c.get("passed"))),
                "every metric check passed; only servability failed: " + checks);
        assertThat(run.getString("gate.summary"), containsString("servability check failed"));
        as("viewer").get("/api/models/" + run.getString("model.version")).then().statusCode(200).body("status", equalTo("rejected"));
        as("viewer").get("/api/aliases/production").then().statusCode(200).body("version", equalTo(before));
    }
}
