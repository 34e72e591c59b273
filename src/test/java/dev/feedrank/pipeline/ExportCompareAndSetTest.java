package dev.feedrank.pipeline;

import dev.feedrank.persistence.AliasHistoryEntity;
import dev.feedrank.persistence.ModelVersionEntity;
import dev.feedrank.persistence.PipelineRunEntity;
import dev.feedrank.persistence.StageExecutionEntity;
import dev.feedrank.registry.ModelRegistry;
import dev.feedrank.testing.FaultInjectingObjectStorage;
import dev.feedrank.testing.FeedrankTestServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

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
 * Decisions that stay true until they take effect: export moves {@code production} only if it still points at the
 * champion the run's evaluate compared against (compare-and-set with the history row), and export is idempotent (the
 * version id is fixed per run; a retried or resumed export reuses it, registers nothing twice and adds no second
 * alias-history row).
 */
@QuarkusTest
@QuarkusTestResource(FeedrankTestServices.class)
@TestProfile(ExportCompareAndSetTest.Profile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExportCompareAndSetTest {

    /** A fresh database and S3 store; storage with a hook before each write; short stage backoff. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("feedrank.stages.backoff-initial-ms", "200", "feedrank.stages.backoff-max-ms", "500");
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(FaultInjectingObjectStorage.class);
        }
    }

    /** Every run passes the gate against the champion: same data and settings, change allowances wide open. */
    static Map<String, String> settings() {
        return RunApi.small("gate.max-regression.auc", "1", "gate.max-regression.\"ndcg@10\"", "1");
    }

    static String first;
    static String second;

    @Inject
    ModelRegistry registry;

    @AfterEach
    void clearFaults() {
        FaultInjectingObjectStorage.reset();
    }

    static List<ModelRegistry.AliasMove> history() {
        return QuarkusTransaction.requiringNew().call(() -> AliasHistoryEntity.<AliasHistoryEntity>list("alias = ?1 order by id",
                ModelRegistry.PRODUCTION).stream().map(h -> new ModelRegistry.AliasMove(h.alias, h.fromVersion, h.toVersion,
                h.movedAt, h.runId, h.actor, h.reason, h.automatic, h.action, h.forced)).toList());
    }

    static long versionsOf(long runId) {
        return QuarkusTransaction.requiringNew().call(() -> ModelVersionEntity.count("runId", runId));
    }

    static List<String> attempts(JsonPath run, String stage) {
        List<Map<String, Object>> stages = run.getList("stages");
        return stages.stream().filter(s -> stage.equals(s.get("name"))).map(s -> s.get("attempt") + ":" + s.get("status")).toList();
    }

    @Test
    @Order(1)
    void aResumedExportAfterTheAliasMoveReusesItsVersionAndAddsNoSecondHistoryRow() throws Exception {
        JsonPath one = RunApi.runToEnd("synthetic", settings());
        assertEquals("PROMOTED", one.getString("outcome"), one.prettify());
        first = one.getString("model.version");

        JsonPath two = RunApi.runToEnd("synthetic", settings());
        assertEquals("PROMOTED", two.getString("outcome"), two.prettify());
        second = two.getString("model.version");
        long runId = two.getLong("runId");
        assertEquals(2, history().size());

        // the process died after export registered the version and moved the alias, before the stage was recorded
        // as succeeded: the state the reaper leaves behind
        QuarkusTransaction.requiringNew().run(() -> {
            StageExecutionEntity.update("status = 'FAILED', error = 'interrupted' where runId = ?1 and stage = 'export'", runId);
            PipelineRunEntity.update("status = 'FAILED', error = 'interrupted', outcome = null where id = ?1", runId);
        });
        asOperator().post("/api/runs/" + runId + "/resume").then().statusCode(202);
        JsonPath resumed = RunApi.await(runId, Duration.ofMinutes(5));
        assertEquals("SUCCEEDED", resumed.getString("status"), resumed.prettify());
        assertEquals(List.of("1:FAILED", "2:SUCCEEDED"), attempts(resumed, "export"));
        assertEquals(second, resumed.getString("model.version"), "the resumed export reused the run's version id");
        assertEquals("PROMOTED", resumed.getString("outcome"));
        assertEquals(1, versionsOf(runId), "no orphan version");
        List<ModelRegistry.AliasMove> moves = history();
        assertEquals(2, moves.size(), "no second alias-history row: " + moves);
        assertEquals(second, moves.get(1).to());
        asViewer().get("/api/aliases/production").then().statusCode(200).body("version", equalTo(second));
        // and the registry calls themselves are no-ops when repeated
        registry.register(second, runId, "models/" + second + "/", "x", true);
        ModelRegistry.Promotion again = registry.promoteIfChampion(ModelRegistry.PRODUCTION, second, runId, first,
                "feedrank-gate", "again", () -> { });
        assertTrue(again.alreadyDone());
        assertEquals(2, history().size());
    }

    @Test
    @Order(2)
    void aRollbackBetweenGateAndExportKeepsTheRunsVersionACandidateAndProductionWhereTheOperatorPutIt() throws Exception {
        assertNotNull(second, "needs the two promoted runs of the first test");
        AtomicBoolean rolledBack = new AtomicBoolean();
        // after evaluate and gate (which compared against the second version), at the first bundle write: an
        // operator rolls production back; that write then fails once, so the export is retried too
        FaultInjectingObjectStorage.beforePut.set(key -> {
            if (key.startsWith("models/") && rolledBack.compareAndSet(false, true)) {
                registry.rollback(ModelRegistry.PRODUCTION, "alice", "serving errors in production");
            }
        });
        FaultInjectingObjectStorage.failPrefix.set("models/");
        FaultInjectingObjectStorage.failPuts.set(1);

        JsonPath run = RunApi.runToEnd("synthetic", settings());
        long runId = run.getLong("runId");
        assertTrue(rolledBack.get(), "the operator rolled back during the export");
        assertEquals("SUCCEEDED", run.getString("status"), run.prettify());
        assertEquals(List.of("1:FAILED", "2:SUCCEEDED"), attempts(run, "export"));
        assertEquals(second, run.getString("championVersion"), "the gate compared against the second version");
        String third = run.getString("model.version");
        assertEquals("STALE_CHAMPION", run.getString("outcome"));
        assertFalse(run.getBoolean("model.promoted"));
        assertEquals("candidate", run.getString("model.status"), "the version stays a candidate");
        assertEquals(1, versionsOf(runId), "the retried export reused its version id: no orphan");

        // the decision records why
        assertFalse(run.getBoolean("gate.passed"));
        List<String> kinds = run.getList("gate.checks.kind");
        assertEquals("champion-unchanged", kinds.get(kinds.size() - 1));
        List<String> details = run.getList("gate.checks.detail");
        assertThat(details.get(details.size() - 1), allOf(containsString("production points at " + first),
                containsString("no longer at the champion " + second), containsString(third + " stays a candidate")));
        assertThat(run.getString("gate.summary"), containsString("champion-unchanged check failed"));

        // production is what the operator set, and the history has the rollback only
        asViewer().get("/api/aliases/production").then().statusCode(200).body("version", equalTo(first));
        List<ModelRegistry.AliasMove> moves = history();
        assertEquals(3, moves.size(), moves.toString());
        assertEquals("rollback", moves.get(2).action());
        assertEquals("alice", moves.get(2).actor());
        assertTrue(moves.stream().noneMatch(m -> third.equals(m.to())), "no alias-history row for the stale decision");

        // every stage attempt recorded the fencing token it ran under
        QuarkusTransaction.requiringNew().run(() -> assertEquals(0,
                StageExecutionEntity.count("runId = ?1 and fencingToken is null", runId)));
    }
}
