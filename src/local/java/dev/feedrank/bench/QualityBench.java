package dev.feedrank.bench;

import dev.feedrank.data.DatasetPreparer;
import dev.feedrank.data.DatasetSpec;
import dev.feedrank.data.PreparationSettings;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.evaluation.ModelEvaluation;
import dev.feedrank.evaluation.StrongBaselines;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.training.TrainingListener;
import dev.feedrank.training.TrainingResult;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.training.TwoTowerTrainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Quality of every training technique (each loss, with and without hard negatives, multi-task vs single-task) on
 * the synthetic default dataset and on MovieLens latest-small, with the pipeline's default settings: test AUC,
 * NDCG@10, Recall@10, HR@10 of the best-validation checkpoint, the popularity baseline, and training time, over
 * several training seeds (the data split is fixed). Prints one line per training and a markdown table (mean and
 * min..max over seeds) at the end.
 *
 * <p>Usage: {@code QualityBench [--datasets synthetic,movielens:DIR] [--techniques bce,pairwise+hard,bce+multi,...]
 * [--seeds 42,43,44] [--epochs N] [--work DIR]}. A technique label is a loss ({@code bce}, {@code weighted-bce},
 * {@code pairwise}, {@code batch-hard-triplet}, {@code in-batch-softmax}) with {@code +hard} (hard negatives) and/or
 * {@code +multi} (multi-task heads over [user, item, user*item]) or {@code +multi-concat} (the document's heads
 * over [user, item]).
 */
public final class QualityBench {

    static final List<String> ALL_TECHNIQUES = List.of("bce", "weighted-bce", "pairwise", "batch-hard-triplet", "in-batch-softmax",
            "bce+hard", "weighted-bce+hard", "pairwise+hard", "batch-hard-triplet+hard", "in-batch-softmax+hard",
            "bce+multi", "bce+multi-concat");
    static final List<String> METRICS = List.of("auc", "ndcg@10", "recall@10", "hr@10", "like.auc");

    public static void main(String[] args) throws Exception {
        DjlRuntime.ensureOffline();
        List<String> datasets = new ArrayList<>(List.of("synthetic"));
        List<String> techniques = ALL_TECHNIQUES;
        List<Long> seeds = List.of(42L, 43L, 44L);
        int epochs = 10;
        Path work = Files.createTempDirectory("feedrank-quality");
        String split = "global-time";
        boolean skipBaselines = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--datasets" -> datasets = List.of(args[++i].split(","));
                case "--techniques" -> techniques = List.of(args[++i].split(","));
                case "--seeds" -> seeds = java.util.Arrays.stream(args[++i].split(",")).map(Long::parseLong).toList();
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--split" -> split = args[++i];
                case "--no-baselines" -> skipBaselines = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        for (String t : techniques) settings(t, epochs, 0); // fail fast on a typo
        // the pipeline's defaults (FeedrankConfig): 16 sampled negatives, uniform, split 0.8/0.1, data seed 42
        PreparationSettings prep = new PreparationSettings(0.8, 0.1, 16, "uniform", 42, 2000, 1000, 200_000)
                .withSplit(split, 0.2);
        Map<String, Map<String, List<Map<String, Double>>>> results = new LinkedHashMap<>();
        Map<String, Map<String, Double>> baselines = new LinkedHashMap<>();
        Map<String, Map<String, ModelEvaluation.Scored>> baselineRows = new LinkedHashMap<>();
        for (String ds : datasets) {
            long t0 = System.nanoTime();
            PreparedDataset data = new DatasetPreparer().prepare(DatasetSpec.parse(ds), prep, work.resolve("ds" + results.size()), null);
            String name = ds.startsWith("movielens") ? "movielens" : ds;
            System.out.printf(Locale.ROOT, "dataset %s: %d train / %d validation / %d test examples, prepared in %.1fs%n", name,
                    data.train().size(), data.validation().size(), data.test().size(), (System.nanoTime() - t0) / 1e9);
            ModelEvaluation evaluation = new ModelEvaluation(data, List.of(10), 1000, 20261130L);
            Map<String, ModelEvaluation.Scored> scoredBaselines = new LinkedHashMap<>();
            scoredBaselines.put("popularity", evaluation.popularityScored());
            if (!skipBaselines) {
                for (StrongBaselines.Result b : StrongBaselines.compute(data, evaluation, new StrongBaselines.Settings(
                        List.of("puresvd", "ease"), List.of(16, 32, 64, 128, 256), List.of(100.0, 300.0, 1000.0, 3000.0), 20000, 2000, 42))) {
                    if (b.skipped() != null) {
                        System.out.printf(Locale.ROOT, "dataset %s: %s skipped: %s%n", name, b.name(), b.skipped());
                        continue;
                    }
                    scoredBaselines.put(b.name(), b.scored());
                    System.out.printf(Locale.ROOT, "dataset %s: %s %s chosen on validation (NDCG@10 per candidate %s), %.1fs%n", name,
                            b.name(), b.chosen(), b.validationNdcg(), b.seconds());
                }
            }
            baselines.put(name, scoredBaselines.get("popularity").metrics());
            baselineRows.put(name, scoredBaselines);
            System.out.printf(Locale.ROOT, "dataset %s: split %s, %d test users ranked%n", name, split, evaluation.users());
            scoredBaselines.forEach((b, sc) -> System.out.printf(Locale.ROOT, "dataset %s: %s %s%n", name, b, row(sc)));
            Map<String, List<Map<String, Double>>> byTechnique = new LinkedHashMap<>();
            results.put(name, byTechnique);
            for (String label : techniques) {
                for (long seed : seeds) {
                    TrainingSettings s = settings(label, epochs, seed);
                    long start = System.nanoTime();
                    TrainingResult r = new TwoTowerTrainer().train(data, s, new TrainingListener() {
                        @Override
                        public void epochEnded(dev.feedrank.training.EpochStats e) {
                            System.out.printf(Locale.ROOT, "  %s seed %d epoch %d: loss %.4f val auc %.4f val %s %.4f lr %.1e %.1fs%s%n", label, seed,
                                    e.epoch(), e.trainLoss(), e.validationAuc(), s.selection().metric(), e.validationMetric(),
                                    e.learningRate(), e.seconds(), e.best() ? " *" : "");
                        }
                    });
                    double seconds = (System.nanoTime() - start) / 1e9;
                    Map<String, Double> m;
                    ModelEvaluation.Scored sc;
                    try (TwoTowerModel model = r.model()) {
                        sc = evaluation.score(model.embedUsers(data.users()), model.embedItems(data.items()), model.scores());
                        m = new LinkedHashMap<>(sc.metrics());
                    }
                    System.out.printf(Locale.ROOT, "%s %s seed %d: %s%n", name, label, seed, row(sc));
                    m.put("seconds", seconds);
                    m.put("epochs", (double) r.curve().size());
                    byTechnique.computeIfAbsent(label, k -> new ArrayList<>()).add(m);
                    System.out.printf(Locale.ROOT, "%s %s seed %d: auc %.4f ndcg@10 %.4f recall@10 %.4f hr@10 %.4f like.auc %.4f"
                                    + " (popularity ndcg@10 %.4f) best epoch %d of %d, %.0fs%n",
                            name, label, seed, m.get("auc"), m.get("ndcg@10"), m.get("recall@10"), m.get("hr@10"),
                            m.getOrDefault("like.auc", Double.NaN), baselines.get(name).get("ndcg@10"), r.bestEpoch(),
                            r.curve().size(), seconds);
                }
            }
        }
        System.out.println();
        System.out.println(table(results, baselines, seeds.size(), epochs));
        System.out.println("baselines (95% bootstrap interval over the ranked users)");
        System.out.println();
        System.out.println("| dataset | baseline | NDCG@10 | Recall@10 | HR@10 |");
        System.out.println("|---|---|---|---|---|");
        baselineRows.forEach((ds, rows) -> rows.forEach((b, sc) -> System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", ds, b,
                cell(sc, "ndcg@10"), cell(sc, "recall@10"), cell(sc, "hr@10"))));
    }

    /** NDCG@10, Recall@10, HR@10 with 95% intervals. */
    static String row(ModelEvaluation.Scored sc) {
        return "ndcg@10 " + cell(sc, "ndcg@10") + " recall@10 " + cell(sc, "recall@10") + " hr@10 " + cell(sc, "hr@10");
    }

    static String cell(ModelEvaluation.Scored sc, String metric) {
        Double v = sc.metrics().get(metric);
        dev.feedrank.evaluation.Interval ci = sc.intervals().get(metric);
        return v == null ? "-" : ci == null ? String.format(Locale.ROOT, "%.4f", v)
                : String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", v, ci.low(), ci.high());
    }

    /**
     * The settings of one bench variant: a technique label, optionally followed by {@code ;key=value} overrides of
     * the trainer settings: {@code cold} (cold-start rate), {@code lr}, {@code batch}, {@code dim} (embedding),
     * {@code id} (ID-embedding width), {@code sel} (selection metric), {@code temp} (temperature), {@code epochs}, {@code sparse}
     * ({@code train.sparse-embedding-updates}: true or false).
     */
    public static TrainingSettings settings(String variant, int epochs, long seed) {
        String[] parts = variant.split(";");
        TrainingSettings.Technique t = technique(parts[0]);
        double cold = 0.5, lr = 1e-3;
        int batch = 1024, dim = 64, id = 32;
        String sel = "auc";
        String norm = "layernorm";
        int patience = 5;
        boolean sparse = TrainingSettings.DEFAULT_SPARSE_EMBEDDING_UPDATES;
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            switch (kv[0]) {
                case "cold" -> cold = Double.parseDouble(kv[1]);
                case "lr" -> lr = Double.parseDouble(kv[1]);
                case "batch" -> batch = Integer.parseInt(kv[1]);
                case "dim" -> dim = Integer.parseInt(kv[1]);
                case "id" -> id = Integer.parseInt(kv[1]);
                case "sel" -> sel = kv[1];
                case "epochs" -> epochs = Integer.parseInt(kv[1]);
                case "norm" -> norm = kv[1];
                case "patience" -> patience = Integer.parseInt(kv[1]);
                case "sparse" -> sparse = Boolean.parseBoolean(kv[1]);
                case "temp" -> t = new TrainingSettings.Technique(t.loss(), t.posWeight(), t.margin(), Double.parseDouble(kv[1]),
                        t.logqCorrection(), t.removeAccidentalHits(), t.hardNegatives(), t.multiTask());
                default -> throw new IllegalArgumentException("unknown setting '" + kv[0] + "' in " + variant);
            }
        }
        return new TrainingSettings(epochs, batch, lr, dim, id, seed, patience, 3, 0.5, 1_000_000, cold, t,
                new TrainingSettings.Selection(sel, 2000), norm, sparse);
    }

    public static TrainingSettings.Technique technique(String label) {
        String[] parts = label.split(";")[0].split("\\+");
        TrainingSettings.LossKind loss = TrainingSettings.LossKind.parse(parts[0]);
        boolean hard = false;
        TrainingSettings.MultiTask multi = TrainingSettings.MultiTask.OFF;
        for (int i = 1; i < parts.length; i++) {
            switch (parts[i]) {
                case "hard" -> hard = true;
                case "multi" -> multi = new TrainingSettings.MultiTask(true, "concat-product", 1, 1, 1);
                case "multi-concat" -> multi = new TrainingSettings.MultiTask(true, "concat", 1, 1, 1);
                default -> throw new IllegalArgumentException("unknown technique part '" + parts[i] + "' in " + label);
            }
        }
        TrainingSettings.Technique d = TrainingSettings.Technique.DEFAULT;
        return new TrainingSettings.Technique(loss, d.posWeight(), loss.defaultMargin(), d.temperature(), d.logqCorrection(),
                d.removeAccidentalHits(), hard ? new TrainingSettings.HardNegatives(true, 0.5, 10, 1, 2) : TrainingSettings.HardNegatives.OFF,
                multi);
    }

    static String table(Map<String, Map<String, List<Map<String, Double>>>> results, Map<String, Map<String, Double>> baselines,
                        int seeds, int epochs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "mean (min..max) over %d seeds, at most %d epochs, best-validation checkpoint%n%n", seeds, epochs));
        sb.append("| dataset | technique | test AUC | NDCG@10 | Recall@10 | HR@10 | like AUC | train s |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (var ds : results.entrySet()) {
            Map<String, Double> b = baselines.get(ds.getKey());
            sb.append(String.format(Locale.ROOT, "| %s | popularity baseline | - | %.4f | %.4f | %.4f | - | - |%n", ds.getKey(),
                    b.get("ndcg@10"), b.get("recall@10"), b.get("hr@10")));
            for (var t : ds.getValue().entrySet()) {
                sb.append("| ").append(ds.getKey()).append(" | ").append(t.getKey());
                for (String metric : METRICS) sb.append(" | ").append(summary(t.getValue(), metric, "%.4f"));
                sb.append(" | ").append(summary(t.getValue(), "seconds", "%.0f")).append(" |\n");
            }
        }
        return sb.toString();
    }

    static String summary(List<Map<String, Double>> runs, String metric, String fmt) {
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Map<String, Double> r : runs) {
            double v = r.getOrDefault(metric, Double.NaN);
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        String mean = String.format(Locale.ROOT, fmt, sum / runs.size());
        return runs.size() == 1 ? mean : mean + String.format(Locale.ROOT, " (" + fmt + ".." + fmt + ")", min, max);
    }
}
