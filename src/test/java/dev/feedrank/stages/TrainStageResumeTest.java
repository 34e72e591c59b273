package dev.feedrank.stages;

import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.testing.InMemoryObjectStorage;
import dev.feedrank.training.TinyDatasets;
import dev.feedrank.training.TrainingCheckpoint;
import dev.feedrank.training.TrainingResult;
import dev.feedrank.training.TrainingStoppedException;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The train stage keeps the training state in S3, stops when the run asks, and continues from that state. */
class TrainStageResumeTest {

    @Test
    void stopsOnRequestKeepsTheStateInS3AndContinuesFromItWhenTheRunResumes() throws Exception {
        PreparedDataset data = TinyDatasets.agreement(150, 80, 4_000, 9);
        InMemoryObjectStorage storage = new InMemoryObjectStorage();
        TrainStage stage = new TrainStage(storage, new DatasetHandoff(storage));
        String stateKey = "runs/77/checkpoints/last.state";
        assertEquals(stateKey, TrainStage.lastStateKey(77));

        // first attempt: stopped after 20 batches (epoch 2 of 13 batches each)
        FakeContext first = new FakeContext(data, 20);
        TrainingStoppedException stopped = assertThrows(TrainingStoppedException.class, () -> stage.execute(first));
        assertEquals(2, stopped.epoch());
        assertEquals(7, stopped.batchesDone());
        assertEquals(stateKey, first.artifacts.get("last-checkpoint"));
        TrainingCheckpoint state = TrainingCheckpoint.decode(storage.get(stateKey));
        assertEquals(2, state.epoch());
        assertEquals(7, state.batch());
        assertEquals(1, state.curve().size());
        assertTrue(storage.exists("runs/77/checkpoints/best.params"));

        // the run resumes: the stage finds the state and continues; epochs already done are not reported again
        FakeContext second = new FakeContext(data, Integer.MAX_VALUE);
        stage.execute(second);
        try {
            assertEquals("training on cpu (train.device=auto)", second.progress.get(0), "this machine's engine sees no GPU");
            assertTrue(second.progress.get(1).startsWith("found training state " + stateKey), second.progress.toString());
            assertEquals("resuming at epoch 2 batch 8 of 13 from checkpoint", second.progress.get(2));
            TrainingResult result = second.shared(TrainingResult.class).orElseThrow();
            assertEquals(3, result.curve().size());
            assertEquals(List.of(2, 3), second.epochsWithMetrics(), "val_auc is recorded for the epochs trained in this attempt");
            assertEquals(3.0, second.metrics.get("epochs_run"));
            assertEquals(stateKey, second.artifacts.get("last-checkpoint"));
            assertEquals("runs/77/checkpoints/best.params", second.artifacts.get("checkpoint"));
            assertTrue(TrainingCheckpoint.decode(storage.get(stateKey)).finished(), "the last state is of the finished training");
        } finally {
            second.closeAll();
        }
    }

    @Test
    void aStopDuringTheRefitResumesInTheRefitAndReproducesTheUninterruptedRefit() throws Exception {
        PreparedDataset data = TinyDatasets.agreement(150, 80, 4_000, 9);
        PreparedDataset all = everythingInTrain(data);
        // uninterrupted: selection (3 epochs) then the refit on every example for the best epoch count
        InMemoryObjectStorage plain = new InMemoryObjectStorage();
        FakeContext whole = new FakeContext(data, Integer.MAX_VALUE);
        whole.shared.put(DatasetHandoff.Refit.class, new DatasetHandoff.Refit(all));
        new TrainStage(plain, new DatasetHandoff(plain)).execute(whole);
        int best;
        byte[] expected;
        try {
            best = whole.shared(TrainingResult.class).orElseThrow().bestEpoch();
            assertEquals((double) best, whole.metrics.get("refit_epochs"));
            assertTrue(whole.metrics.containsKey("refit_train_seconds"));
            assertEquals("runs/77/checkpoints/refit.params", whole.artifacts.get(ModelHandoff.REFIT_ARTIFACT));
            assertTrue(whole.progress.stream().anyMatch(l -> l.startsWith("refit epoch " + best + "/" + best + " done")), whole.progress.toString());
            assertEquals(List.of(1, 2, 3), whole.epochsWithMetrics(), "the refit records no per-epoch validation metrics");
            TrainingCheckpoint refitState = TrainingCheckpoint.decode(plain.get(TrainStage.refitStateKey(77)));
            assertTrue(refitState.finished());
            assertEquals(best, refitState.curve().size());
            double[] lrs = whole.shared(TrainingResult.class).orElseThrow().curve().stream().limit(best)
                    .mapToDouble(dev.feedrank.training.EpochStats::learningRate).toArray();
            assertArrayEquals(lrs, refitState.curve().stream().mapToDouble(dev.feedrank.training.EpochStats::learningRate).toArray(),
                    "the refit replays the selection run's learning rate per epoch");
            expected = plain.get("runs/77/checkpoints/refit.params");
            assertArrayEquals(expected, whole.shared(ModelHandoff.Refit.class).orElseThrow().model().parameters());
        } finally {
            whole.closeAll();
        }

        // interrupted: the selection takes 39 polls (3 epochs x 13 batches); stop 5 batches into the refit
        InMemoryObjectStorage storage = new InMemoryObjectStorage();
        TrainStage stage = new TrainStage(storage, new DatasetHandoff(storage));
        FakeContext first = new FakeContext(data, 39 + 5);
        first.shared.put(DatasetHandoff.Refit.class, new DatasetHandoff.Refit(all));
        try {
            TrainingStoppedException stopped = assertThrows(TrainingStoppedException.class, () -> stage.execute(first));
            assertEquals(1, stopped.epoch());
            assertEquals(5, stopped.batchesDone());
            assertTrue(first.progress.contains("stopped on request at refit epoch 1 after batch 5 of " + stopped.batches() + "; checkpoint written"),
                    first.progress.toString());
            assertTrue(storage.exists(TrainStage.refitStateKey(77)));
            assertFalse(storage.exists("runs/77/checkpoints/refit.params"));
        } finally {
            first.closeAll();
        }
        FakeContext second = new FakeContext(data, Integer.MAX_VALUE);
        second.shared.put(DatasetHandoff.Refit.class, new DatasetHandoff.Refit(all));
        stage.execute(second);
        try {
            assertTrue(second.progress.stream().anyMatch(l -> l.startsWith("found refit state " + TrainStage.refitStateKey(77))), second.progress.toString());
            assertTrue(second.progress.stream().anyMatch(l -> l.startsWith("resuming at refit epoch 1 batch 6 of ")), second.progress.toString());
            assertEquals(List.of(), second.epochsWithMetrics(), "the finished selection is not trained again");
            assertArrayEquals(expected, storage.get("runs/77/checkpoints/refit.params"),
                    "the resumed refit ends with the uninterrupted refit's parameters");
        } finally {
            second.closeAll();
        }
    }

    /** The tiny dataset with validation and test appended to train (as the refit dataset holds every interaction). */
    static PreparedDataset everythingInTrain(PreparedDataset d) {
        dev.feedrank.data.Examples[] parts = {d.train(), d.validation(), d.test()};
        int n = 0;
        for (var e : parts) n += e.size();
        dev.feedrank.data.Examples out = new dev.feedrank.data.Examples(new int[n], new int[n], new float[n], new float[n],
                new float[n], new boolean[n], new long[n]);
        int k = 0;
        for (var e : parts) {
            System.arraycopy(e.user(), 0, out.user(), k, e.size());
            System.arraycopy(e.item(), 0, out.item(), k, e.size());
            System.arraycopy(e.click(), 0, out.click(), k, e.size());
            System.arraycopy(e.like(), 0, out.like(), k, e.size());
            System.arraycopy(e.share(), 0, out.share(), k, e.size());
            System.arraycopy(e.sampled(), 0, out.sampled(), k, e.size());
            System.arraycopy(e.ts(), 0, out.ts(), k, e.size());
            k += e.size();
        }
        dev.feedrank.data.Examples empty = new dev.feedrank.data.Examples(new int[0], new int[0], new float[0], new float[0],
                new float[0], new boolean[0], new long[0]);
        return new PreparedDataset(d.contentHash() + "-refit", d.source(), d.users(), d.items(), out, empty, empty, d.stats());
    }

    /** A config interface answering from a map (an unknown method is a test error). */
    @SuppressWarnings("unchecked")
    static <T> T proxy(Class<T> type, Map<String, Object> values) {
        return (T) Proxy.newProxyInstance(FeedrankConfig.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            if (!values.containsKey(m.getName())) throw new UnsupportedOperationException(m.getName());
            return values.get(m.getName());
        });
    }

    static FeedrankConfig trainingConfig() {
        return trainingConfig("auto");
    }

    static FeedrankConfig trainingConfig(String device) {
        Map<String, Object> train = Map.ofEntries(Map.entry("epochs", 3), Map.entry("batchSize", 256),
                Map.entry("learningRate", 1e-3), Map.entry("embeddingDim", 16), Map.entry("idEmbeddingDim", 8),
                Map.entry("seed", 5L), Map.entry("earlyStoppingPatience", 5), Map.entry("lrPatience", 3),
                Map.entry("lrFactor", 0.5), Map.entry("coldStartRate", java.util.Optional.of(0.1)), Map.entry("logEveryBatches", 1000),
                Map.entry("loss", "bce"), Map.entry("posWeight", 2.0), Map.entry("margin", java.util.Optional.empty()),
                Map.entry("temperature", java.util.Optional.of(1.0)), Map.entry("logqCorrection", true), Map.entry("removeAccidentalHits", true),
                Map.entry("selectionMetric", "ndcg@10"), Map.entry("selectionUsers", 2000), Map.entry("outputNorm", "layernorm"),
                Map.entry("device", device),
                Map.entry("sparseEmbeddingUpdates", "auto"),
                Map.entry("hardNegatives", proxy(FeedrankConfig.HardNegatives.class, Map.of("enabled", false, "mixRatio", 0.5,
                        "topK", 10, "refreshEveryEpochs", 1, "startEpoch", 2))),
                Map.entry("multiTask", proxy(FeedrankConfig.MultiTask.class, Map.of("enabled", false, "headInput", "concat-product",
                        "clickWeight", 1.0, "likeWeight", 1.0, "shareWeight", 1.0))));
        FeedrankConfig.Train t = proxy(FeedrankConfig.Train.class, train);
        return (FeedrankConfig) Proxy.newProxyInstance(FeedrankConfig.class.getClassLoader(), new Class<?>[] {FeedrankConfig.class},
                (p, m, a) -> {
                    if (m.getName().equals("train")) return t;
                    if (m.getName().equals("split")) return proxy(FeedrankConfig.Split.class, Map.of("strategy", "global-time",
                            "testFraction", 0.2, "trainFraction", 0.8, "validationFraction", 0.1));
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    /** A run context that asks to stop after {@code stopAfterPolls} polls and records what the stage reports. */
    static final class FakeContext implements StageContext {
        final Map<String, String> artifacts = new LinkedHashMap<>();
        final Map<String, Double> metrics = new LinkedHashMap<>();
        final List<Integer> valAucEpochs = new ArrayList<>();
        final List<String> progress = new ArrayList<>();
        final Map<Class<?>, Object> shared = new HashMap<>();
        final List<AutoCloseable> resources = new ArrayList<>();
        final int stopAfterPolls;
        final FeedrankConfig config;
        int polls;

        FakeContext(PreparedDataset data, int stopAfterPolls) {
            this(data, stopAfterPolls, trainingConfig());
        }

        FakeContext(PreparedDataset data, int stopAfterPolls, FeedrankConfig config) {
            this.stopAfterPolls = stopAfterPolls;
            this.config = config;
            if (data != null) shared.put(PreparedDataset.class, data);
        }

        List<Integer> epochsWithMetrics() {
            return valAucEpochs;
        }

        void closeAll() throws Exception {
            for (AutoCloseable c : resources) c.close();
        }

        @Override public long runId() { return 77; }
        @Override public FeedrankConfig config() { return config; }
        @Override public String dataset() { return "tiny"; }
        @Override public Map<String, String> artifacts() { return Map.of(); }
        @Override public void artifact(String name, String key) { artifacts.put(name, key); }
        @Override public <T> void share(Class<T> type, T value) { shared.put(type, value); }
        @Override public <T> Optional<T> shared(Class<T> type) { return Optional.ofNullable(type.cast(shared.get(type))); }
        @Override public void closeAtEnd(AutoCloseable resource) { resources.add(resource); }

        @Override
        public void metric(String subject, String name, double value, String split, Integer epoch) {
            if (name.equals("val_auc")) valAucEpochs.add(epoch);
            if (epoch == null) metrics.put(name, value);
        }

        @Override public void progress(String line) { progress.add(line); }
        @Override public void outcome(String outcome, String modelVersion) { }
        @Override public boolean stopRequested() { return ++polls >= stopAfterPolls; }
    }
}
