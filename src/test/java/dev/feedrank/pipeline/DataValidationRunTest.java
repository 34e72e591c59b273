package dev.feedrank.pipeline;

import dev.feedrank.testing.FeedrankTestServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The validate-data stage through the REST API, on real PostgreSQL, S3 and DJL: a warning is recorded and the run
 * goes on; an error fails the run at validate-data with the stored report; a run whose row count moved far from the
 * last successful run's fails the change check.
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(DataValidationRunTest.FreshServices.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataValidationRunTest {

    /** Its own profile: a fresh database, so the first run here has no earlier run to compare with. */
    public static class FreshServices implements QuarkusTestProfile {
    }

    static long firstRun;
    static double firstRowCount;

    static Map<String, Object> check(JsonPath run, String name) {
        Map<String, Object> c = run.getMap("validation.checks.find { it.name == '" + name + "' }");
        assertNotNull(c, () -> "no check " + name + " in " + run.getString("validation"));
        return c;
    }

    /** Requests that read. */
    static io.restassured.specification.RequestSpecification viewer() {
        return dev.feedrank.testing.TestTokens.asViewer();
    }

    /** Requests that start runs. */
    static io.restassured.specification.RequestSpecification operator() {
        return dev.feedrank.testing.TestTokens.asOperator();
    }

    static String production() {
        return viewer().get("/api/aliases/production").then().extract().path("version");
    }

    @Test
    @Order(1)
    void aFailedWarningLevelCheckIsRecordedAndTheRunGoesOn() throws Exception {
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small("train.epochs", "2",
                "validation.min-items", "1000", "validation.severity.min-items", "warning"));
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals("PROMOTED", run.getString("outcome"));
        assertEquals(List.of("prepare-data", "validate-data", "train", "evaluate", "gate", "export", "publish"),
                run.getList("stages.name"));
        assertTrue(run.getBoolean("validation.passed"));
        assertEquals(0, run.getInt("validation.errors"));
        assertEquals(1, run.getInt("validation.warnings"));
        assertNull(run.get("validation.comparedWithRun"), "the first run on this dataset has nothing to compare with");
        Map<String, Object> items = check(run, "min-items");
        assertEquals("warning", items.get("severity"));
        assertEquals(false, items.get("passed"));
        assertEquals(">= 1000", items.get("expected"));
        assertTrue(((Number) items.get("observed")).doubleValue() <= 200, items.toString());
        assertEquals(true, check(run, "min-users").get("passed"));
        assertTrue(run.getString("stages[1].progress").contains("warnings: min-items: observed"), run.getString("stages[1].progress"));
        firstRun = run.getLong("runId");
        firstRowCount = ((Number) check(run, "row-count-change").get("observed")).doubleValue();
        assertEquals(60_000, firstRowCount, 0.0, "one interaction per synthetic impression");
    }

    @Test
    @Order(2)
    void anErrorLevelCheckFailsTheRunAtValidateDataWithItsReportAndProductionStays() throws Exception {
        String before = production();
        assertNotNull(before);
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small("validation.min-users", "100000"));
        assertEquals("FAILED", run.getString("status"));
        assertEquals(List.of("prepare-data", "validate-data"), run.getList("stages.name"), "nothing trains");
        assertEquals(List.of("SUCCEEDED", "FAILED"), run.getList("stages.status"));
        String error = run.getString("error");
        assertTrue(error.startsWith("validate-data: data validation failed: 1 of "), error);
        assertTrue(error.matches("(?s).*min-users: observed \\d+, expected >= 100000 \\(interactions\\.csv: distinct user ids.*"), error);
        assertEquals(run.getString("stages[1].error"), error.substring("validate-data: ".length()));
        assertFalse(run.getBoolean("validation.passed"));
        assertEquals(1, run.getInt("validation.errors"));
        assertEquals(firstRun, run.getLong("validation.comparedWithRun"));
        Map<String, Object> users = check(run, "min-users");
        assertEquals("error", users.get("severity"));
        assertEquals(false, users.get("passed"));
        assertEquals(">= 100000", users.get("expected"));
        assertNull(run.get("model"));
        assertNull(run.get("gate"));
        assertEquals(before, production(), "a run failed by data validation never moves production");
        viewer().get("/api/aliases/production").then().body("history.size()", org.hamcrest.Matchers.equalTo(1));
    }

    @Test
    @Order(3)
    void aRowCountFarFromTheLastSuccessfulRunFailsTheChangeCheck() throws Exception {
        String before = production();
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small("synthetic.impressions", "180000"));
        assertEquals("FAILED", run.getString("status"));
        assertEquals(List.of("prepare-data", "validate-data"), run.getList("stages.name"));
        Map<String, Object> rows = check(run, "row-count-change");
        assertEquals(false, rows.get("passed"));
        assertEquals("error", rows.get("severity"));
        assertEquals(180_000.0, ((Number) rows.get("observed")).doubleValue());
        assertEquals(firstRowCount, ((Number) rows.get("previous")).doubleValue(), "compared with the last SUCCEEDED run");
        assertEquals(firstRun, ((Number) rows.get("previousRunId")).longValue(), "not with the failed run in between");
        assertThat(rows.get("detail").toString(), containsString("+200.0% against run " + firstRun));
        String error = run.getString("error");
        assertTrue(error.contains("row-count-change: observed 180000, expected within ±50.0% of the previous count, previous 60000 (run "
                + firstRun + ")"), error);
        assertEquals(before, production());
        // the dataset profile of every run is kept with its metrics (what the next run compares with)
        List<Map<String, Object>> metrics = viewer().get("/api/runs/" + run.getLong("runId") + "/metrics").then()
                .statusCode(200).extract().jsonPath().getList("metrics.findAll { it.stage == 'validate-data' }");
        assertTrue(metrics.stream().anyMatch(m -> "interactions".equals(m.get("name"))
                && ((Number) m.get("value")).doubleValue() == 180_000.0), metrics.toString());
    }

    @Test
    @Order(4)
    void unknownChecksAndSeveritiesAreRefusedBeforeARunStarts() {
        operator().contentType(ContentType.JSON).body(Map.of("overrides", Map.of("validation.severity.min-userz", "warning")))
                .when().post("/api/runs").then().statusCode(400).body("message", containsString("min-userz"));
        operator().contentType(ContentType.JSON).body(Map.of("overrides", Map.of("validation.drift-severity", "fatal")))
                .when().post("/api/runs").then().statusCode(400).body("message", containsString("error, warning or off"));
    }

    private static void assertThat(String actual, org.hamcrest.Matcher<String> matcher) {
        org.hamcrest.MatcherAssert.assertThat(actual, matcher);
    }
}
