package dev.feedrank.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.feedrank.model.ModelSpec;
import dev.feedrank.model.TwoTowerModel;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link ResumableAdam} must be DJL's Adam with exportable state. If a DJL upgrade changes Adam's arithmetic (or the
 * fused kernel's arguments), the first test fails and ResumableAdam has to follow.
 */
class ResumableAdamTest {

    static final ModelSpec SPEC = new ModelSpec(41, 5, 31, 6, 8, 16);
    static final int BATCH = 64;

    @Test
    void updatesBitForBitLikeDjlAdam() throws Exception {
        byte[] djl = train(m -> Adam.builder().optLearningRateTracker(Tracker.fixed(2e-3f)).build(), null, 0, 30);
        byte[] ours = train(m -> ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(2e-3f))
                .stateManager(m.manager()).build(), null, 0, 30);
        assertArrayEquals(djl, ours, "ResumableAdam diverged from ai.djl.training.optimizer.Adam "
                + "(DJL " + Engine.getDjlVersion() + "): follow DJL's Adam.update");
    }

    @Test
    void stateExportedByNameContinuesInAnotherModelInstance() throws Exception {
        // 20 steps in one go
        byte[] straight = train(m -> ResumableAdam.builder().stateManager(m.manager()).build(), null, 0, 20);
        // 12 steps, export by name, then a new model (other parameter ids) continues for 8 steps
        ResumableAdam.State[] exported = new ResumableAdam.State[1];
        byte[][] params = new byte[1][];
        trainAndExport(12, exported, params);
        assertEquals(12, exported[0].numUpdate());
        assertFalse(exported[0].means().isEmpty());
        byte[] resumed = train(m -> ResumableAdam.builder().stateManager(m.manager()).build(), new Resume(params[0], exported[0]), 12, 20);
        assertArrayEquals(straight, resumed, "12 + 8 steps with the state carried over equal 20 steps");

        byte[] forgetful = train(m -> ResumableAdam.builder().stateManager(m.manager()).build(),
                new Resume(params[0], ResumableAdam.State.empty()), 12, 20);
        assertFalse(java.util.Arrays.equals(straight, forgetful), "without the moments the continuation differs");
    }

    @Test
    void refusesStateOfAnotherModel() throws Exception {
        ResumableAdam.State[] exported = new ResumableAdam.State[1];
        trainAndExport(2, exported, new byte[1][]);
        try (TwoTowerModel other = TwoTowerModel.create(new ModelSpec(41, 5, 31, 6, 8, 24))) {
            ResumableAdam adam = ResumableAdam.builder().stateManager(other.manager()).build();
            TwoTowerTrainer.ParameterNames names = new TwoTowerTrainer.ParameterNames(other);
            var e = assertThrows(IllegalArgumentException.class, () -> adam.importState(exported[0], names.nameToId, names.arrays()));
            assertTrue(e.getMessage().contains("has shape"), e.getMessage());
        }
    }

    record Resume(byte[] parameters, ResumableAdam.State state) {
    }

    private static void trainAndExport(int steps, ResumableAdam.State[] state, byte[][] params) throws Exception {
        Engine.getInstance().setRandomSeed(5);
        try (TwoTowerModel m = TwoTowerModel.create(SPEC)) {
            ResumableAdam adam = ResumableAdam.builder().stateManager(m.manager()).build();
            run(m, adam, 0, steps);
            state[0] = adam.exportState(new TwoTowerTrainer.ParameterNames(m).idToName);
            params[0] = m.parameters();
        }
    }

    /** Steps {@code from..to-1} on deterministic batches (engine reseeded per step for dropout); the final parameters. */
    private static byte[] train(Function<TwoTowerModel, Optimizer> optimizer, Resume resume, int from, int to) throws Exception {
        Engine.getInstance().setRandomSeed(5);
        try (TwoTowerModel m = TwoTowerModel.create(SPEC)) {
            Optimizer opt = optimizer.apply(m);
            if (resume != null) {
                m.loadTrainableParameters(resume.parameters());
                TwoTowerTrainer.ParameterNames names = new TwoTowerTrainer.ParameterNames(m);
                ((ResumableAdam) opt).importState(resume.state(), names.nameToId, names.arrays());
            }
            run(m, opt, from, to);
            return m.parameters();
        }
    }

    private static void run(TwoTowerModel m, Optimizer opt, int from, int to) {
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                .optOptimizer(opt).optDevices(new Device[] {Device.cpu()});
        try (Trainer trainer = m.djlModel().newTrainer(cfg)) {
            for (int step = from; step < to; step++) {
                Engine.getInstance().setRandomSeed(1000 + step);
                SplittableRandom r = new SplittableRandom(step);
                try (NDManager bm = m.manager().newSubManager()) {
                    NDList inputs = new NDList(bm.create(longs(r, SPEC.userVocabSize())), bm.create(floats(r, SPEC.userDenseDim()),
                            new Shape(BATCH, SPEC.userDenseDim())), bm.create(longs(r, SPEC.itemVocabSize())),
                            bm.create(floats(r, SPEC.itemDenseDim()), new Shape(BATCH, SPEC.itemDenseDim())));
                    float[] y = new float[BATCH];
                    for (int i = 0; i < BATCH; i++) y[i] = r.nextBoolean() ? 1f : 0f;
                    NDArray labels = bm.create(y);
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(inputs);
                        NDArray logits = dev.feedrank.model.TwoTowerBlock.dot(out.get(0), out.get(1));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(labels), new NDList(logits));
                        gc.backward(loss);
                    }
                    trainer.step();
                }
            }
        }
    }

    private static long[] longs(SplittableRandom r, int bound) {
        long[] a = new long[BATCH];
        for (int i = 0; i < BATCH; i++) a[i] = r.nextInt(bound);
        return a;
    }

    private static float[] floats(SplittableRandom r, int width) {
        float[] a = new float[BATCH * width];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
