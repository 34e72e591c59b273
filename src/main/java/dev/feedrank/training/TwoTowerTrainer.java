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
import ai.djl.nn.Parameter;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.feedrank.data.Examples;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.evaluation.ClassificationMetrics;
import dev.feedrank.evaluation.RankingEvaluation;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.model.ModelSpec;
import dev.feedrank.model.TwoTowerModel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The design document's training loop in DJL: Adam, binary cross-entropy on logits, ReduceLROnPlateau on
 * validation AUC (mode max), the best checkpoint by validation AUC, early stopping. Feature tables and examples
 * stay in native memory; each batch is gathered by index there.
 *
 * <p>Training can stop between two batches ({@link TrainingListener#stopRequested()}) and continue later from the
 * {@link TrainingCheckpoint} it hands to {@link TrainingListener#checkpoint(byte[])} then and after every epoch.
 */
public final class TwoTowerTrainer {

    /** Where the model's parameters and the training live ({@link TrainingDevice}). */
    private final Device device;

    /** Trains on the CPU. */
    public TwoTowerTrainer() {
        this(Device.cpu());
    }

    /** Trains on {@code device} (see {@link TrainingDevice#resolve(String)}). */
    public TwoTowerTrainer(Device device) {
        this.device = java.util.Objects.requireNonNull(device, "device");
    }

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

    /** Trains from scratch. */
    public TrainingResult train(PreparedDataset data, TrainingSettings s, TrainingListener listener) throws Exception {
        return train(data, s, listener, null);
    }

    /**
     * Trains from scratch ({@code resumeFrom} null) or continues from a checkpoint written by
     * {@link TrainingListener#checkpoint(byte[])} of a training with the same settings and data (anything else is
     * refused with {@link TrainingCheckpoint.IncompatibleCheckpointException}).
     *
     * <p>Determinism: each epoch's shuffle is a function of (seed, epoch), and the engine's random generator (dropout,
     * cold-start masks) is reseeded from (seed, epoch, batch) before every batch. A resumed training therefore sees
     * the same data order and the same random numbers as an uninterrupted one, and with Adam's moments, the learning
     * rate and the plateau state restored it reproduces it on this CPU engine (the tests hold it to that); on other
     * hardware or engine builds only "within tolerance" is promised, as for any two trainings.
     */
    /**
     * A training continues in the update mode its checkpoint was written in (dense or sparse ID-embedding updates):
     * the moments have the same shape either way, so a run started before the default changed (or with the other
     * setting) stays resumable, and exactly so, instead of being refused.
     */
    static TrainingSettings inCheckpointsUpdateMode(TrainingSettings s, TrainingCheckpoint resume, TrainingListener listener) {
        if (resume == null) return s;
        boolean sparse = resume.fingerprint().technique().contains("sparse-embedding-updates");
        if (sparse == s.sparseEmbeddingUpdates()) return s;
        listener.progress("the checkpoint was written with train.sparse-embedding-updates=" + sparse
                + ": continuing in that mode (the setting says " + s.sparseEmbeddingUpdates() + ")");
        return s.withSparseEmbeddingUpdates(sparse);
    }

    public TrainingResult train(PreparedDataset data, TrainingSettings s, TrainingListener listener, byte[] resumeFrom) throws Exception {
        DjlRuntime.ensureOffline();
        TrainingCheckpoint resume = resumeFrom == null ? null : TrainingCheckpoint.decode(resumeFrom);
        s = inCheckpointsUpdateMode(s, resume, listener);
        ModelSpec spec = modelSpec(data, s);
        TrainingCheckpoint.Fingerprint fingerprint = TrainingCheckpoint.Fingerprint.of(s, spec, data);
        if (resume != null) resume.requireCompatible(fingerprint);
        Engine.getInstance().setRandomSeed((int) s.seed());
        TwoTowerModel model = TwoTowerModel.create(spec, device);
        try {
            return run(data, s, listener, model, fingerprint, resume, null);
        } catch (Exception | Error e) {
            model.close();
            throw e;
        }
    }

    /**
     * The refit: a fresh model trained on {@code all} (the refit dataset: every interaction in train) for exactly
     * {@code epochs} epochs with the same settings and seed, and the learning rate of epoch {@code e} set to
     * {@code lrPerEpoch[e - 1]} (the schedule the selection run followed up to its best epoch). There is no
     * validation: no plateau scheduler, no early stopping, no best checkpoint; the result holds the last epoch's
     * parameters, its curve has NaN validation values and {@code bestEpoch} = {@code epochs}.
     *
     * <p>Stop and resume work as in {@link #train(PreparedDataset, TrainingSettings, TrainingListener, byte[])}: the
     * checkpoints it hands to the listener continue this refit (the fingerprint includes the epochs and the
     * learning-rate schedule, so a selection run's checkpoint is refused here and vice versa). Progress lines read
     * "refit epoch e/E ...".
     */
    public TrainingResult refit(PreparedDataset all, TrainingSettings s, int epochs, double[] lrPerEpoch,
                                TrainingListener listener, byte[] resumeFrom) throws Exception {
        if (epochs < 1) throw new IllegalArgumentException("a refit needs at least one epoch, got " + epochs);
        if (lrPerEpoch == null || lrPerEpoch.length < epochs) {
            throw new IllegalArgumentException("a refit of " + epochs + " epochs needs a learning rate per epoch, got "
                    + (lrPerEpoch == null ? "none" : java.util.Arrays.toString(lrPerEpoch)));
        }
        double[] schedule = java.util.Arrays.copyOf(lrPerEpoch, epochs);
        for (double v : schedule) {
            if (!(v > 0) || !Double.isFinite(v)) throw new IllegalArgumentException("refit learning rates must be > 0, got " + java.util.Arrays.toString(schedule));
        }
        DjlRuntime.ensureOffline();
        TrainingCheckpoint resume = resumeFrom == null ? null : TrainingCheckpoint.decode(resumeFrom);
        s = inCheckpointsUpdateMode(s, resume, listener);
        TrainingSettings fixed = new TrainingSettings(epochs, s.batchSize(), s.learningRate(), s.embeddingDim(), s.idEmbeddingDim(),
                s.seed(), s.earlyStoppingPatience(), s.lrPatience(), s.lrFactor(), s.logEveryBatches(), s.coldStartRate(),
                s.technique(), s.selection(), s.outputNorm(), s.sparseEmbeddingUpdates());
        ModelSpec spec = modelSpec(all, fixed);
        TrainingCheckpoint.Fingerprint base = TrainingCheckpoint.Fingerprint.of(fixed, spec, all);
        TrainingCheckpoint.Fingerprint fingerprint = new TrainingCheckpoint.Fingerprint(base.seed(), base.batchSize(),
                base.epochs(), base.embeddingDim(), base.idEmbeddingDim(), base.trainSize(), base.learningRate(),
                base.lrFactor(), base.lrPatience(), base.earlyStoppingPatience(), base.coldStartRate(),
                base.userVocabSize(), base.userDenseDim(), base.itemVocabSize(), base.itemDenseDim(),
                base.dataContentHash(), base.technique() + ", refit lr per epoch " + java.util.Arrays.toString(schedule));
        if (resume != null) resume.requireCompatible(fingerprint);
        Engine.getInstance().setRandomSeed((int) fixed.seed());
        TwoTowerModel model = TwoTowerModel.create(spec, device);
        try {
            return run(all, fixed, listener, model, fingerprint, resume, schedule);
        } catch (Exception | Error e) {
            model.close();
            throw e;
        }
    }

    /** The model a training with these settings produces (heads for a multi-task technique). */
    public static ModelSpec modelSpec(PreparedDataset data, TrainingSettings s) {
        ModelSpec spec = new ModelSpec(data.users().vocabSize(), data.users().width(), data.items().vocabSize(),
                data.items().width(), s.idEmbeddingDim(), s.embeddingDim()).withOutputNorm(s.outputNorm());
        TrainingSettings.MultiTask mt = s.technique().multiTask();
        return mt.enabled() ? spec.withHeads(TrainingSettings.TASKS, mt.headInput()) : spec;
    }

    /** Where the loop is; what a checkpoint captures besides tensors. */
    private static final class Position {
        int epoch = 1;
        int batch;
        double epochLossSum;
        double epochSecondsBefore;
        int bestEpoch;
        double bestAuc = Double.NEGATIVE_INFINITY;
        byte[] best;
        final List<EpochStats> curve = new ArrayList<>();
        long batchesDone;
        long samplesDone;
        double elapsedBefore;
        boolean finished;
        boolean stoppedEarly;
        HardNegativeMiner.Mined mined;
    }

    private TrainingResult run(PreparedDataset data, TrainingSettings s, TrainingListener listener, TwoTowerModel model,
                               TrainingCheckpoint.Fingerprint fingerprint, TrainingCheckpoint resume,
                               double[] schedule) throws Exception {
        // schedule != null: a refit (fixed learning rate per epoch, no validation, the last epoch's parameters)
        boolean refit = schedule != null;
        String label = refit ? "refit epoch" : "epoch";
        if (data.trainRows() == 0) throw new IllegalArgumentException("the train split is empty");
        TrainingSettings.Technique tech = s.technique();
        TrainingBatches view = new TrainingBatches(data, tech);
        int n = view.size();
        if (n == 0) {
            throw new IllegalArgumentException("loss " + tech.loss().configName + " needs train positives with a sampled negative of the same user; the train split has none");
        }
        int batches = (n + s.batchSize() - 1) / s.batchSize();
        long totalBatches = (long) batches * s.epochs();
        AdjustableLr lr = new AdjustableLr(s.learningRate());
        ReduceLrOnPlateau plateau = new ReduceLrOnPlateau(s.learningRate(), s.lrFactor(), s.lrPatience());
        Position at = new Position();
        ParameterNames names = new ParameterNames(model);
        if (resume != null) {
            // before the trainer is created, with gradients attached to the loaded arrays
            model.loadTrainableParameters(resume.parameters());
            at.epoch = resume.epoch();
            at.batch = resume.batch();
            at.epochLossSum = resume.epochLossSum();
            at.epochSecondsBefore = resume.epochSeconds();
            at.bestEpoch = resume.bestEpoch();
            at.bestAuc = resume.bestValidationAuc();
            at.best = resume.bestParameters();
            at.curve.addAll(resume.curve());
            at.batchesDone = resume.batchesDone();
            at.samplesDone = resume.samplesDone();
            at.elapsedBefore = resume.elapsedSeconds();
            at.finished = resume.finished();
            at.stoppedEarly = resume.stoppedEarly();
            at.mined = resume.hardNegatives();
            lr.lr = resume.learningRate();
            plateau.restore(resume.plateau());
            if (at.batch < 0 || at.batch > batches || at.epoch < 1) {
                throw new IllegalArgumentException("training checkpoint position epoch " + at.epoch + " batch " + at.batch + " is out of range");
            }
        }
        RankingEvaluation selection = !refit && s.selection().ranking()
                ? view.index() != null
                        ? RankingEvaluation.validation(data, view.index().positives(), view.index().itemPositives(),
                                List.of(s.selection().k()), s.selection().users(), s.seed())
                        : RankingEvaluation.validation(data, List.of(s.selection().k()), s.selection().users(), s.seed())
                : null;
        if (selection != null && selection.users() == 0) {
            throw new IllegalArgumentException("train.selection-metric " + s.selection().metric() + " ranks validation users, but no user "
                    + "has a validation positive that is new to it; use train.selection-metric=auc or another split");
        }
        NDManager tensors = model.manager().newSubManager();
        NDManager optimizerState = model.manager().newSubManager();
        ResumableAdam adam = ResumableAdam.builder().optLearningRateTracker(lr).stateManager(optimizerState).build();
        // train.sparse-embedding-updates: the ID tables leave DJL's (dense) parameter update; each step moves only
        // the rows its batch used (ResumableAdam.updateRows), set up before the trainer exists
        SparseEmbeddingSteps sparse = s.sparseEmbeddingUpdates() ? new SparseEmbeddingSteps(model) : null;
        long started = System.nanoTime();
        // this call's throughput (TrainingListener.trained): examples of the batches it ran, and the seconds of its
        // batch loops on the clock of EpochStats.seconds (from an epoch's start to its last batch)
        long sessionBatches = 0;
        long sessionSamples = 0;
        long loopNanos = 0;
        long loopStart = -1;
        try {
            if (resume != null) {
                adam.importState(resume.optimizer(), names.nameToId, names.arrays());
                listener.progress(at.finished
                        ? String.format("checkpoint is of a finished training (%d epochs%s): not training further", at.curve.size(),
                                at.stoppedEarly ? ", stopped early" : "")
                        : at.batch < batches
                        ? String.format("resuming at %s %d batch %d of %d from checkpoint", label, at.epoch, at.batch + 1, batches)
                        : String.format("resuming at the end of %s %d (all %d batches done, validation pending) from checkpoint",
                                label, at.epoch, batches));
            }
            view.load(tensors, at.mined);
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.sigmoidBinaryCrossEntropyLoss())
                    .optOptimizer(adam)
                    .optDevices(new Device[] {device});
            Engine engine = Engine.getInstance();
            try (Trainer trainer = model.djlModel().newTrainer(cfg)) {
                for (; !at.finished && at.epoch <= s.epochs(); at.epoch++, at.batch = 0, at.epochLossSum = 0, at.epochSecondsBefore = 0) {
                    int epoch = at.epoch;
                    if (refit) lr.lr = (float) schedule[epoch - 1];
                    long epochStart = System.nanoTime();
                    loopStart = epochStart;
                    long lastLog = epochStart;
                    TrainingSettings.HardNegatives hard = tech.hardNegatives();
                    if (at.batch < batches && (hard.refreshAt(epoch) && at.batch == 0 || hard.activeAt(epoch) && at.mined == null)) {
                        long t0 = System.nanoTime();
                        at.mined = HardNegativeMiner.mine(model, data, view.positives(), hard.topK());
                        view.load(tensors, at.mined);
                        listener.progress(String.format("%s %d: mined the %d hardest negatives of every training user in %.1fs (mix ratio %.2f)",
                                label, epoch, hard.topK(), (System.nanoTime() - t0) / 1e9, hard.mixRatio()));
                    }
                    boolean useMined = hard.activeAt(epoch);
                    try (NDManager epochManager = tensors.newSubManager();
                         TrainingBatches.EpochRows rows = at.batch < batches
                                 ? view.epoch(epoch, epochShuffle(s.seed(), epoch), s.batchSize(), at.batch) : null) {
                        for (int b = at.batch; b < batches; b++) {
                            int from = b * s.batchSize();
                            int to = Math.min(n, from + s.batchSize());
                            TrainingBatches.Slice slice = rows.next();
                            if (slice == null || slice.size() != to - from) {
                                throw new IllegalStateException(String.format("%s %d batch %d: expected %d rows, the train "
                                        + "split gave %s (did the train shards change under the training?)", label, epoch,
                                        b + 1, to - from, slice == null ? "none" : String.valueOf(slice.size())));
                            }
                            engine.setRandomSeed(batchSeed(s.seed(), epoch, b));
                            try (NDManager bm = epochManager.newSubManager()) {
                                TrainingBatches.Batch batch = view.batch(slice, bm,
                                        s.coldStartRate(), useMined, negativeSeed(s.seed(), epoch, b));
                                try (GradientCollector gc = trainer.newGradientCollector()) {
                                    NDList out = trainer.forward(batch.inputs());
                                    NDArray loss = view.loss(out, batch);
                                    gc.backward(loss);
                                    at.epochLossSum += loss.getFloat() * (to - from);
                                }
                                trainer.step();
                                if (sparse != null) sparse.step(adam);
                            }
                            at.batch = b + 1;
                            at.batchesDone++;
                            at.samplesDone += to - from;
                            sessionBatches++;
                            sessionSamples += to - from;
                            long now = System.nanoTime();
                            if ((b + 1) % Math.max(1, s.logEveryBatches()) == 0 || now - lastLog > 10_000_000_000L || b + 1 == batches) {
                                lastLog = now;
                                double rate = sessionSamples / ((now - started) / 1e9);
                                double perBatch = (now - started) / 1e9 / sessionBatches;
                                long etaSeconds = Math.round((totalBatches - at.batchesDone) * perBatch);
                                listener.progress(String.format("%s %d/%d batch %d/%d samples/s %.0f ETA %s",
                                        label, epoch, s.epochs(), b + 1, batches, rate, formatDuration(etaSeconds)));
                            }
                            if (listener.stopRequested()) {
                                double epochSeconds = at.epochSecondsBefore + (now - epochStart) / 1e9;
                                listener.checkpoint(snapshot(fingerprint, at, epochSeconds, lr, plateau, model, adam, names,
                                        at.elapsedBefore + (now - started) / 1e9).encode());
                                listener.progress(String.format("stopped on request at %s %d after batch %d of %d; checkpoint written",
                                        label, epoch, b + 1, batches));
                                throw new TrainingStoppedException(epoch, b + 1, batches);
                            }
                        }
                        if (rows != null && rows.next() != null) {
                            throw new IllegalStateException(String.format("%s %d: the train split gave more than its %d "
                                    + "view rows (did the train shards change under the training?)", label, epoch, n));
                        }
                    }
                    long loopEnd = System.nanoTime();
                    loopNanos += loopEnd - loopStart;
                    loopStart = -1;
                    // a streamed split: the next epoch's first shards are read while this one is validated
                    if (epoch < s.epochs()) view.openAhead(epoch + 1, epochShuffle(s.seed(), epoch + 1), s.batchSize());
                    double seconds = at.epochSecondsBefore + (loopEnd - epochStart) / 1e9;
                    double[] validation = refit ? new double[] {Double.NaN, Double.NaN}
                            : validation(model, data, s.selection(), selection);
                    double valAuc = validation[0];
                    double selected = validation[1];
                    boolean improved = !refit && selected > at.bestAuc;
                    if (improved) {
                        at.bestAuc = selected;
                        at.bestEpoch = epoch;
                        at.best = model.parameters();
                        listener.bestCheckpoint(epoch, selected, at.best);
                    }
                    EpochStats stats = new EpochStats(epoch, at.epochLossSum / n, valAuc, selected, lr.lr, seconds, n / seconds, improved);
                    at.curve.add(stats);
                    listener.epochEnded(stats);
                    if (refit) {
                        at.bestEpoch = epoch;  // the refit's model is its last epoch's
                    } else {
                        lr.lr = (float) plateau.step(selected);
                    }
                    boolean earlyStop = !refit && epoch - at.bestEpoch >= s.earlyStoppingPatience() && epoch < s.epochs();
                    // the end-of-epoch checkpoint points at the next epoch's first batch, or says the training is over
                    Position next = new Position();
                    next.epoch = epoch + 1;
                    next.bestEpoch = at.bestEpoch;
                    next.bestAuc = at.bestAuc;
                    next.best = at.best;
                    next.curve.addAll(at.curve);
                    next.batchesDone = at.batchesDone;
                    next.samplesDone = at.samplesDone;
                    next.finished = earlyStop || epoch >= s.epochs();
                    next.stoppedEarly = earlyStop;
                    next.mined = at.mined;
                    listener.checkpoint(snapshot(fingerprint, next, 0, lr, plateau, model, adam, names,
                            at.elapsedBefore + (System.nanoTime() - started) / 1e9).encode());
                    if (earlyStop) {
                        at.stoppedEarly = true;
                        listener.progress(String.format("early stop after epoch %d: no validation %s improvement for %d epochs (best %.4f at epoch %d)",
                                epoch, s.selection().metric(), epoch - at.bestEpoch, at.bestAuc, at.bestEpoch));
                        break;
                    }
                }
            }
        } finally {
            view.closeAhead();
            if (sparse != null) sparse.close();
            tensors.close();
            optimizerState.close();
            if (loopStart >= 0) loopNanos += System.nanoTime() - loopStart; // stopped or failed within an epoch
            listener.trained(sessionSamples, loopNanos / 1e9);
        }
        if (at.best != null) model.loadParameters(at.best);
        return new TrainingResult(model, List.copyOf(at.curve), at.bestEpoch, at.bestAuc, at.stoppedEarly,
                at.elapsedBefore + (System.nanoTime() - started) / 1e9);
    }

    private static TrainingCheckpoint snapshot(TrainingCheckpoint.Fingerprint fingerprint, Position at, double epochSeconds,
                                               AdjustableLr lr, ReduceLrOnPlateau plateau, TwoTowerModel model,
                                               ResumableAdam adam, ParameterNames names, double elapsed) throws IOException {
        return new TrainingCheckpoint(fingerprint, at.epoch, at.batch, at.epochLossSum, epochSeconds, lr.lr, plateau.state(),
                at.bestEpoch, at.bestAuc, at.best, at.curve, at.batchesDone, at.samplesDone, elapsed, at.finished,
                at.stoppedEarly, model.parameters(), adam.exportState(names.idToName), at.mined);
    }

    /**
     * Sparse ID-embedding updates for one training: freezes both towers' ID tables (DJL's parameter server then
     * neither clones nor updates them, and backward computes no [vocab, dim] gradient), collects the distinct rows
     * each training forward used ({@link dev.feedrank.model.TowerBlock#sparseRows}) and, after the dense step,
     * applies a row-wise Adam step to exactly those rows. {@link #close()} restores the tables as trainable
     * parameters.
     */
    static final class SparseEmbeddingSteps implements dev.feedrank.model.TowerBlock.SparseRows, AutoCloseable {
        private record Used(Parameter table, NDArray index, NDArray rows) {
        }

        private final List<dev.feedrank.model.TowerBlock> towers;
        private final List<Used> used = new ArrayList<>();

        SparseEmbeddingSteps(TwoTowerModel model) {
            towers = List.of(model.block().userTower(), model.block().itemTower());
            for (dev.feedrank.model.TowerBlock t : towers) {
                t.idEmbedding().freeze(true);
                t.sparseRows(this);
            }
        }

        @Override
        public void used(Parameter table, NDArray distinctIndex, NDArray rows) {
            for (Used u : used) {
                if (u.table() == table) {
                    // one forward per tower and batch; a second would need its gradient merged with the first's
                    throw new IllegalStateException("sparse embedding updates: table " + table.getName()
                            + " was used twice in one training step");
                }
            }
            used.add(new Used(table, distinctIndex, rows));
        }

        /** The row-wise Adam step of every table the batch used (after backward, while the batch's arrays live). */
        void step(ResumableAdam adam) {
            try {
                for (Used u : used) {
                    NDArray grad = u.rows().getGradient();
                    adam.updateRows(u.table().getId(), u.table().getArray(), u.index(), grad);
                }
            } finally {
                used.clear();
            }
        }

        @Override
        public void close() {
            used.clear();
            for (dev.feedrank.model.TowerBlock t : towers) {
                t.sparseRows(null);
                t.idEmbedding().freeze(false);
            }
        }
    }

    /** The block's parameters by their stable names and by this instance's (random) ids. */
    static final class ParameterNames {
        final Map<String, String> idToName = new HashMap<>();
        final Map<String, String> nameToId = new LinkedHashMap<>();
        private final TwoTowerModel model;

        ParameterNames(TwoTowerModel model) {
            this.model = model;
            for (Pair<String, Parameter> p : model.block().getParameters()) {
                if (nameToId.put(p.getKey(), p.getValue().getId()) != null) {
                    throw new IllegalStateException("two parameters are named " + p.getKey());
                }
                idToName.put(p.getValue().getId(), p.getKey());
            }
        }

        /** The current arrays by name (after a load they are new arrays, so this is looked up when needed). */
        Map<String, NDArray> arrays() {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : model.block().getParameters()) out.put(p.getKey(), p.getValue().getArray());
            return out;
        }
    }

    /** Each epoch's shuffle depends on (seed, epoch) only, so a resume regenerates the same order. */
    static SplittableRandom epochShuffle(long seed, int epoch) {
        return new SplittableRandom(mix(mix(seed) ^ epoch));
    }

    /** The engine seed for one batch: dropout and cold-start masks then depend on (seed, epoch, batch) only. */
    /** Seeds a batch's per-batch negatives (independent of the engine's generator). */
    static long negativeSeed(long seed, int epoch, int batch) {
        return mix(mix(mix(seed ^ 0x6E65676174697665L) ^ epoch) ^ batch);
    }

    static int batchSeed(long seed, int epoch, int batch) {
        long h = mix(mix(mix(seed) ^ epoch) ^ ((long) batch << 32 | 0x5EEDL));
        return (int) (h ^ (h >>> 32));
    }

    /** MurmurHash3's 64-bit finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /**
     * The validation AUC and the selection metric's value (the AUC itself for {@code auc}; otherwise the ranking
     * metric of {@code ranking}'s users), from one embedding pass in evaluation mode.
     */
    static double[] validation(TwoTowerModel model, PreparedDataset data, TrainingSettings.Selection selection,
                               RankingEvaluation ranking) {
        Examples val = data.validation();
        if (val.size() == 0) throw new IllegalArgumentException("the validation split is empty");
        float[] u = model.embedUsers(data.users());
        float[] i = model.embedItems(data.items());
        var click = model.scores().task("click");
        double auc = ClassificationMetrics.auc(click.probabilities(u, i, val), val.click());
        if (ranking == null) return new double[] {auc, auc};
        Double value = ranking.model(u, i, model.scores().embeddingDim(), click).get(selection.metric());
        if (value == null) throw new IllegalStateException("validation ranking did not produce " + selection.metric());
        return new double[] {auc, value};
    }

    /** AUC of the model (evaluation mode) on the validation split. */
    public static double validationAuc(TwoTowerModel model, PreparedDataset data) {
        return validation(model, data, TrainingSettings.Selection.AUC, null)[0];
    }

    static NDArray attach(NDArray a, NDManager m) {
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

    /**
     * The ETA a training progress line ends with (its batch lines read "… ETA 1m05s"), or "" when it has none: for
     * whoever shows the line (the train stage's epoch summaries, the console).
     */
    public static String etaOf(String progressLine) {
        if (progressLine == null) return "";
        int i = progressLine.lastIndexOf(" ETA ");
        return i < 0 ? "" : progressLine.substring(i + 5).trim();
    }

    static String formatDuration(long seconds) {
        return seconds >= 3600 ? String.format("%dh%02dm", seconds / 3600, (seconds % 3600) / 60)
                : String.format("%dm%02ds", seconds / 60, seconds % 60);
    }
}
