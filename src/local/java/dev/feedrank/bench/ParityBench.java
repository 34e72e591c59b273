package dev.feedrank.bench;

import dev.feedrank.data.DatasetPreparer;
import dev.feedrank.data.DatasetSpec;
import dev.feedrank.data.PreparationSettings;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.evaluation.ClassificationMetrics;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.model.EmbeddingScores;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.training.EpochStats;
import dev.feedrank.training.TrainingListener;
import dev.feedrank.training.TrainingResult;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.training.TwoTowerTrainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * AUC parity of the DJL two-tower training with the PyTorch peer ({@code bench/parity/parity_peer.py}): prepares the
 * synthetic default dataset exactly as the pipeline does with feedrank's defaults (negatives 16 uniform, split
 * 0.8/0.1, 2000 users x 1000 items x 200k impressions, preparation seed 42), writes its tensors (train, validation,
 * test) as npy for the peer, then trains with {@link TwoTowerTrainer} and feedrank's default training settings
 * (epochs 10, batch 1024, lr 1e-3, embedding 64, id-embedding 32, ReduceLROnPlateau factor 0.5 patience 3, early
 * stopping patience 5, cold-start rate 0.5) once per training seed and prints the test AUC of the best-validation
 * checkpoint: one line {@code djl seed=S best_epoch=E best_val_auc=V test_auc=T epochs_run=N} per seed.
 * Usage: {@code ParityBench --out DIR [--seeds 3] [--first-seed 42] [--epochs 10] [--cold-start-rate 0.5]
 * [--no-train]}.
 */
public final class ParityBench {

    public static void main(String[] args) throws Exception {
        DjlRuntime.ensureOffline();
        Path out = null;
        int seeds = 3;
        long firstSeed = 42;
        int epochs = 10;
        double cold = 0.5;
        boolean train = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--first-seed" -> firstSeed = Long.parseLong(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--cold-start-rate" -> cold = Double.parseDouble(args[++i]);
                case "--no-train" -> train = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (out == null) throw new IllegalArgumentException("--out DIR is required");
        Files.createDirectories(out);
        long dataSeed = 42;
        PreparationSettings prep = new PreparationSettings(0.8, 0.1, 16, "uniform", dataSeed, 2000, 1000, 200_000);
        long t0 = System.nanoTime();
        PreparedDataset data = new DatasetPreparer().prepare(DatasetSpec.parse("synthetic"), prep, out.resolve("work"), null)
                .withFixedTrainNegatives(prep.seed()); // the peer trains on one fixed draw: so does DJL here
        System.err.printf(Locale.ROOT, "prepared synthetic defaults in %.1fs: train %d, validation %d, test %d, user dense %d, item dense %d%n",
                (System.nanoTime() - t0) / 1e9, data.train().size(), data.validation().size(), data.test().size(),
                data.users().width(), data.items().width());
        TrainingThroughputBench.writeTensors(data, out, epochs, 1024, firstSeed);
        if (!train) return;
        for (int k = 0; k < seeds; k++) {
            long seed = firstSeed + k;
            // feedrank's defaults (FeedrankConfig.Train) but the seed and, if given, epochs / cold-start rate
            TrainingSettings s = new TrainingSettings(epochs, 1024, 1e-3, 64, 32, seed, 5, 3, 0.5, 1_000_000, cold);
            long start = System.nanoTime();
            TrainingResult r = new TwoTowerTrainer().train(data, s, new TrainingListener() {
                @Override
                public void epochEnded(EpochStats e) {
                    System.err.printf(Locale.ROOT, "djl seed %d epoch %d: loss %.4f val AUC %.4f lr %.2g %.0f samples/s%n",
                            seed, e.epoch(), e.trainLoss(), e.validationAuc(), e.learningRate(), e.samplesPerSecond());
                }
            });
            try (TwoTowerModel m = r.model()) {
                float[] u = m.embedUsers(data.users());
                float[] i = m.embedItems(data.items());
                float[] p = EmbeddingScores.probabilities(u, i, m.spec().embeddingDim(), data.test());
                double testAuc = ClassificationMetrics.auc(p, data.test().click());
                System.out.printf(Locale.ROOT, "djl seed=%d best_epoch=%d best_val_auc=%.4f test_auc=%.4f epochs_run=%d seconds=%.0f%n",
                        seed, r.bestEpoch(), r.bestValidationAuc(), testAuc, r.curve().size(), (System.nanoTime() - start) / 1e9);
            }
        }
    }
}
