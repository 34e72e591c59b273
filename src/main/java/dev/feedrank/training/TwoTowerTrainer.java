package dev.feedrank.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import dev.feedrank.data.Examples;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.evaluation.ClassificationMetrics;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.model.EmbeddingScores;
import dev.feedrank.model.ModelSpec;
import dev.feedrank.model.TwoTowerModel;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The design document's training loop in DJL: Adam, binary cross-entropy on logits, ReduceLROnPlateau on
 * validation AUC (mode max), the best checkpoint by validation AUC, early stopping. Feature tables and examples
 * stay in native memory; each batch is gathered by index there.
 */
public final class TwoTowerTrainer {

    /** Learning rate that the plateau scheduler can change between epochs. */
    private static final class AdjustableLr implements Tracker {
        private volatile float lr;

        AdjustableLr(double lr) {
            this.lr = (float) lr;
        }

        @Override
        public float getNewValue(int numUpdate) {
            return lr;
        }
    }

    public TrainingResult train(PreparedDataset data, TrainingSettings s, TrainingListener listener) throws Exception {
        DjlRuntime.ensureOffline();
        Engine.getInstance().setRandomSeed((int) s.seed());
        FeatureTable users = data.users();
        FeatureTable items = data.items();
        ModelSpec spec = new ModelSpec(users.vocabSize(), users.width(), items.vocabSize(), items.width(),
                s.idEmbeddingDim(), s.embeddingDim());
        TwoTowerModel model = TwoTowerModel.create(spec);
        try {
            return run(data, s, listener, model);
        } catch (Exception | Error e) {
            model.close();
            throw e;
        }
    }

    private TrainingResult run(PreparedDataset data, TrainingSettings s, TrainingListener listener, TwoTowerModel model) throws Exception {
        Examples train = data.train();
        int n = train.size();
        if (n == 0) throw new IllegalArgumentException("the train split is empty");
        NDManager tensors = model.manager().newSubManager();
        NDArray userVocab = tensors.create(toLong(data.users().vocabIndex()));
        NDArray userDense = tensors.create(data.users().dense(), new Shape(data.users().rows(), data.users().width()));
        NDArray itemVocab = tensors.create(toLong(data.items().vocabIndex()));
        NDArray itemDense = tensors.create(data.items().dense(), new Shape(data.items().rows(), data.items().width()));
        NDArray trainUser = tensors.create(toLong(train.user()));
        NDArray trainItem = tensors.create(toLong(train.item()));
        NDArray trainLabel = tensors.create(train.click());

        // cold-start training: a share of examples is shown as coming from a user unseen in training (a real
        // OOV user row of the table: ID bucket 0 and no-history features) and with the item's ID dropped to the
        // OOV bucket, so the OOV rows learn what to do for new users and items instead of staying random
        int coldRow = firstOov(data.users().vocabIndex());

        AdjustableLr lr = new AdjustableLr(s.learningRate());
        ReduceLrOnPlateau plateau = new ReduceLrOnPlateau(s.learningRate(), s.lrFactor(), s.lrPatience());
        DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                .optOptimizer(Adam.builder().optLearningRateTracker(lr).build())
                .optDevices(new Device[] {Device.cpu()});
        int batches = (n + s.batchSize() - 1) / s.batchSize();
        long totalBatches = (long) batches * s.epochs();
        List<EpochStats> curve = new ArrayList<>();
        SplittableRandom shuffle = new SplittableRandom(s.seed());
        byte[] best = null;
        int bestEpoch = 0;
        double bestAuc = Double.NEGATIVE_INFINITY;
        boolean stoppedEarly = false;
        long started = System.nanoTime();
        long batchesDone = 0;
        long samplesDone = 0;
        try (Trainer trainer = model.djlModel().newTrainer(cfg)) {
            for (int epoch = 1; epoch <= s.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                long lastLog = epochStart;
                double lossSum = 0;
                try (NDManager epochManager = tensors.newSubManager()) {
                    NDArray order = epochManager.create(toLong(permutation(n, shuffle)));
                    for (int b = 0; b < batches; b++) {
                        int from = b * s.batchSize();
                        int to = Math.min(n, from + s.batchSize());
                        try (NDManager bm = epochManager.newSubManager()) {
                            NDArray rows = attach(order.get(new NDIndex("{}:{}", from, to)), bm);
                            NDArray u = attach(trainUser.get(rows), bm);
                            NDArray i = attach(trainItem.get(rows), bm);
                            NDArray iVocab = attach(itemVocab.get(i), bm);
                            if (s.coldStartRate() > 0) {
                                Shape shape = new Shape(to - from);
                                float rate = (float) s.coldStartRate();
                                if (coldRow >= 0) {
                                    NDArray asCold = bm.randomUniform(0f, 1f, shape).lt(rate).toType(DataType.INT64, false);
                                    u = u.add(asCold.mul(u.neg().add(coldRow))); // u where not cold, coldRow where cold
                                }
                                iVocab = iVocab.mul(bm.randomUniform(0f, 1f, shape).gte(rate).toType(DataType.INT64, false));
                            }
                            NDList inputs = new NDList(attach(userVocab.get(u), bm), attach(userDense.get(u), bm),
                                    iVocab, attach(itemDense.get(i), bm));
                            NDArray labels = attach(trainLabel.get(rows), bm);
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList logits = trainer.forward(inputs);
                                NDArray loss = trainer.getLoss().evaluate(new NDList(labels), logits);
                                gc.backward(loss);
                                lossSum += loss.getFloat() * (to - from);
                            }
                            trainer.step();
                        }
                        batchesDone++;
                        samplesDone += to - from;
                        long now = System.nanoTime();
                        if ((b + 1) % Math.max(1, s.logEveryBatches()) == 0 || now - lastLog > 10_000_000_000L || b + 1 == batches) {
                            lastLog = now;
                            double rate = samplesDone / ((now - started) / 1e9);
                            double perBatch = (now - started) / 1e9 / batchesDone;
                            long etaSeconds = Math.round((totalBatches - batchesDone) * perBatch);
                            listener.progress(String.format("epoch %d/%d batch %d/%d samples/s %.0f ETA %s",
                                    epoch, s.epochs(), b + 1, batches, rate, formatDuration(etaSeconds)));
                        }
                    }
                }
                double seconds = (System.nanoTime() - epochStart) / 1e9;
                double valAuc = validationAuc(model, data);
                boolean improved = valAuc > bestAuc;
                if (improved) {
                    bestAuc = valAuc;
                    bestEpoch = epoch;
                    best = model.parameters();
                    listener.bestCheckpoint(epoch, valAuc, best);
                }
                EpochStats stats = new EpochStats(epoch, lossSum / n, valAuc, lr.lr, seconds, n / seconds, improved);
                curve.add(stats);
                listener.epochEnded(stats);
                lr.lr = (float) plateau.step(valAuc);
                if (epoch - bestEpoch >= s.earlyStoppingPatience() && epoch < s.epochs()) {
                    stoppedEarly = true;
                    listener.progress(String.format("early stop after epoch %d: no validation AUC improvement for %d epochs (best %.4f at epoch %d)",
                            epoch, epoch - bestEpoch, bestAuc, bestEpoch));
                    break;
                }
            }
        } finally {
            tensors.close();
        }
        model.loadParameters(best);
        return new TrainingResult(model, curve, bestEpoch, bestAuc, stoppedEarly, (System.nanoTime() - started) / 1e9);
    }

    /** AUC of the model (evaluation mode) on the validation split. */
    public static double validationAuc(TwoTowerModel model, PreparedDataset data) {
        Examples val = data.validation();
        if (val.size() == 0) throw new IllegalArgumentException("the validation split is empty");
        float[] u = model.embedUsers(data.users());
        float[] i = model.embedItems(data.items());
        float[] p = EmbeddingScores.probabilities(u, i, model.spec().embeddingDim(), val);
        return ClassificationMetrics.auc(p, val.click());
    }

    private static int firstOov(int[] vocab) {
        for (int r = 0; r < vocab.length; r++) if (vocab[r] == 0) return r;
        return -1;
    }

    private static NDArray attach(NDArray a, NDManager m) {
        a.attach(m);
        return a;
    }

    static int[] permutation(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }

    static String formatDuration(long seconds) {
        return seconds >= 3600 ? String.format("%dh%02dm", seconds / 3600, (seconds % 3600) / 60)
                : String.format("%dm%02ds", seconds / 60, seconds % 60);
    }
}
