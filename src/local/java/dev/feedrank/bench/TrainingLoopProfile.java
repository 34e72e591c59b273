package dev.feedrank.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import dev.feedrank.data.DatasetPreparer;
import dev.feedrank.data.DatasetSpec;
import dev.feedrank.data.Examples;
import dev.feedrank.data.PreparationSettings;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.model.ModelSpec;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.training.ResumableAdam;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Where the time of one DJL training batch goes: a copy of {@code TwoTowerTrainer}'s per-batch loop (cold-start rate
 * 0, as the throughput bench; the old and the new way of gathering a batch's examples alternate by epoch) with a
 * timer around each part (gather, forward, loss, backward + loss read-back,
 * optimizer step, batch scope close). Dataset as {@link TrainingThroughputBench}. Prints ms per batch per part for
 * each epoch after the first (warm-up). Usage: {@code TrainingLoopProfile --out DIR [--epochs 5] [--batch-size 1024]}.
 */
public final class TrainingLoopProfile {

    public static void main(String[] args) throws Exception {
        DjlRuntime.ensureOffline();
        Path out = null;
        int epochs = 5;
        int batch = 1024;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--batch-size" -> batch = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (out == null) throw new IllegalArgumentException("--out DIR is required");
        Files.createDirectories(out);
        long seed = 42;
        PreparedDataset data = new DatasetPreparer().prepare(DatasetSpec.parse("synthetic"),
                new PreparationSettings(0.8, 0.1, 8, "uniform", seed, 2000, 1000, 200_000), out.resolve("work"), null);
        Examples train = data.train();
        int n = train.size();
        int batches = (n + batch - 1) / batch;
        Engine engine = Engine.getInstance();
        engine.setRandomSeed((int) seed);
        ModelSpec spec = new ModelSpec(data.users().vocabSize(), data.users().width(), data.items().vocabSize(),
                data.items().width(), 32, 64);
        String[] parts = {"gather", "forward", "loss", "backward+getFloat", "step", "close"};
        try (TwoTowerModel model = TwoTowerModel.create(spec);
             NDManager tensors = model.manager().newSubManager();
             NDManager state = model.manager().newSubManager()) {
            ResumableAdam adam = ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(1e-3f)).stateManager(state).build();
            NDArray userVocab = tensors.create(toLong(data.users().vocabIndex()));
            NDArray userDense = tensors.create(data.users().dense(), new Shape(data.users().rows(), data.users().width()));
            NDArray itemVocab = tensors.create(toLong(data.items().vocabIndex()));
            NDArray itemDense = tensors.create(data.items().dense(), new Shape(data.items().rows(), data.items().width()));
            NDArray trainUser = tensors.create(toLong(train.user()));
            NDArray trainItem = tensors.create(toLong(train.item()));
            NDArray trainLabel = tensors.create(train.click());
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                    .optOptimizer(adam).optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.djlModel().newTrainer(cfg)) {
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    // epoch 1: warm-up (old gather); then the old gather (slice the permutation, gather the example
                    // columns by it per batch) and the new one (TwoTowerTrainer: gather the epoch's columns once, slice
                    // per batch) alternate: 2 old, 3 new, 4 old, ...
                    boolean fast = epoch > 1 && epoch % 2 == 1;
                    long[] t = new long[parts.length];
                    long e0 = System.nanoTime();
                    try (NDManager em = tensors.newSubManager()) {
                        NDArray order = em.create(toLong(permutation(n, new SplittableRandom(seed + epoch))));
                        NDArray eu = fast ? trainUser.get(order) : null;
                        NDArray ei = fast ? trainItem.get(order) : null;
                        NDArray el = fast ? trainLabel.get(order) : null;
                        for (int b = 0; b < batches; b++) {
                            int from = b * batch;
                            int to = Math.min(n, from + batch);
                            engine.setRandomSeed((int) (seed * 31 + epoch * 100_003L + b));
                            long c0 = System.nanoTime();
                            NDManager bm = em.newSubManager();
                            NDArray u;
                            NDArray i;
                            NDArray labels;
                            if (fast) {
                                NDIndex slice = new NDIndex().addSliceDim(from, to);
                                u = attach(eu.get(slice), bm);
                                i = attach(ei.get(slice), bm);
                                labels = attach(el.get(slice), bm);
                            } else {
                                NDArray rows = attach(order.get(new NDIndex("{}:{}", from, to)), bm);
                                u = attach(trainUser.get(rows), bm);
                                i = attach(trainItem.get(rows), bm);
                                labels = attach(trainLabel.get(rows), bm);
                            }
                            NDList inputs = new NDList(attach(userVocab.get(u), bm), attach(userDense.get(u), bm),
                                    attach(itemVocab.get(i), bm), attach(itemDense.get(i), bm));
                            long c1 = System.nanoTime();
                            long c2, c3, c4;
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList logits = trainer.forward(inputs);
                                c2 = System.nanoTime();
                                NDArray loss = trainer.getLoss().evaluate(new NDList(labels), logits);
                                c3 = System.nanoTime();
                                gc.backward(loss);
                                loss.getFloat();
                                c4 = System.nanoTime();
                            }
                            trainer.step();
                            long c5 = System.nanoTime();
                            bm.close();
                            long c6 = System.nanoTime();
                            t[0] += c1 - c0;
                            t[1] += c2 - c1;
                            t[2] += c3 - c2;
                            t[3] += c4 - c3;
                            t[4] += c5 - c4;
                            t[5] += c6 - c5;
                        }
                    }
                    double secs = (System.nanoTime() - e0) / 1e9;
                    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d%s: %.0f samples/s, ms/batch:",
                            epoch, epoch == 1 ? " (warm-up)" : fast ? " NEW" : " OLD", n / secs));
                    long sum = 0;
                    for (int k = 0; k < parts.length; k++) {
                        sb.append(String.format(Locale.ROOT, " %s %.3f", parts[k], t[k] / 1e6 / batches));
                        sum += t[k];
                    }
                    sb.append(String.format(Locale.ROOT, " | total %.3f", sum / 1e6 / batches));
                    System.out.println(sb);
                }
            }
        }
    }

    private static NDArray attach(NDArray a, NDManager m) {
        a.attach(m);
        return a;
    }

    private static long[] toLong(int[] a) {
        long[] o = new long[a.length];
        for (int i = 0; i < a.length; i++) o[i] = a[i];
        return o;
    }

    private static int[] permutation(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int x = p[i];
            p[i] = p[j];
            p[j] = x;
        }
        return p;
    }
}
