package dev.feedrank.stages;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.storage.ObjectStorage;
import dev.feedrank.training.EpochStats;
import dev.feedrank.training.TrainingListener;
import dev.feedrank.training.TrainingResult;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.training.TrainingDevice;
import dev.feedrank.training.TwoTowerTrainer;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Locale;

/**
 * train: the two-tower model on the prepared dataset; the best checkpoint by the selection metric goes to S3, and so does
 * the full training state after every epoch and when the run asks to stop ({@code last.state}). When a run finds
 * its {@code last.state} at the start of this stage (a resumed run), training continues from there.
 *
 * <p>When prepare-data made a refit dataset (train.refit), a fresh model is then trained on it (every interaction of
 * the input) for exactly the selected number of epochs, replaying the selection run's learning rate per epoch, with
 * no validation: its state goes to {@code refit.state}, its parameters to {@code refit.params} (artifact
 * {@code refit-checkpoint}); a stop during the refit resumes in the refit. The selected model stays the one that
 * evaluate and gate judge; export ships the refit model.
 *
 * <p>The attempt's training throughput ({@link StageContext#recordThroughput(double)}, the attempt's
 * {@code samples_per_second}) is every training example its batches processed, selection training and refit together,
 * divided by the seconds of their batch loops ({@link TrainingListener#trained}): the refit is counted because it is
 * part of what the attempt's CPU and wall time pay for. Recorded however the attempt ends, when it trained a batch.
 */
@ApplicationScoped
public class TrainStage implements Stage {

    private final ObjectStorage storage;
    private final DatasetHandoff datasets;

    public TrainStage(ObjectStorage storage, DatasetHandoff datasets) {
        this.storage = storage;
        this.datasets = datasets;
    }

    @Override
    public String name() {
        return "train";
    }

    @Override
    public int order() {
        return 20;
    }

    /** Examples and batch-loop seconds of this attempt's trainings (selection and refit). */
    private static final class Throughput {
        long samples;
        double seconds;

        void add(long samples, double seconds) {
            this.samples += samples;
            this.seconds += seconds;
        }

        void recordIn(StageContext ctx) {
            if (samples > 0 && seconds > 0) ctx.recordThroughput(samples / seconds);
        }
    }

    @Override
    public void execute(StageContext ctx) throws Exception {
        // first: a train.device the engine cannot satisfy fails the stage before the dataset is even read
        String deviceSetting = ctx.config().train().device();
        ai.djl.Device device = TrainingDevice.resolve(deviceSetting);
        ctx.progress("training on " + TrainingDevice.describe(deviceSetting, device));
        ctx.metric("model", "train_on_gpu", device.isGpu() ? 1 : 0, "train", null);
        Throughput throughput = new Throughput();
        try {
            train(ctx, throughput, device);
        } finally {
            throughput.recordIn(ctx);
        }
    }

    private void train(StageContext ctx, Throughput throughput, ai.djl.Device device) throws Exception {
        PreparedDataset data = datasets.trainingDataset(ctx);
        TrainingSettings settings = TrainingSettings.from(ctx.config(),
                (long) data.users().vocabSize() + data.items().vocabSize());
        if (settings.sparseEmbeddingUpdates()) {
            ctx.progress("ID-embedding tables of " + data.users().vocabSize() + " + " + data.items().vocabSize()
                    + " rows: updated row-wise (train.sparse-embedding-updates=" + ctx.config().train().sparseEmbeddingUpdates() + ")");
        }
        if (data.streamsTrain()) ctx.progress("train split: " + data.trainShards().describe());
        String checkpointKey = "runs/" + ctx.runId() + "/checkpoints/best.params";
        String stateKey = lastStateKey(ctx.runId());
        byte[] resumeFrom = null;
        if (storage.exists(stateKey)) {
            resumeFrom = storage.get(stateKey);
            ctx.artifact("last-checkpoint", stateKey);
            ctx.progress(String.format(Locale.ROOT, "found training state %s (%d bytes): continuing from it", stateKey, resumeFrom.length));
        }
        TrainingResult result = new TwoTowerTrainer(device).train(data, settings, new TrainingListener() {
            private final LastEta eta = new LastEta();

            @Override
            public void progress(String line) {
                eta.seen(line);
                ctx.progress(line);
            }

            @Override
            public void epochEnded(EpochStats s) {
                ctx.metric("model", "train_loss", s.trainLoss(), "train", s.epoch());
                ctx.metric("model", "val_auc", s.validationAuc(), "validation", s.epoch());
                if (settings.selection().ranking()) {
                    ctx.metric("model", "val_" + settings.selection().metric(), s.validationMetric(), "validation", s.epoch());
                }
                ctx.metric("model", "learning_rate", s.learningRate(), "train", s.epoch());
                ctx.metric("model", "samples_per_second", s.samplesPerSecond(), "train", s.epoch());
                ctx.progress(String.format(Locale.ROOT, "epoch %d done: train loss %.4f, val AUC %.4f%s, lr %.2e, %.1fs, %.0f samples/s%s",
                        s.epoch(), s.trainLoss(), s.validationAuc(), settings.selection().ranking()
                                ? String.format(Locale.ROOT, ", val %s %.4f", settings.selection().metric(), s.validationMetric()) : "",
                        s.learningRate(), s.seconds(), s.samplesPerSecond(),
                        s.best() ? " (best so far, checkpoint saved)" : "") + eta.suffix());
            }

            @Override
            public void trained(long samples, double seconds) {
                throughput.add(samples, seconds);
            }

            @Override
            public void bestCheckpoint(int epoch, double auc, byte[] parameters) throws Exception {
                ctx.checkFence();
                storage.put(checkpointKey, parameters, "application/octet-stream");
            }

            @Override
            public boolean stopRequested() {
                return ctx.stopRequested();
            }

            @Override
            public void checkpoint(byte[] state) throws Exception {
                ctx.checkFence(); // a superseded execution must not overwrite its successor's training state
                storage.put(stateKey, state, "application/octet-stream");
                ctx.artifact("last-checkpoint", stateKey);
            }
        }, resumeFrom);
        ctx.closeAtEnd(result.model());
        ctx.share(TrainingResult.class, result);
        ctx.artifact("checkpoint", checkpointKey);
        ctx.metric("model", "best_val_" + settings.selection().metric(), result.bestValidationAuc(), "validation", null);
        ctx.metric("model", "best_epoch", result.bestEpoch(), "validation", null);
        ctx.metric("model", "epochs_run", result.curve().size(), "train", null);
        ctx.metric("model", "train_seconds", result.seconds(), "train", null);

        var all = datasets.refitTrainingDataset(ctx);
        if (all.isPresent()) refit(ctx, all.get(), settings, result, throughput, device);
    }

    /** What the refit did, for export (also as the JSON artifact {@code refit}, for a resumed run). */
    public record RefitInfo(int epochs, long interactions, long positives, double seconds, double[] learningRates) {
    }

    static final String REFIT_RESULT = "refit";

    private void refit(StageContext ctx, PreparedDataset all, TrainingSettings settings, TrainingResult selected,
                       Throughput throughput, ai.djl.Device device) throws Exception {
        int epochs = selected.bestEpoch();
        if (epochs < 1) {
            ctx.progress("refit skipped: the selection run has no best epoch; the selected model is exported");
            return;
        }
        double[] lrs = selected.curve().stream().filter(e -> e.epoch() <= epochs)
                .mapToDouble(EpochStats::learningRate).toArray();
        String refitState = refitStateKey(ctx.runId());
        String refitParams = "runs/" + ctx.runId() + "/checkpoints/refit.params";
        byte[] resumeFrom = null;
        if (storage.exists(refitState)) {
            resumeFrom = storage.get(refitState);
            ctx.artifact("refit-last-checkpoint", refitState);
            ctx.progress(String.format(Locale.ROOT, "found refit state %s (%d bytes): continuing the refit from it", refitState, resumeFrom.length));
        }
        ctx.progress(String.format(Locale.ROOT, "refit: %d epochs on train+validation+test (%d examples), lr per epoch %s",
                epochs, all.trainRows(), java.util.Arrays.toString(lrs)));
        TrainingResult refit = new TwoTowerTrainer(device).refit(all, settings, epochs, lrs, new TrainingListener() {
            private final LastEta eta = new LastEta();

            @Override
            public void progress(String line) {
                eta.seen(line);
                ctx.progress(line);
            }

            @Override
            public void epochEnded(EpochStats s) {
                ctx.progress(String.format(Locale.ROOT, "refit epoch %d/%d done: train loss %.4f, lr %.2e, %.1fs, %.0f samples/s",
                        s.epoch(), epochs, s.trainLoss(), s.learningRate(), s.seconds(), s.samplesPerSecond()) + eta.suffix());
            }

            @Override
            public void trained(long samples, double seconds) {
                throughput.add(samples, seconds);
            }

            @Override
            public boolean stopRequested() {
                return ctx.stopRequested();
            }

            @Override
            public void checkpoint(byte[] state) throws Exception {
                ctx.checkFence();
                storage.put(refitState, state, "application/octet-stream");
                ctx.artifact("refit-last-checkpoint", refitState);
            }
        }, resumeFrom);
        ctx.closeAtEnd(refit.model());
        ctx.checkFence();
        storage.put(refitParams, refit.model().parameters(), "application/octet-stream");
        ctx.artifact(ModelHandoff.REFIT_ARTIFACT, refitParams);
        ctx.share(ModelHandoff.Refit.class, new ModelHandoff.Refit(refit.model()));
        long positives = 0;
        if (all.train().size() == 0) {
            positives = all.trainRows(); // a streamed prepared split: positives only
        } else {
            for (int i = 0; i < all.train().size(); i++) if (!all.train().sampled()[i]) positives++;
        }
        Object rows = all.stats() == null ? null : all.stats().get("interactions");
        long interactions = rows instanceof Number n ? n.longValue() : positives;
        new StageResults(storage).put(ctx, REFIT_RESULT, RefitInfo.class,
                new RefitInfo(epochs, interactions, positives, refit.seconds(), lrs));
        ctx.metric("model", "refit_epochs", epochs, "train", null);
        ctx.metric("model", "refit_train_seconds", refit.seconds(), "train", null);
        ctx.progress(String.format(Locale.ROOT, "refit done: %d epochs on all %d interactions (%d positives) in %.1fs -> %s",
                epochs, interactions, positives, refit.seconds(), refitParams));
    }

    /** Where a run's refit training state (for resuming) is kept. */
    public static String refitStateKey(long runId) {
        return "runs/" + runId + "/checkpoints/refit.state";
    }

    /** Where a run's training state (for resuming) is kept. */
    public static String lastStateKey(long runId) {
        return "runs/" + runId + "/checkpoints/last.state";
    }

    /**
     * The ETA of the trainer's latest batch line ("… ETA 1m05s"), carried onto the epoch-end line that follows it, so
     * the progress shown between two batch lines (validation, the epoch summary) still says how long is left.
     */
    static final class LastEta {
        private String eta = "";

        void seen(String line) {
            String found = TwoTowerTrainer.etaOf(line);
            if (!found.isEmpty()) eta = found;
        }

        String suffix() {
            return eta.isEmpty() ? "" : " ETA " + eta;
        }
    }
}
