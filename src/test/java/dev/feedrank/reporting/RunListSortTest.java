package dev.feedrank.reporting;

import dev.feedrank.orchestration.RunStatus;
import dev.feedrank.orchestration.RunStore;
import dev.feedrank.orchestration.Trigger;
import dev.feedrank.persistence.PipelineRunEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The console's runs table sorts by the model's test NDCG@10 and AUC, the gate verdict and the duration too (the
 * values live in other rows or are computed), runs without a value last in either direction, ties newest first.
 */
@QuarkusTest
class RunListSortTest {

    @Inject
    RunStore store;

    @Inject
    RunReportService reports;

    @Test
    void runsSortByMetricGateAndDurationWithMissingValuesLast() {
        String dataset = "csv:sort-test-" + System.nanoTime();
        // a: ndcg 0.30, auc 0.70, gate passed, 50 s; b: ndcg 0.10, auc 0.90, gate failed, 10 s; c: nothing (failed early), 30 s
        long a = run(dataset, 50, Boolean.TRUE);
        long b = run(dataset, 10, Boolean.FALSE);
        long c = run(dataset, 30, null);
        store.metric(a, "evaluate", "model", "ndcg@10", 0.30, "test", null);
        store.metric(a, "evaluate", "model", "auc", 0.70, "test", null);
        store.metric(b, "evaluate", "model", "ndcg@10", 0.10, "test", null);
        store.metric(b, "evaluate", "model", "auc", 0.90, "test", null);
        // rows that must not count: another subject, a validation series per epoch
        store.metric(b, "evaluate", "baseline", "ndcg@10", 0.99, "test", null);
        store.metric(c, "train", "model", "ndcg@10", 0.99, "validation", 1);

        assertEquals(List.of(a, b, c), ids(dataset, "ndcg", false));
        assertEquals(List.of(b, a, c), ids(dataset, "ndcg", true));
        assertEquals(List.of(b, a, c), ids(dataset, "auc", false));
        assertEquals(List.of(a, b, c), ids(dataset, "auc", true));
        assertEquals(List.of(a, b, c), ids(dataset, "gate", false), "passed before failed, no verdict last");
        assertEquals(List.of(b, a, c), ids(dataset, "gate", true));
        assertEquals(List.of(a, c, b), ids(dataset, "duration", false));
        assertEquals(List.of(b, c, a), ids(dataset, "duration", true));
        assertEquals(List.of(c, b, a), ids(dataset, "", false), "no sort key: newest first");
        assertEquals(3, reports.list("", dataset, "ndcg", false, 0, 2).total(), "the count ignores the order");
        assertEquals(List.of(c), reports.list("", dataset, "ndcg", false, 1, 2).items().stream().map(RunReport::runId).toList());
    }

    private long run(String dataset, int seconds, Boolean gatePassed) {
        long id = store.createRun("default", Trigger.API, dataset, "{}", RunStatus.QUEUED, null);
        store.markRunning(id, "run-list-sort-test");
        store.finishRun(id, gatePassed == null ? RunStatus.FAILED : RunStatus.SUCCEEDED, null, null, null);
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        QuarkusTransaction.requiringNew().run(() -> PipelineRunEntity.update(
                "startedAt = ?1, finishedAt = ?2, gatePassed = ?3 where id = ?4", start, start.plusSeconds(seconds), gatePassed, id));
        return id;
    }

    private List<Long> ids(String dataset, String sort, boolean ascending) {
        return reports.list("", dataset, sort, ascending, 0, 10).items().stream().map(RunReport::runId).toList();
    }
}
