package dev.feedrank.stages;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.data.PreparedDatasetStore;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.storage.ObjectStorage;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.file.Path;

/**
 * The run's prepared dataset (and, when the run refits, its refit dataset): kept in memory by prepare-data, else
 * read back from its artifact in S3.
 */
@ApplicationScoped
public class DatasetHandoff {

    private final ObjectStorage storage;

    public DatasetHandoff(ObjectStorage storage) {
        this.storage = storage;
    }

    public PreparedDataset dataset(StageContext ctx) throws Exception {
        var inMemory = ctx.shared(PreparedDataset.class);
        if (inMemory.isPresent()) return inMemory.get();
        String prefix = ctx.artifacts().get(PrepareDataStage.ARTIFACT);
        if (prefix == null) throw new IllegalStateException("no prepared dataset recorded for run " + ctx.runId());
        PreparedDataset ds = PrepareDataStage.store(ctx.config()).read(prefix, storage, workDir(ctx));
        ctx.share(PreparedDataset.class, ds);
        return ds;
    }

    /**
     * The run's prepared dataset for training: as {@link #dataset}, but read from S3 without its train split when that
     * is sharded (training streams the shards; the rest of the run reads the whole dataset), and with the run's
     * {@code train.shuffle-window} and {@code train.prefetch-shards}.
     */
    public PreparedDataset trainingDataset(StageContext ctx) throws Exception {
        var inMemory = ctx.shared(PreparedDataset.class);
        PreparedDataset ds;
        if (inMemory.isPresent()) {
            ds = inMemory.get();
        } else {
            String prefix = ctx.artifacts().get(PrepareDataStage.ARTIFACT);
            if (prefix == null) throw new IllegalStateException("no prepared dataset recorded for run " + ctx.runId());
            ds = PrepareDataStage.store(ctx.config()).readForTraining(prefix, storage, workDir(ctx));
        }
        return streamedAsConfigured(ds, ctx);
    }

    /** The refit dataset for training (see {@link #trainingDataset}); empty when the run does not refit. */
    public java.util.Optional<PreparedDataset> refitTrainingDataset(StageContext ctx) throws Exception {
        var inMemory = ctx.shared(Refit.class);
        if (inMemory.isPresent()) return java.util.Optional.of(streamedAsConfigured(inMemory.get().dataset(), ctx));
        String prefix = ctx.artifacts().get(PrepareDataStage.REFIT_ARTIFACT);
        if (prefix == null) return java.util.Optional.empty();
        return java.util.Optional.of(streamedAsConfigured(PrepareDataStage.store(ctx.config())
                .readForTraining(prefix, storage, workDir(ctx).resolve("refit")), ctx));
    }

    private static PreparedDataset streamedAsConfigured(PreparedDataset ds, StageContext ctx) {
        if (ds.trainShards() == null) return ds;
        return ds.withTrainShards(ds.trainShards().streamedWith(ctx.config().train().shuffleWindow(),
                ctx.config().train().prefetchShards()));
    }

    /** The refit dataset (every interaction of the input in train), as shared between stages. */
    public record Refit(PreparedDataset dataset) {
    }

    /** The run's refit dataset; empty when the run does not refit (prepare-data recorded none). */
    public java.util.Optional<PreparedDataset> refitDataset(StageContext ctx) throws Exception {
        var inMemory = ctx.shared(Refit.class);
        if (inMemory.isPresent()) return java.util.Optional.of(inMemory.get().dataset());
        String prefix = ctx.artifacts().get(PrepareDataStage.REFIT_ARTIFACT);
        if (prefix == null) return java.util.Optional.empty();
        PreparedDataset ds = PrepareDataStage.store(ctx.config()).read(prefix, storage, workDir(ctx).resolve("refit"));
        ctx.share(Refit.class, new Refit(ds));
        return java.util.Optional.of(ds);
    }

    static Path workDir(StageContext ctx) {
        return Path.of(ctx.config().workDir(), "run-" + ctx.runId());
    }
}
