package dev.feedrank.orchestration;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The pipeline lease's fencing token at the store: each acquisition increments it; a live holder is never taken over
 * by a resume from another process; a superseded execution can neither renew, release, record a stage success, end
 * the run nor pass a fence check.
 */
@QuarkusTest
class LeaseFencingTest {

    @Inject
    RunStore store;

    @Inject
    EntityManager em;

    void expire(String pipeline) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update pipeline_lease set expires_at = now() - interval '1 second' where pipeline = ?1")
                .setParameter(1, pipeline).executeUpdate());
    }

    @Test
    void aNewerAcquisitionFencesTheOldExecutionOut() {
        String pipeline = "fencing-" + System.nanoTime();
        long run = store.createRun(pipeline, Trigger.CLI, "synthetic", "{}", RunStatus.QUEUED, null);
        OptionalLong first = store.tryAcquireLease(pipeline, run, "process-a", 60);
        assertTrue(first.isPresent());
        RunStore.Fence a = new RunStore.Fence(pipeline, run, first.getAsLong());
        store.markRunning(run, "process-a");
        long aStage = store.startStage(a, "train");

        // the same run from another process does not take over a live lease, whoever it names
        assertTrue(store.tryAcquireLease(pipeline, run, "process-b", 60).isEmpty());
        // the same process takes it again (a new token)
        OptionalLong again = store.tryAcquireLease(pipeline, run, "process-a", 60);
        assertEquals(first.getAsLong() + 1, again.getAsLong());
        a = new RunStore.Fence(pipeline, run, again.getAsLong());
        assertTrue(store.renewLease(a, 60));

        // A stalls past its lease; B resumes the run
        expire(pipeline);
        OptionalLong second = store.tryAcquireLease(pipeline, run, "process-b", 60);
        assertEquals(a.token() + 1, second.getAsLong());
        RunStore.Fence b = new RunStore.Fence(pipeline, run, second.getAsLong());

        RunStore.Fence stale = a;
        assertFalse(store.renewLease(stale, 60), "the superseded renew is refused");
        assertThrows(FencedException.class, () -> store.assertFence(stale));
        assertThrows(FencedException.class, () -> store.finishStage(aStage, Map.of()), "its stage success is refused");
        assertFalse(store.finishRun(stale, RunStatus.FAILED, null, null, "should not be written"));
        store.releaseLease(stale);
        assertEquals(run, store.leaseHolder(pipeline).orElseThrow(), "B's lease is untouched");

        store.assertFence(b);
        long bStage = store.startStage(b, "train");
        store.finishStage(bStage, Map.of());
        assertTrue(store.finishRun(b, RunStatus.SUCCEEDED, "PROMOTED", null, null));
        assertEquals("SUCCEEDED", store.find(run).orElseThrow().status());
        store.releaseLease(b);
        assertTrue(store.leaseHolder(pipeline).isEmpty());
    }
}
