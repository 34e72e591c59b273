package dev.feedrank.stages;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.data.PreparedDatasetStore;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.storage.ObjectStorage;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.file.Path;

/** The run's prepared dataset: kept in memory by prepare-data, else read back from its artifact in S3. */
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
        PreparedDataset ds = new PreparedDatasetStore().read(prefix, storage, workDir(ctx));
        ctx.share(PreparedDataset.class, ds);
        return ds;
    }

    static Path workDir(StageContext ctx) {
        return Path.of(ctx.config().workDir(), "run-" + ctx.runId());
    }
}
