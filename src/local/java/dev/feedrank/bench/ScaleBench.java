package dev.feedrank.bench;

import dev.feedrank.data.Examples;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.training.EpochStats;
import dev.feedrank.training.TrainingListener;
import dev.feedrank.training.TrainingResult;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.training.TwoTowerTrainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training rows/s as the ID vocabularies grow (issue 12): the real {@link TwoTowerTrainer} on an in-memory dataset
 * of {@code --batches} x {@code --batch-size} train rows whose users and items are drawn uniformly from
 * {@code users} x {@code items} (every user and item has its own ID-embedding row, so the tables have
 * users+1 and items+1 rows), with the same dense widths, rows, batch size, loss and threads at every size. Only
 * the vocabulary differs, so the ratio of two sizes' rows/s shows what a step costs beyond the batch.
 *
 * <p>Per size and update mode ({@code train.sparse-embedding-updates}): {@code --epochs} epochs, the first an
 * untimed warm-up, rows/s = the median of the other epochs' training loops (validation excluded). Sizes and modes
 * are interleaved, round after round ({@code --rounds}), so every figure of one run shares the machine's state.
 * Prints one {@code scale users=U items=I mode=M rows_per_s=R} line per measurement and, per mode, the median over
 * rounds and {@code ratio=} (largest size / smallest size).
 *
 * <p>Usage: {@code ScaleBench [--sizes 2000x1000,500000x100000] [--modes dense,sparse] [--batches 100]
 * [--batch-size 1024] [--epochs 3] [--rounds 1] [--loss bce] [--user-dense 20] [--item-dense 24] [--seed 42]}.
 */
public final class ScaleBench {

    public static void main(String[] args) throws Exception {
        DjlRuntime.ensureOffline();
        List<int[]> sizes = new ArrayList<>(List.of(new int[] {2000, 1000}, new int[] {500_000, 100_000}));
        List<String> modes = List.of("dense", "sparse");
        int batches = 100;
        int batch = 1024;
        int epochs = 3;
        int rounds = 1;
        String loss = "bce";
        int userDense = 20;
        int itemDense = 24;
        long seed = 42;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> {
                    sizes.clear();
                    for (String s : args[++i].split(",")) {
                        String[] ui = s.toLowerCase(Locale.ROOT).split("x");
                        sizes.add(new int[] {Integer.parseInt(ui[0]), Integer.parseInt(ui[1])});
                    }
                }
                case "--modes" -> modes = List.of(args[++i].split(","));
                case "--batches" -> batches = Integer.parseInt(args[++i]);
                case "--batch-size" -> batch = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--loss" -> loss = args[++i];
                case "--user-dense" -> userDense = Integer.parseInt(args[++i]);
                case "--item-dense" -> itemDense = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        for (String m : modes) {
            if (!m.equals("dense") && !m.equals("sparse")) throw new IllegalArgumentException("--modes takes dense and/or sparse, got " + m);
        }
        if (epochs < 2) throw new IllegalArgumentException("--epochs must be >= 2 (the first is an untimed warm-up)");
        TrainingSettings.Technique tech = QualityBench.technique(loss);
        int rows = batches * batch;
        System.out.printf(Locale.ROOT, "scale bench: %d train rows (%d batches of %d), %d epochs (first untimed), loss %s, "
                + "dense widths user %d / item %d, modes %s, %d round(s)%n", rows, batches, batch, epochs, loss, userDense, itemDense, modes, rounds);
        Map<String, List<Double>> results = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (int[] size : sizes) {
                PreparedDataset data = dataset(size[0], size[1], userDense, itemDense, rows, seed);
                for (String mode : modes) {
                    TrainingSettings s = new TrainingSettings(epochs, batch, 1e-3, 64, 32, seed, 1000, 3, 0.5, 1_000_000, 0.0, tech)
                            .withSparseEmbeddingUpdates(mode.equals("sparse"));
                    List<Double> rates = new ArrayList<>();
                    TrainingResult r = new TwoTowerTrainer().train(data, s, new TrainingListener() {
                        @Override
                        public void epochEnded(EpochStats e) {
                            if (e.epoch() > 1) rates.add(e.samplesPerSecond());
                        }
                    });
                    r.model().close();
                    rates.sort(null);
                    double median = rates.get(rates.size() / 2);
                    System.out.printf(Locale.ROOT, "scale round=%d users=%d items=%d mode=%s rows_per_s=%.0f epochs_rows_per_s=%s%n",
                            round, size[0], size[1], mode, median, rates.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList());
                    results.computeIfAbsent(mode + " " + size[0] + "x" + size[1], k -> new ArrayList<>()).add(median);
                }
            }
        }
        System.out.println();
        for (String mode : modes) {
            double first = Double.NaN;
            double last = Double.NaN;
            for (int[] size : sizes) {
                List<Double> v = new ArrayList<>(results.get(mode + " " + size[0] + "x" + size[1]));
                v.sort(null);
                double med = v.get(v.size() / 2);
                if (Double.isNaN(first)) first = med;
                last = med;
                System.out.printf(Locale.ROOT, "mode=%s users=%d items=%d rows_per_s=%.0f (median of %d round(s))%n", mode, size[0], size[1], med, v.size());
            }
            System.out.printf(Locale.ROOT, "mode=%s ratio=%.2f (largest / smallest size)%n", mode, last / first);
        }
    }

    /**
     * {@code rows} train rows with users and items uniform over the vocabularies, a click rate of ~0.3, features
     * N(0, 1), and a small validation split (the trainer validates after each epoch; that is not timed).
     */
    static PreparedDataset dataset(int users, int items, int userDense, int itemDense, int rows, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        FeatureTable u = table("u", users, userDense, rnd);
        FeatureTable i = table("i", items, itemDense, rnd);
        Examples train = examples(rows, users, items, rnd);
        Examples validation = examples(Math.max(1000, rows / 20), users, items, rnd);
        return new PreparedDataset("scale-bench-" + users + "x" + items + "x" + rows + "-" + seed, "scale-bench", u, i, train,
                validation, validation, Map.of());
    }

    private static FeatureTable table(String prefix, int n, int width, SplittableRandom rnd) {
        String[] ids = new String[n];
        int[] vocab = new int[n];
        float[] dense = new float[n * width];
        List<String> names = new ArrayList<>();
        for (int c = 0; c < width; c++) names.add("f" + c);
        for (int r = 0; r < n; r++) {
            ids[r] = prefix + r;
            vocab[r] = r + 1;
        }
        for (int k = 0; k < dense.length; k++) dense[k] = (float) gaussian(rnd);
        return new FeatureTable(ids, vocab, n + 1, dense, names);
    }

    private static Examples examples(int n, int users, int items, SplittableRandom rnd) {
        int[] user = new int[n];
        int[] item = new int[n];
        float[] click = new float[n];
        boolean[] sampled = new boolean[n];
        long[] ts = new long[n];
        for (int k = 0; k < n; k++) {
            user[k] = rnd.nextInt(users);
            item[k] = rnd.nextInt(items);
            click[k] = rnd.nextDouble() < 0.3 ? 1f : 0f;
            ts[k] = k;
        }
        return new Examples(user, item, click, new float[n], new float[n], sampled, ts);
    }

    private static double gaussian(SplittableRandom rnd) {
        double a = rnd.nextDouble();
        double b = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b);
    }
}
