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
        PreparedDataset ds = new PreparedDatasetStore(PrepareDataStage.duckDb(ctx.config())).read(prefix, storage, workDir(ctx));
        ctx.share(PreparedDataset.class, ds);
        return ds;
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
        PreparedDataset ds = new PreparedDatasetStore(PrepareDataStage.duckDb(ctx.config())).read(prefix, storage, workDir(ctx).resolve("refit"));
        ctx.share(Refit.class, new Refit(ds));
        return java.util.Optional.of(ds);
    }

    static Path workDir(StageContext ctx) {
        return Path.of(ctx.config().workDir(), "run-" + ctx.runId());
    }
}
