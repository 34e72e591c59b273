package dev.feedrank.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A run's stored config snapshot must rebuild the same config (resume depends on it). */
class RunConfigSnapshotTest {

    @Test
    void aQuotedMapKeyWithoutADotHasOneSpelling() {
        assertEquals("feedrank.gate.max-regression.ndcg@10", RunConfigFactory.canonical("feedrank.gate.max-regression.\"ndcg@10\""));
        assertEquals("feedrank.gate.min.\"like.auc\"", RunConfigFactory.canonical("feedrank.gate.min.\"like.auc\""));
        assertEquals("feedrank.train.epochs", RunConfigFactory.canonical("feedrank.train.epochs"));
    }

    @Test
    void theSnapshotOfARunRebuildsTheSameConfig() {
        RunConfigFactory factory = new RunConfigFactory(new dev.feedrank.stages.RunSettingsChecks());
        var first = factory.create(Map.of("gate.max-regression.\"ndcg@10\"", "0.02", "gate.min.\"like.auc\"", "0.6",
                "train.epochs", "3", "stages.timeout-seconds-of.train", "60", "data.allowed-locations", "/data/a,s3://b/in/"));
        assertEquals("/data/a,s3://b/in/", first.snapshot().get("data.allowed-locations"), "a list, not its toString");
        assertEquals("0.02", first.snapshot().get("gate.max-regression.ndcg@10"));
        assertEquals("0.6", first.snapshot().get("gate.min.\"like.auc\""));
        var again = factory.create(first.snapshot());
        assertEquals(first.snapshot(), again.snapshot());
        assertEquals(60L, again.config().stages().timeoutSecondsOf("train"));
        assertEquals(3, again.config().train().epochs());
        assertEquals(java.util.List.of("/data/a", "s3://b/in/"), again.config().data().allowedLocations().orElseThrow());
    }

    @Test
    void anUnknownSparseUpdateModeIsRefusedBeforeTheRunStarts() {
        RunConfigFactory factory = new RunConfigFactory(new dev.feedrank.stages.RunSettingsChecks());
        assertEquals("auto", factory.create(Map.of()).config().train().sparseEmbeddingUpdates());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> factory.create(Map.of("train.sparse-embedding-updates", "sometimes")));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("train.sparse-embedding-updates"), e.getMessage());
    }

    /** A bad baseline setting fails the run's creation (400 through the API), not its evaluate stage an hour later. */
    @Test
    void badBaselineSettingsAreRefusedBeforeTheRunStarts() {
        RunConfigFactory factory = new RunConfigFactory(new dev.feedrank.stages.RunSettingsChecks());
        String[][] bad = {
                {"eval.baselines", "popularity,ease,itemknn", "eval.baselines must list popularity, puresvd, ease"},
                {"eval.puresvd-ranks", "16,0", "eval.puresvd-ranks must be positive integers"},
                {"eval.ease-lambdas", "300,-1", "eval.ease-lambdas must be positive numbers"},
                {"eval.ease-max-items", "0", "eval.ease-max-items must be >= 1"},
                {"eval.max-users", "0", "eval.max-users must be >= 1"}};
        for (String[] b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> factory.create(Map.of(b[0], b[1])));
            assertTrue(e.getMessage().startsWith("invalid configuration override: " + b[2]), e.getMessage());
        }
        // a baseline left out is not checked: EASE^R's cap does not matter when EASE^R is not computed
        assertEquals(0, factory.create(Map.of("eval.baselines", "popularity,puresvd", "eval.ease-max-items", "0"))
                .config().eval().easeMaxItems());
    }

    /** Nested groups (stages.process, stages.kubernetes) and a map of groups (stages.resources.<stage>) round-trip. */
    @Test
    void nestedGroupsAndMapsOfGroupsRoundTrip() {
        RunConfigFactory factory = new RunConfigFactory(new dev.feedrank.stages.RunSettingsChecks());
        var first = factory.create(Map.of("stages.executor", "kubernetes", "stages.kubernetes.image", "feedrank:1",
                "stages.resources.train.gpu", "1", "stages.resources.train.tolerations", "nvidia.com/gpu:NoSchedule",
                "stages.process.java-options", "-Xmx1g"));
        assertEquals("1", first.snapshot().get("stages.resources.train.gpu"));
        assertEquals("feedrank:1", first.snapshot().get("stages.kubernetes.image"));
        assertFalse(first.snapshot().containsKey("stages.kubernetes"), "a group is flattened, not written whole");
        var again = factory.create(first.snapshot());
        assertEquals(first.snapshot(), again.snapshot());
        assertEquals(1, again.config().stages().resources().get("train").gpu().getAsInt());
        assertEquals(java.util.List.of("-Xmx1g"), again.config().stages().process().javaOptions().orElseThrow());
    }
}
