package dev.feedrank.pipeline;

import dev.feedrank.orchestration.RunLauncher;
import dev.feedrank.orchestration.ScheduledRetraining;
import dev.feedrank.orchestration.Trigger;
import dev.feedrank.testing.FaultInjectingObjectStorage;
import dev.feedrank.testing.FeedrankTestServices;
import dev.feedrank.testing.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.feedrank.testing.TestTokens.asOperator;
import static dev.feedrank.testing.TestTokens.asViewer;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs that survive the real world, through the REST API against real PostgreSQL and S3: cancel and resume,
 * retries of transient storage errors, stage timeouts, the concurrency policies, schedule control and the
 * content-hash dataset cache.
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(RunLifecycleTest.Lifecycle.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunLifecycleTest {

    /** Fast heartbeats and short backoffs, and storage that can fail on request. */
    public static class Lifecycle implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // runs here use different dataset sizes on purpose (drift is tested in DataValidationRunTest)
            return Map.of("feedrank.runs.heartbeat-seconds", "1",
                    "feedrank.stages.backoff-initial-ms", "100",
                    "feedrank.stages.backoff-max-ms", "400",
                    "feedrank.validation.drift-severity", "warning");
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(FaultInjectingObjectStorage.class);
        }
    }

    /**
     * Epochs of {@link #longTraining}: long enough to be caught in the middle of training (the tests act at epoch 1
     * or 2, and a stop lands within a batch, so ~10 epochs of ~8 s are slack), short enough that the resumed run of
     * the cancel test trains to its end in about a minute (with 40 it took five).
     */
    static final int LONG_EPOCHS = 12;

    /** {@link #LONG_EPOCHS} epochs, early stopping pushed out of the way, a progress line per batch. */
    static Map<String, String> longTraining(String... extra) {
        Map<String, String> m = new java.util.LinkedHashMap<>(RunApi.small("train.epochs", String.valueOf(LONG_EPOCHS),
                "train.early-stopping-patience", String.valueOf(LONG_EPOCHS), "train.log-every-batches", "1"));
        for (int i = 0; i + 1 < extra.length; i += 2) m.put(extra[i], extra[i + 1]);
        return m;
    }

    @Inject
    ScheduledRetraining schedule;

    /**
     * For triggers with process configuration ({@code stages.*}, {@code runs.*}): the API refuses such overrides
     * (SecurityTest), the CLI's {@code --set} passes them to the launcher as these tests do.
     */
    @Inject
    RunLauncher launcher;

    @AfterEach
    void noFaults() {
        FaultInjectingObjectStorage.reset();
    }

    static List<String> attempts(JsonPath run, String stage) {
        List<Map<String, Object>> stages = run.getList("stages");
        return stages.stream().filter(s -> stage.equals(s.get("name"))).map(s -> s.get("attempt") + ":" + s.get("status")).toList();
    }

    @Test
    @Order(1)
    void aCancelledRunStopsBetweenBatchesAndResumesFromItsFirstUnfinishedStage() throws Exception {
        long id = RunApi.start("synthetic", longTraining());
        RunApi.awaitStageProgress(id, "train", "epoch 2/" + LONG_EPOCHS, Duration.ofMinutes(5));
        asOperator().post("/api/runs/" + id + "/cancel").then().statusCode(202);
        JsonPath cancelled = RunApi.await(id, Duration.ofMinutes(2));
        assertEquals("CANCELLED", cancelled.getString("status"));
        assertEquals("cancelled by " + TestTokens.OPERATOR, cancelled.getString("error"));
        assertEquals(List.of("1:SUCCEEDED"), attempts(cancelled, "prepare-data"));
        assertEquals(List.of("1:CANCELLED"), attempts(cancelled, "train"));
        assertNull(cancelled.get("model"), "nothing was exported");
        asViewer().get("/api/aliases/production").then().statusCode(404);

        asOperator().post("/api/runs/" + id + "/cancel").then().statusCode(409).body("message", containsString("CANCELLED"));
        asOperator().post("/api/runs/999999/cancel").then().statusCode(404);
        asViewer().post("/api/runs/" + id + "/resume").then().statusCode(403);

        asOperator().post("/api/runs/" + id + "/resume").then().statusCode(202);
        JsonPath resumed = RunApi.await(id, Duration.ofMinutes(10));
        assertEquals("SUCCEEDED", resumed.getString("status"), () -> "resumed run failed: " + resumed.getString("error"));
        assertEquals(1, resumed.getInt("resumeCount"));
        assertEquals(List.of("1:SUCCEEDED"), attempts(resumed, "prepare-data"), "prepare-data was reused, not re-run");
        assertEquals(List.of("1:CANCELLED", "2:SUCCEEDED"), attempts(resumed, "train"));
        assertEquals(List.of("1:SUCCEEDED"), attempts(resumed, "export"));
        assertEquals("PROMOTED", resumed.getString("outcome"));
        asOperator().post("/api/runs/" + id + "/resume").then().statusCode(409).body("message", containsString("SUCCEEDED"));
    }

    @Test
    @Order(2)
    void aTransientStorageErrorIsRetriedWithBackoffAndEveryAttemptIsRecorded() throws Exception {
        FaultInjectingObjectStorage.failPrefix.set("models/");
        FaultInjectingObjectStorage.failPuts.set(2);
        JsonPath run = RunApi.runToEnd("synthetic", RunApi.small());
        assertEquals("SUCCEEDED", run.getString("status"), () -> "run failed: " + run.getString("error"));
        assertEquals(List.of("1:FAILED", "2:FAILED", "3:SUCCEEDED"), attempts(run, "export"));
        List<Map<String, Object>> stages = run.getList("stages");
        String firstError = stages.stream().filter(s -> "export".equals(s.get("name"))).findFirst().orElseThrow().get("error").toString();
        assertThat(firstError, containsString("injected fault"));
        assertThat(firstError, containsString("transient; attempt 1 of 3, retrying in"));
    }

    /** The version aliased production, or null when there is none. */
    static String productionVersion() {
        var response = asViewer().get("/api/aliases/production");
        if (response.statusCode() == 404) return null;
        return response.then().statusCode(200).extract().path("version");
    }

    @Test
    @Order(4)
    void badInputDataIsNeverRetried() throws Exception {
        // inside the allowed locations (the temp dir), but absent: the run starts and fails at prepare-data
        String missing = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "definitely-not-there-"
                + java.util.UUID.randomUUID()).toString();
        JsonPath run = RunApi.runToEnd("csv:" + missing, RunApi.small());
        assertEquals("FAILED", run.getString("status"));
        assertEquals(List.of("1:FAILED"), attempts(run, "prepare-data"));
    }

    @Test
    @Order(5)
    void aStageRunningPastItsTimeoutFailsWithReasonTimeout() throws Exception {
        long id = launcher.submit(Trigger.CLI, "synthetic", longTraining("stages.timeout-seconds-of.train", "3")).runId();
        JsonPath run = RunApi.await(id, Duration.ofMinutes(15));
        assertEquals("FAILED", run.getString("status"));
        assertEquals("train: timeout", run.getString("error"));
        assertEquals(List.of("1:FAILED"), attempts(run, "train"));
        List<Map<String, Object>> stages = run.getList("stages");
        Map<String, Object> train = stages.stream().filter(s -> "train".equals(s.get("name"))).findFirst().orElseThrow();
        assertEquals("timeout", train.get("error"));
        long ms = ((Number) train.get("durationMs")).longValue();
        assertTrue(ms >= 3000 && ms < 30_000, "stopped soon after its 3 s timeout: " + ms + " ms");
    }

    @Test
    @Order(6)
    void forbidSkipsANewTriggerAndReplaceCancelsTheRunningRun() throws Exception {
        long first = RunApi.start("synthetic", longTraining());
        RunApi.awaitStageProgress(first, "train", "epoch 1/" + LONG_EPOCHS, Duration.ofMinutes(5));
        Map<String, Object> forbidden = asOperator().contentType(ContentType.JSON).body(Map.of("overrides", RunApi.small()))
                .post("/api/runs").then().statusCode(409).extract().jsonPath().getMap("");
        assertEquals("SKIPPED", forbidden.get("status"));
        assertThat(forbidden.get("message").toString(), containsString("run " + first + " holds the pipeline lease"));

        long replacement = launcher.submit(Trigger.CLI, "synthetic", RunApi.small("runs.concurrency-policy", "replace")).runId();
        JsonPath replaced = RunApi.await(first, Duration.ofMinutes(2));
        assertEquals("CANCELLED", replaced.getString("status"));
        assertEquals("replaced by run " + replacement, replaced.getString("error"));
        JsonPath second = RunApi.await(replacement, Duration.ofMinutes(5));
        assertEquals("SUCCEEDED", second.getString("status"), () -> "replacement failed: " + second.getString("error"));
    }

    @Test
    @Order(7)
    void theScheduleCanBeSuspendedForEveryReplicaAndEachTickStartsOneRun() throws Exception {
        asViewer().get("/api/schedule").then().statusCode(200).body("cron", equalTo("off")).body("suspended", equalTo(false));
        asViewer().post("/api/schedule/suspend").then().statusCode(403);
        asOperator().contentType(ContentType.JSON).body(Map.of("reason", "data migration"))
                .post("/api/schedule/suspend").then().statusCode(200)
                .body("suspended", equalTo(true)).body("changedBy", equalTo(TestTokens.OPERATOR)).body("reason", equalTo("data migration"));
        long before = asViewer().get("/api/runs").then().extract().jsonPath().getLong("total");
        assertTrue(schedule.fire().isEmpty(), "a suspended schedule starts nothing");
        assertEquals(before, asViewer().get("/api/runs").then().extract().jsonPath().getLong("total"));
        asOperator().post("/api/schedule/resume").then().statusCode(200).body("suspended", equalTo(false));

        Instant tick = Instant.now();
        var fired = schedule.fire(tick);
        assertTrue(fired.isPresent());
        assertTrue(schedule.fire(tick).isEmpty(), "the same tick (another replica) starts no second run");
        // the scheduled run trains the full default dataset; this test only needs it to exist, so it is cancelled
        asOperator().post("/api/runs/" + fired.get().runId() + "/cancel").then().statusCode(202);
        assertEquals("CANCELLED", RunApi.await(fired.get().runId(), Duration.ofMinutes(5)).getString("status"));
    }

    @Test
    @Order(8)
    void anUnchangedDatasetIsReusedByContentHashUnlessTheCacheIsOff() throws Exception {
        JsonPath first = RunApi.runToEnd("synthetic", RunApi.small("train.epochs", "1", "synthetic.users", "300"));
        assertEquals(false, first.get("cacheHit"));
        JsonPath second = RunApi.runToEnd("synthetic", RunApi.small("train.epochs", "1", "synthetic.users", "300"));
        assertEquals(true, second.get("cacheHit"));
        assertEquals(first.getString("stages[0].outputs.dataset"), second.getString("stages[0].outputs.dataset"));
        // the reused dataset is read back in the order it was prepared in: the same settings train the same model
        assertEquals(first.getDouble("metrics.auc"), second.getDouble("metrics.auc"), 0.0);
        assertEquals(first.getDouble("metrics['ndcg@10']"), second.getDouble("metrics['ndcg@10']"), 0.0);
        long third = asOperator().contentType(ContentType.JSON)
                .body(Map.of("overrides", RunApi.small("train.epochs", "1", "synthetic.users", "300"), "cache", false))
                .post("/api/runs").then().statusCode(202).extract().jsonPath().getLong("runId");
        JsonPath recomputed = RunApi.await(third, Duration.ofMinutes(5));
        assertEquals(false, recomputed.get("cacheHit"));
        assertEquals("false", recomputed.getString("config.cache"));
    }

    /** Terminates every other connection to this database (what a PostgreSQL restart or failover does to a pool). */
    int terminateBackends() throws Exception {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        try (var c = java.sql.DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse(""));
             var s = c.createStatement();
             var r = s.executeQuery("select count(pg_terminate_backend(pid)) from pg_stat_activity "
                     + "where datname = current_database() and pid <> pg_backend_pid()")) {
            r.next();
            return r.getInt(1);
        }
    }

    @Test
    @Order(9)
    void droppedDatabaseConnectionsMidRunLeaveNoRunStuckAndTheRunFinishes() throws Exception {
        long id = RunApi.start("synthetic", longTraining("train.epochs", "6", "train.early-stopping-patience", "6"));
        RunApi.awaitStageProgress(id, "train", "epoch 2/6", Duration.ofMinutes(5));
        int killed = 0;
        for (int i = 0; i < 3; i++) {
            killed += terminateBackends();
            Thread.sleep(1500);
        }
        System.out.printf("terminated %d PostgreSQL backends during run %d%n", killed, id);
        assertTrue(killed > 0, "there were pooled connections to drop");
        JsonPath run = RunApi.await(id, Duration.ofMinutes(10));
        if (!"SUCCEEDED".equals(run.getString("status"))) {
            // failing cleanly is allowed; it must then be resumable
            assertEquals("FAILED", run.getString("status"), run.prettify());
            asOperator().post("/api/runs/" + id + "/resume").then().statusCode(202);
            run = RunApi.await(id, Duration.ofMinutes(10));
        }
        assertEquals("SUCCEEDED", run.getString("status"), run.prettify());
        assertEquals(0, asViewer().get("/api/runs?status=RUNNING").then().extract().jsonPath().getLong("total"), "no run stuck RUNNING");
    }
}
