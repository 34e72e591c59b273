package dev.feedrank.stages;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.storage.ObjectStorage;
import dev.feedrank.training.EpochStats;
import dev.feedrank.training.TrainingListener;
import dev.feedrank.training.TrainingResult;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.training.TwoTowerTrainer;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Locale;

/**
 * train: the two-tower model on the prepared dataset; the best checkpoint by validation AUC goes to S3, and so does
 * the full training state after every epoch and when the run asks to stop ({@code last.state}). When a run finds
 * its {@code last.state} at the start of this stage (a resumed run), training continues from there.
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

    @Override
    public void execute(StageContext ctx) throws Exception {
        PreparedDataset data = datasets.dataset(ctx);
        TrainingSettings settings = TrainingSettings.from(ctx.config().train());
        String checkpointKey = "runs/" + ctx.runId() + "/checkpoints/best.params";
        String stateKey = lastStateKey(ctx.runId());
        byte[] resumeFrom = null;
        if (storage.exists(stateKey)) {
            resumeFrom = storage.get(stateKey);
            ctx.artifact("last-checkpoint", stateKey);
            ctx.progress(String.format(Locale.ROOT, "found training state %s (%d bytes): continuing from it", stateKey, resumeFrom.length));
        }
        TrainingResult result = new TwoTowerTrainer().train(data, settings, new TrainingListener() {
            @Override
            public void progress(String line) {
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
                        s.best() ? " (best so far, checkpoint saved)" : ""));
            }

            @Override
            public void bestCheckpoint(int epoch, double auc, byte[] parameters) throws Exception {
                storage.put(checkpointKey, parameters, "application/octet-stream");
            }

            @Override
            public boolean stopRequested() {
                return ctx.stopRequested();
            }

            @Override
            public void checkpoint(byte[] state) throws Exception {
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
    }

    /** Where a run's training state (for resuming) is kept. */
    public static String lastStateKey(long runId) {
        return "runs/" + runId + "/checkpoints/last.state";
    }
}
