package dev.feedrank.training;

import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.evaluation.ModelEvaluation;

import java.util.List;
import java.util.Locale;

/** The knobs of one training run (from {@code feedrank.train.*}). */
public record TrainingSettings(int epochs, int batchSize, double learningRate, int embeddingDim, int idEmbeddingDim,
                               long seed, int earlyStoppingPatience, int lrPatience, double lrFactor, int logEveryBatches,
                               double coldStartRate, Technique technique, Selection selection, String outputNorm,
                               boolean sparseEmbeddingUpdates) {

    /**
     * Whether the ID-embedding tables are updated row-wise (only the rows a batch touched, lazy Adam) instead of
     * densely by DJL's parameter server when nothing says otherwise: what {@code train.sparse-embedding-updates=auto}
     * resolves to below {@link #SPARSE_AUTO_MIN_ID_ROWS} ID-embedding rows, i.e. at every size the quality evidence
     * covers (docs/training.md).
     */
    public static final boolean DEFAULT_SPARSE_EMBEDDING_UPDATES = false;

    /** As the canonical constructor with the default {@link #DEFAULT_SPARSE_EMBEDDING_UPDATES}. */
    public TrainingSettings(int epochs, int batchSize, double learningRate, int embeddingDim, int idEmbeddingDim,
                            long seed, int earlyStoppingPatience, int lrPatience, double lrFactor, int logEveryBatches,
                            double coldStartRate, Technique technique, Selection selection, String outputNorm) {
        this(epochs, batchSize, learningRate, embeddingDim, idEmbeddingDim, seed, earlyStoppingPatience, lrPatience,
                lrFactor, logEveryBatches, coldStartRate, technique, selection, outputNorm, DEFAULT_SPARSE_EMBEDDING_UPDATES);
    }

    public TrainingSettings(int epochs, int batchSize, double learningRate, int embeddingDim, int idEmbeddingDim,
                            long seed, int earlyStoppingPatience, int lrPatience, double lrFactor, int logEveryBatches,
                            double coldStartRate, Technique technique, Selection selection) {
        this(epochs, batchSize, learningRate, embeddingDim, idEmbeddingDim, seed, earlyStoppingPatience, lrPatience,
                lrFactor, logEveryBatches, coldStartRate, technique, selection, dev.feedrank.model.ModelSpec.LAYERNORM);
    }

    /** As the canonical constructor, selecting by validation AUC (the behaviour before {@code train.selection-metric}). */
    public TrainingSettings(int epochs, int batchSize, double learningRate, int embeddingDim, int idEmbeddingDim,
                            long seed, int earlyStoppingPatience, int lrPatience, double lrFactor, int logEveryBatches,
                            double coldStartRate, Technique technique) {
        this(epochs, batchSize, learningRate, embeddingDim, idEmbeddingDim, seed, earlyStoppingPatience, lrPatience,
                lrFactor, logEveryBatches, coldStartRate, technique, Selection.AUC);
    }

    /** The document's default technique: pointwise BCE on sampled negatives, one click task, no mining. */
    public TrainingSettings(int epochs, int batchSize, double learningRate, int embeddingDim, int idEmbeddingDim,
                            long seed, int earlyStoppingPatience, int lrPatience, double lrFactor, int logEveryBatches,
                            double coldStartRate) {
        this(epochs, batchSize, learningRate, embeddingDim, idEmbeddingDim, seed, earlyStoppingPatience, lrPatience,
                lrFactor, logEveryBatches, coldStartRate, Technique.DEFAULT);
    }

    public TrainingSettings {
        if (technique == null) technique = Technique.DEFAULT;
        if (selection == null) selection = Selection.AUC;
        outputNorm = new dev.feedrank.model.ModelSpec(1, 0, 1, 0, 1, 1, List.of(), null, outputNorm).outputNorm(); // validates
    }

    public TrainingSettings with(Technique t) {
        return new TrainingSettings(epochs, batchSize, learningRate, embeddingDim, idEmbeddingDim, seed,
                earlyStoppingPatience, lrPatience, lrFactor, logEveryBatches, coldStartRate, t, selection, outputNorm, sparseEmbeddingUpdates);
    }

    public TrainingSettings with(Selection sel) {
        return new TrainingSettings(epochs, batchSize, learningRate, embeddingDim, idEmbeddingDim, seed,
                earlyStoppingPatience, lrPatience, lrFactor, logEveryBatches, coldStartRate, technique, sel, outputNorm, sparseEmbeddingUpdates);
    }

    public TrainingSettings withOutputNorm(String norm) {
        return new TrainingSettings(epochs, batchSize, learningRate, embeddingDim, idEmbeddingDim, seed,
                earlyStoppingPatience, lrPatience, lrFactor, logEveryBatches, coldStartRate, technique, selection, norm, sparseEmbeddingUpdates);
    }

    public TrainingSettings withSparseEmbeddingUpdates(boolean sparse) {
        return new TrainingSettings(epochs, batchSize, learningRate, embeddingDim, idEmbeddingDim, seed,
                earlyStoppingPatience, lrPatience, lrFactor, logEveryBatches, coldStartRate, technique, selection, outputNorm, sparse);
    }

    /**
     * What model selection follows (early stopping, the plateau LR schedule and the best checkpoint):
     * {@code auc} (pointwise AUC on the validation split's positives and sampled negatives) or a ranking metric
     * ({@code ndcg@10}, {@code recall@20}, ...; {@code ndcg}, {@code recall}, {@code hr}, {@code mrr}, {@code precision})
     * of full-corpus ranking for at most {@code users} validation users (seeded sample), masking their train items.
     */
    public record Selection(String metric, int users) {
        public static final Selection AUC = new Selection("auc", 0);

        public Selection {
            metric = metric == null ? "auc" : metric.trim().toLowerCase(Locale.ROOT);
            if (!metric.equals("auc")) {
                int at = metric.indexOf('@');
                String base = at < 0 ? "" : metric.substring(0, at);
                int k;
                try {
                    k = at < 0 ? -1 : Integer.parseInt(metric.substring(at + 1));
                } catch (NumberFormatException e) {
                    k = -1;
                }
                if (!List.of("ndcg", "recall", "hr", "mrr", "precision").contains(base) || k < 1) {
                    throw new IllegalArgumentException("train.selection-metric must be 'auc' or a ranking metric such as "
                            + "'ndcg@10' (ndcg, recall, hr, mrr or precision @ K >= 1), got '" + metric + "'");
                }
                if (users < 1) throw new IllegalArgumentException("train.selection-users must be >= 1, got " + users);
            }
        }

        public boolean ranking() {
            return !metric.equals("auc");
        }

        /** The K of a ranking metric. */
        public int k() {
            return Integer.parseInt(metric.substring(metric.indexOf('@') + 1));
        }
    }

    /** The settings of a run: {@code train.*}, with the cold-start rate's default depending on the split strategy. */
    public static TrainingSettings from(FeedrankConfig c) {
        return from(c.train(), c.split().strategy());
    }

    /**
     * As {@link #from(FeedrankConfig)} for a model whose ID-embedding tables have {@code idRows} rows (users +
     * items, OOV rows included): what resolves {@code train.sparse-embedding-updates=auto}.
     */
    public static TrainingSettings from(FeedrankConfig c, long idRows) {
        return from(c).withSparseEmbeddingUpdates(sparseEmbeddingUpdates(c.train().sparseEmbeddingUpdates(), idRows));
    }

    /**
     * ID-embedding rows (users + items) from which {@code train.sparse-embedding-updates=auto} updates the tables
     * row-wise: below it a dense step costs at most about a third more than a sparse one (measured 46k vs. 69k rows/s
     * at 120k rows against 3k, docs/training.md), above it the dense update of the whole tables dominates.
     */
    public static final long SPARSE_AUTO_MIN_ID_ROWS = 100_000;

    /**
     * {@code train.sparse-embedding-updates}: {@code true}, {@code false}, or {@code auto} (row-wise from
     * {@link #SPARSE_AUTO_MIN_ID_ROWS} ID-embedding rows on; {@code idRows} &lt; 0: not known, dense).
     */
    public static boolean sparseEmbeddingUpdates(String configured, long idRows) {
        String v = configured == null ? "auto" : configured.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> idRows >= SPARSE_AUTO_MIN_ID_ROWS;
            default -> throw new IllegalArgumentException("train.sparse-embedding-updates must be auto, true or false, got '"
                    + configured + "'");
        };
    }

    /** {@code train.cold-start-rate} when set, else 0.5 for {@code global-time} and 0 for the per-user splits. */
    public static double coldStartRate(FeedrankConfig.Train t, String splitStrategy) {
        return t.coldStartRate().orElse(splitStrategy == null || splitStrategy.trim().equalsIgnoreCase("global-time") ? 0.5 : 0.0);
    }

    /** As a global-time run. */
    public static TrainingSettings from(FeedrankConfig.Train t) {
        return from(t, "global-time");
    }

    public static TrainingSettings from(FeedrankConfig.Train t, String splitStrategy) {
        return new TrainingSettings(t.epochs(), t.batchSize(), t.learningRate(), t.embeddingDim(), t.idEmbeddingDim(),
                t.seed(), t.earlyStoppingPatience(), t.lrPatience(), t.lrFactor(), t.logEveryBatches(),
                coldStartRate(t, splitStrategy), Technique.from(t), new Selection(t.selectionMetric(), t.selectionUsers()),
                outputNorm(t.outputNorm(), LossKind.parse(t.loss())), sparseEmbeddingUpdates(t.sparseEmbeddingUpdates(), -1));
    }

    /** {@code auto}: unit-length outputs for the in-batch softmax, LayerNorm (the document's) for the other losses. */
    public static String outputNorm(String configured, LossKind loss) {
        String v = configured == null ? "auto" : configured.trim().toLowerCase(Locale.ROOT);
        if (!v.equals("auto")) return v;
        return loss == LossKind.IN_BATCH_SOFTMAX ? dev.feedrank.model.ModelSpec.L2 : dev.feedrank.model.ModelSpec.LAYERNORM;
    }

    /** Losses by their configuration name. */
    public enum LossKind {
        BCE("bce"), WEIGHTED_BCE("weighted-bce"), PAIRWISE("pairwise"), BATCH_HARD_TRIPLET("batch-hard-triplet"),
        IN_BATCH_SOFTMAX("in-batch-softmax");

        public final String configName;

        LossKind(String configName) {
            this.configName = configName;
        }

        public static LossKind parse(String name) {
            for (LossKind k : values()) if (k.configName.equalsIgnoreCase(name.trim())) return k;
            throw new IllegalArgumentException("train.loss must be one of " + names() + ", got '" + name + "'");
        }

        public static List<String> names() {
            return java.util.Arrays.stream(values()).map(k -> k.configName).toList();
        }

        /** Whether the loss trains on (positive, one negative) pairs per positive rather than on every example. */
        public boolean pairsPerPositive() {
            return this == PAIRWISE || this == IN_BATCH_SOFTMAX;
        }

        public double defaultMargin() {
            return this == BATCH_HARD_TRIPLET ? 0.3 : 0.5;
        }
    }

    public record HardNegatives(boolean enabled, double mixRatio, int topK, int refreshEveryEpochs, int startEpoch) {
        public static final HardNegatives OFF = new HardNegatives(false, 0.5, 10, 1, 2);

        public HardNegatives {
            if (enabled) {
                if (!(mixRatio >= 0 && mixRatio <= 1)) throw new IllegalArgumentException("train.hard-negatives.mix-ratio must be in [0, 1], got " + mixRatio);
                if (topK < 1) throw new IllegalArgumentException("train.hard-negatives.top-k must be >= 1, got " + topK);
                if (refreshEveryEpochs < 1) throw new IllegalArgumentException("train.hard-negatives.refresh-every-epochs must be >= 1, got " + refreshEveryEpochs);
                if (startEpoch < 1) throw new IllegalArgumentException("train.hard-negatives.start-epoch must be >= 1, got " + startEpoch);
            }
        }

        /** Whether the table is (re)mined at the start of this epoch. */
        public boolean refreshAt(int epoch) {
            return enabled && epoch >= startEpoch && (epoch - startEpoch) % refreshEveryEpochs == 0;
        }

        public boolean activeAt(int epoch) {
            return enabled && epoch >= startEpoch;
        }
    }

    /** Tasks of a multi-task model, in head order; click first (it drives validation, the best checkpoint and ranking). */
    public static final List<String> TASKS = ModelEvaluation.TASKS;

    public record MultiTask(boolean enabled, String headInput, double clickWeight, double likeWeight, double shareWeight) {
        public static final MultiTask OFF = new MultiTask(false, "concat-product", 1, 1, 1);

        public MultiTask {
            headInput = headInput == null ? "concat-product" : headInput.trim().toLowerCase(Locale.ROOT);
            if (enabled) {
                if (!headInput.equals("concat") && !headInput.equals("concat-product")) {
                    throw new IllegalArgumentException("train.multi-task.head-input must be 'concat' or 'concat-product', got '" + headInput + "'");
                }
                for (double w : new double[] {clickWeight, likeWeight, shareWeight}) {
                    if (!(w >= 0) || Double.isInfinite(w)) throw new IllegalArgumentException("train.multi-task.*-weight must be finite and >= 0, got " + w);
                }
                if (clickWeight <= 0) throw new IllegalArgumentException("train.multi-task.click-weight must be > 0 (click drives validation), got " + clickWeight);
            }
        }

        public float[] weights() {
            return new float[] {(float) clickWeight, (float) likeWeight, (float) shareWeight};
        }
    }

    /** How the towers are trained: loss, its parameters, hard negative mining and multi-task heads. */
    public record Technique(LossKind loss, double posWeight, double margin, double temperature, boolean logqCorrection,
                            boolean removeAccidentalHits, HardNegatives hardNegatives, MultiTask multiTask) {
        public static final Technique DEFAULT = new Technique(LossKind.BCE, 2.0, 0.5, 1.0, true, true,
                HardNegatives.OFF, MultiTask.OFF);

        public Technique {
            if (!(posWeight > 0) || Double.isInfinite(posWeight)) throw new IllegalArgumentException("train.pos-weight must be > 0, got " + posWeight);
            if (!(margin >= 0) || Double.isInfinite(margin)) throw new IllegalArgumentException("train.margin must be >= 0, got " + margin);
            if (!(temperature > 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("train.temperature must be > 0, got " + temperature);
            if (multiTask.enabled() && loss != LossKind.BCE && loss != LossKind.WEIGHTED_BCE) {
                throw new IllegalArgumentException("train.multi-task trains every head with BCE: it needs train.loss bce or weighted-bce, got '"
                        + loss.configName + "'");
            }
        }

        public static Technique from(FeedrankConfig.Train t) {
            LossKind loss = LossKind.parse(t.loss());
            FeedrankConfig.HardNegatives h = t.hardNegatives();
            FeedrankConfig.MultiTask m = t.multiTask();
            double temperature = t.temperature().orElse(
                    outputNorm(t.outputNorm(), loss).equals(dev.feedrank.model.ModelSpec.L2) ? 0.1 : 1.0);
            return new Technique(loss, t.posWeight(), t.margin().orElse(loss.defaultMargin()), temperature,
                    t.logqCorrection(), t.removeAccidentalHits(),
                    new HardNegatives(h.enabled(), h.mixRatio(), h.topK(), h.refreshEveryEpochs(), h.startEpoch()),
                    new MultiTask(m.enabled(), m.headInput(), m.clickWeight(), m.likeWeight(), m.shareWeight()));
        }

        /** A short label, e.g. {@code bce}, {@code pairwise+hard-negatives}, {@code bce+multi-task}. */
        public String label() {
            return loss.configName + (hardNegatives.enabled() ? "+hard-negatives" : "") + (multiTask.enabled() ? "+multi-task" : "");
        }
    }
}
