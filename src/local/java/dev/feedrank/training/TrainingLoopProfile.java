package dev.feedrank.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import dev.feedrank.bench.TrainingThroughputBench;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.model.TwoTowerModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where the time of one DJL training batch goes. Runs {@link TwoTowerTrainer}'s per-batch loop on the trainer's own
 * batch code ({@link TrainingBatches}: the same batch assembly, per-batch seeds and loss; dense parameter updates,
 * no validation) on {@code bench/training-throughput}'s dataset and settings (synthetic default, one fixed draw of
 * train negatives), with a timer around each part: batch (gather + negatives), forward, loss, backward + loss
 * read-back, optimizer step, batch scope close. Prints ms per batch per part for every epoch, and the spread of the
 * batch times (p10 / p50 / p90 / max), so a slow epoch shows whether a part or a few batches made it slow.
 * Lives in {@code src/local} (not in the production jar), in the trainer's package to reuse its batch code.
 * Usage: {@code TrainingLoopProfile --out DIR [--epochs 5] [--batch-size 1024]}.
 */
public final class TrainingLoopProfile {

    public static void main(String[] args) throws Exception {
        DjlRuntime.ensureOffline();
        TrainingThroughputBench.Args a = TrainingThroughputBench.Args.parse(args, 5);
        int epochs = a.epochs();
        int batch = a.batchSize();
        // TrainingThroughputBench's dataset and settings
        PreparedDataset data = TrainingThroughputBench.dataset(a.out());
        TrainingSettings s = TrainingThroughputBench.settings(epochs, batch);
        long seed = s.seed();
        TrainingBatches view = new TrainingBatches(data, s.technique());
        int n = view.size();
        int batches = (n + batch - 1) / batch;
        Engine engine = Engine.getInstance();
        String[] parts = {"batch", "forward", "loss", "backward+getFloat", "step", "close"};
        System.out.printf(Locale.ROOT, "%d training rows, %d batches of %d, loss %s, intra-op threads %s%n", n, batches, batch,
                s.technique().loss().configName, System.getProperty("ai.djl.pytorch.num_threads", "(engine default)"));
        try (TwoTowerModel model = TwoTowerModel.create(TwoTowerTrainer.modelSpec(data, s));
             NDManager tensors = model.manager().newSubManager();
             NDManager state = model.manager().newSubManager()) {
            ResumableAdam adam = ResumableAdam.builder().optLearningRateTracker(Tracker.fixed((float) s.learningRate()))
                    .stateManager(state).build();
            view.load(tensors, null);
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                    .optOptimizer(adam).optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.djlModel().newTrainer(cfg)) {
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    long[] t = new long[parts.length];
                    long[] perBatch = new long[batches];
                    long f0 = minorFaults();
                    long e0 = System.nanoTime();
                    try (NDManager em = tensors.newSubManager()) {
                        int[] order = TwoTowerTrainer.permutation(n, TwoTowerTrainer.epochShuffle(seed, epoch));
                        for (int b = 0; b < batches; b++) {
                            int from = b * batch;
                            int to = Math.min(n, from + batch);
                            engine.setRandomSeed(TwoTowerTrainer.batchSeed(seed, epoch, b));
                            long c0 = System.nanoTime();
                            NDManager bm = em.newSubManager();
                            TrainingBatches.Batch xs = view.batch(Arrays.copyOfRange(order, from, to), bm, s.coldStartRate(),
                                    false, TwoTowerTrainer.negativeSeed(seed, epoch, b));
                            long c1 = System.nanoTime();
                            long c2, c3, c4;
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList logits = trainer.forward(xs.inputs());
                                c2 = System.nanoTime();
                                NDArray loss = view.loss(logits, xs);
                                c3 = System.nanoTime();
                                gc.backward(loss);
                                loss.getFloat();
                                c4 = System.nanoTime();
                            }
                            trainer.step();
                            long c5 = System.nanoTime();
                            bm.close();
                            long c6 = System.nanoTime();
                            long[] d = {c1 - c0, c2 - c1, c3 - c2, c4 - c3, c5 - c4, c6 - c5};
                            for (int k = 0; k < d.length; k++) t[k] += d[k];
                            perBatch[b] = c6 - c0;
                        }
                    }
                    double secs = (System.nanoTime() - e0) / 1e9;
                    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d%s: %.0f samples/s, ms/batch:",
                            epoch, epoch == 1 ? " (warm-up)" : "", n / secs));
                    long sum = 0;
                    for (int k = 0; k < parts.length; k++) {
                        sb.append(String.format(Locale.ROOT, " %s %.3f", parts[k], t[k] / 1e6 / batches));
                        sum += t[k];
                    }
                    Arrays.sort(perBatch);
                    sb.append(String.format(Locale.ROOT, " | total %.3f | batch ms p10 %.2f p50 %.2f p90 %.2f max %.2f"
                                    + " | minor page faults/batch %.0f",
                            sum / 1e6 / batches, perBatch[batches / 10] / 1e6, perBatch[batches / 2] / 1e6,
                            perBatch[batches * 9 / 10] / 1e6, perBatch[batches - 1] / 1e6,
                            (minorFaults() - f0) / (double) batches));
                    System.out.println(sb);
                }
            }
        }
    }

    /** The process's minor page faults so far (Linux {@code /proc/self/stat}, field 10), or -1 elsewhere. */
    private static long minorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]);
        } catch (Exception e) {
            return -1;
        }
    }
}
