package dev.feedrank.bench;

import dev.feedrank.data.DatasetPreparer;
import dev.feedrank.data.DatasetSpec;
import dev.feedrank.data.Examples;
import dev.feedrank.data.PreparationSettings;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.registry.Npy;
import dev.feedrank.training.EpochStats;
import dev.feedrank.training.TrainingListener;
import dev.feedrank.training.TrainingResult;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.training.TwoTowerTrainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training throughput of the DJL two-tower model on the synthetic default dataset. Writes the prepared tensors
 * (npy) for the PyTorch peer ({@code bench/peer/two_tower_peer.py}) and prints {@code djl_samples_per_s=N}: the
 * median over the timed epochs (one untimed warm-up epoch first).
 * Usage: {@code TrainingThroughputBench --out DIR [--epochs N] [--batch-size B]}.
 */
public final class TrainingThroughputBench {

    /** Command line of this bench and of {@code dev.feedrank.training.TrainingLoopProfile}. */
    public record Args(Path out, int epochs, int batchSize) {
        public static Args parse(String[] args, int defaultEpochs) throws java.io.IOException {
            Path out = null;
            int epochs = defaultEpochs;
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
            return new Args(out, epochs, batch);
        }
    }

    static final long SEED = 42;

    /** The synthetic default, prepared under {@code out/work}, with one fixed draw of train negatives (as the peer). */
    public static PreparedDataset dataset(Path out) throws Exception {
        PreparationSettings prep = new PreparationSettings(0.8, 0.1, 8, "uniform", SEED, 2000, 1000, 200_000);
        return new DatasetPreparer().prepare(DatasetSpec.parse("synthetic"), prep, out.resolve("work"), null)
                .withFixedTrainNegatives(prep.seed()); // the peer trains on one fixed draw: so does DJL here
    }

    /** The peer's hyper-parameters: batch, Adam at 1e-3, embedding 64, ID embedding 32, seed 42. */
    public static TrainingSettings settings(int epochs, int batchSize) {
        return new TrainingSettings(epochs, batchSize, 1e-3, 64, 32, SEED, 1000, 3, 0.5, 100, 0.0);
    }

    public static void main(String[] cli) throws Exception {
        DjlRuntime.ensureOffline();
        Args args = Args.parse(cli, 3);
        Path out = args.out();
        int epochs = args.epochs();
        int batch = args.batchSize();
        long seed = SEED;
        long t0 = System.nanoTime();
        PreparedDataset data = dataset(out);
        System.out.printf(Locale.ROOT, "prepared synthetic 2000x1000x200000 in %.1fs: %d train examples, user dense %d, item dense %d%n",
                (System.nanoTime() - t0) / 1e9, data.train().size(), data.users().width(), data.items().width());
        writeTensors(data, out, epochs, batch, seed);

        TrainingSettings s = settings(epochs + 1, batch);
        List<Double> rates = new ArrayList<>();
        TrainingResult r = new TwoTowerTrainer().train(data, s, new TrainingListener() {
            @Override
            public void epochEnded(EpochStats e) {
                System.out.printf(Locale.ROOT, "epoch %d%s: %.0f samples/s, loss %.4f, val AUC %.4f%n", e.epoch(),
                        e.epoch() == 1 ? " (warm-up, untimed)" : "", e.samplesPerSecond(), e.trainLoss(), e.validationAuc());
                if (e.epoch() > 1) rates.add(e.samplesPerSecond());
            }
        });
        r.model().close();
        rates.sort(null);
        double median = rates.get(rates.size() / 2);
        System.out.printf(Locale.ROOT, "djl_samples_per_s=%.0f%n", median);
    }

    static void writeTensors(PreparedDataset d, Path out, int epochs, int batch, long seed) throws Exception {
        Files.write(out.resolve("users_vocab.npy"), Npy.writeInt64(d.users().vocabIndex()));
        Files.write(out.resolve("users_dense.npy"), Npy.write(d.users().dense(), d.users().rows(), d.users().width()));
        Files.write(out.resolve("items_vocab.npy"), Npy.writeInt64(d.items().vocabIndex()));
        Files.write(out.resolve("items_dense.npy"), Npy.write(d.items().dense(), d.items().rows(), d.items().width()));
        split(out, "train", d.train());
        split(out, "validation", d.validation());
        split(out, "test", d.test());
        String meta = String.format(Locale.ROOT, "{\"user_vocab_size\": %d, \"item_vocab_size\": %d, \"id_embedding_dim\": 32, "
                        + "\"embedding_dim\": 64, \"batch_size\": %d, \"epochs\": %d, \"learning_rate\": 0.001, \"seed\": %d}",
                d.users().vocabSize(), d.items().vocabSize(), batch, epochs, seed);
        Files.writeString(out.resolve("meta.json"), meta);
    }

    private static void split(Path out, String name, Examples e) throws Exception {
        Files.write(out.resolve(name + "_user.npy"), Npy.writeInt64(e.user()));
        Files.write(out.resolve(name + "_item.npy"), Npy.writeInt64(e.item()));
        Files.write(out.resolve(name + "_label.npy"), Npy.write(e.click()));
    }
}
