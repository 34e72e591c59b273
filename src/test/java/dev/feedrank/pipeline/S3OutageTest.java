package dev.feedrank.pipeline;

import dev.feedrank.testing.FaultInjectingObjectStorage;
import dev.feedrank.testing.FeedrankTestServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.feedrank.testing.TestTokens.asOperator;
import static dev.feedrank.testing.TestTokens.asViewer;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The S3 server really stops in the middle of export: the client's and the runner's retries are spent, the run
 * fails cleanly, production does not move; the server comes back and the run resumes at export.
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(S3OutageTest.Outage.class)
class S3OutageTest {

    public static class Outage implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("feedrank.stages.backoff-initial-ms", "200", "feedrank.stages.backoff-max-ms", "1000",
                    "feedrank.runs.heartbeat-seconds", "1");
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(FaultInjectingObjectStorage.class);
        }
    }

    @AfterEach
    void serverBack() throws Exception {
        FaultInjectingObjectStorage.reset();
        FeedrankTestServices.startS3();
    }

    static List<String> attempts(JsonPath run, String stage) {
        List<Map<String, Object>> stages = run.getList("stages");
        return stages.stream().filter(s -> stage.equals(s.get("name"))).map(s -> s.get("attempt") + ":" + s.get("status")).toList();
    }

    @Test
    void theStoreGoingDownDuringExportFailsTheRunCleanlyAndItResumesWhenTheStoreIsBack() throws Exception {
        JsonPath first = RunApi.runToEnd("synthetic", RunApi.small());
        assertEquals("PROMOTED", first.getString("outcome"), first.prettify());
        String production = first.getString("model.version");

        AtomicBoolean stopped = new AtomicBoolean();
        FaultInjectingObjectStorage.beforePut.set(key -> {
            if (key.startsWith("models/") && stopped.compareAndSet(false, true)) {
                try {
                    FeedrankTestServices.stopS3();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        long t0 = System.nanoTime();
        JsonPath failed = RunApi.runToEnd("synthetic", RunApi.small("train.seed", "11"));
        double failedAfter = (System.nanoTime() - t0) / 1e9;
        assertTrue(stopped.get(), "the S3 server was stopped at the first export write");
        assertEquals("FAILED", failed.getString("status"));
        assertThat(failed.getString("error"), startsWith("export: "));
        assertEquals(List.of("1:FAILED", "2:FAILED", "3:FAILED"), attempts(failed, "export"));
        List<Map<String, Object>> stages = failed.getList("stages");
        String exportError = stages.stream().filter(s -> "export".equals(s.get("name"))).findFirst().orElseThrow().get("error").toString();
        assertThat(exportError, containsString("transient; attempt 1 of 3"));
        asViewer().get("/api/aliases/production").then().statusCode(200).body("version", equalTo(production));
        assertEquals(0, asViewer().get("/api/runs?status=RUNNING").then().extract().jsonPath().getLong("total"));

        FaultInjectingObjectStorage.beforePut.set(null);
        FeedrankTestServices.startS3();
        long t1 = System.nanoTime();
        long id = failed.getLong("runId");
        asOperator().post("/api/runs/" + id + "/resume").then().statusCode(202);
        JsonPath resumed = RunApi.await(id, Duration.ofMinutes(5));
        System.out.printf("S3 outage: run failed %.1f s after start (3 export attempts); resume took %.1f s%n",
                failedAfter, (System.nanoTime() - t1) / 1e9);
        assertEquals("SUCCEEDED", resumed.getString("status"), resumed.prettify());
        assertEquals(List.of("1:SUCCEEDED"), attempts(resumed, "train"), "training was not repeated");
        assertEquals(List.of("1:FAILED", "2:FAILED", "3:FAILED", "4:SUCCEEDED"), attempts(resumed, "export"));
        assertNotNull(resumed.getString("outcome"));
    }
}
