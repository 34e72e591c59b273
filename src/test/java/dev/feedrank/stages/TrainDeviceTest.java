package dev.feedrank.stages;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.feedrank.orchestration.TransientErrors;
import dev.feedrank.testing.InMemoryObjectStorage;
import dev.feedrank.training.TrainingDevice;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code train.device}: auto picks a GPU only when the engine sees one; gpu without one fails before training. */
class TrainDeviceTest {

    @Test
    void resolvesTheSettingAgainstTheEnginesGpuCount() {
        assertEquals(Device.cpu(), TrainingDevice.resolve("auto", 0));
        assertEquals(Device.gpu(0), TrainingDevice.resolve("auto", 2));
        assertEquals(Device.cpu(), TrainingDevice.resolve("cpu", 2));
        assertEquals(Device.gpu(0), TrainingDevice.resolve(" GPU ", 1));
        TrainingDevice.UnavailableException e = assertThrows(TrainingDevice.UnavailableException.class,
                () -> TrainingDevice.resolve("gpu", 0));
        assertTrue(e.getMessage().startsWith("train.device=gpu but the PyTorch engine sees no GPU; "), e.getMessage());
        assertTrue(e.getMessage().contains("PYTORCH_LIBRARY_PATH"), e.getMessage());
        assertFalse(TransientErrors.isTransient(e), "never retried");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> TrainingDevice.resolve("cuda", 1));
        assertEquals("train.device must be auto, cpu or gpu, got 'cuda'", bad.getMessage());
        assertEquals("cpu (train.device=auto)", TrainingDevice.describe("auto", Device.cpu()));
        assertEquals("gpu(0)", TrainingDevice.describe("gpu", Device.gpu(0)));
    }

    @Test
    void gpuOnThisCpuEngineFailsTheTrainStageBeforeItReadsOrTrainsAnything() {
        assumeCpuOnly();
        InMemoryObjectStorage storage = new InMemoryObjectStorage();
        TrainStage stage = new TrainStage(storage, new DatasetHandoff(storage));
        // no dataset shared and none recorded: reading it would fail with another error
        TrainStageResumeTest.FakeContext ctx = new TrainStageResumeTest.FakeContext(null, Integer.MAX_VALUE,
                TrainStageResumeTest.trainingConfig("gpu"));
        TrainingDevice.UnavailableException e = assertThrows(TrainingDevice.UnavailableException.class, () -> stage.execute(ctx));
        assertTrue(e.getMessage().startsWith("train.device=gpu but the PyTorch engine sees no GPU; "), e.getMessage());
        assertEquals(java.util.List.of(), ctx.progress, "nothing trained");
        assertTrue(ctx.artifacts.isEmpty());
        assertEquals(Device.cpu(), TrainingDevice.resolve("auto"), "auto falls back to the CPU here");
    }

    private static void assumeCpuOnly() {
        dev.feedrank.model.DjlRuntime.ensureOffline();
        org.junit.jupiter.api.Assumptions.assumeTrue(Engine.getInstance().getGpuCount() == 0,
                "this check is for an engine without a GPU");
    }
}
