package dev.feedrank.stages;

import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.data.DatasetPreparer;
import dev.feedrank.data.DatasetSpec;
import dev.feedrank.data.PreparationSettings;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.data.PreparedDatasetStore;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.storage.ObjectStorage;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.file.Path;

/**
 * prepare-data: reads the dataset source, validates it, builds features and the time split, and writes the
 * prepared dataset to S3 under {@code datasets/<content hash>/}. When the run refits ({@link #refit(FeedrankConfig)}),
 * it also prepares the refit dataset (the same input, every interaction in train; artifact {@code dataset-refit}).
 */
@ApplicationScoped
public class PrepareDataStage implements Stage {

    public static final String ARTIFACT = "dataset";
    /** The refit dataset (every interaction in train), when the run refits. */
    public static final String REFIT_ARTIFACT = "dataset-refit";

    private final ObjectStorage storage;

    public PrepareDataStage(ObjectStorage storage) {
        this.storage = storage;
    }

    @Override
    public String name() {
        return "prepare-data";
    }

    @Override
    public int order() {
        return 10;
    }

    public static PreparationSettings settings(FeedrankConfig c) {
        return new PreparationSettings(c.split().trainFraction(), c.split().validationFraction(),
                c.negatives().perPositive(), c.negatives().sampling(), c.train().seed(),
                c.synthetic().users(), c.synthetic().items(), c.synthetic().impressions(), c.split().strategy(),
                c.split().testFraction(), c.data().trainShardRows());
    }

    /** prepare-data's DuckDB limits ({@code data.duckdb-memory-limit}, {@code data.duckdb-threads}). */
    public static dev.feedrank.data.DuckDbSettings duckDb(FeedrankConfig c) {
        return new dev.feedrank.data.DuckDbSettings(c.data().duckdbMemoryLimit(), c.data().duckdbThreads().orElse(null));
    }

    /**
     * Whether the run trains its final model on train + validation + test after model selection
     * ({@code train.refit}: {@code auto} = only for {@code split.strategy=global-time}, whose held-out windows are the
     * newest interactions; the per-user splits exist for offline evaluation).
     */
    public static boolean refit(FeedrankConfig c) {
        String v = c.train().refit() == null ? "auto" : c.train().refit().trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "auto" -> settings(c).globalTime();
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("train.refit must be auto, true or false, got '" + c.train().refit() + "'");
        };
    }

    /** The store of prepared datasets with this run's DuckDB limits and shard size. */
    public static PreparedDatasetStore store(FeedrankConfig c) {
        return new PreparedDatasetStore(duckDb(c), c.data().trainShardRows());
    }

    @Override
    public void execute(StageContext ctx) throws Exception {
        // defence in depth: the trigger was checked, but a resumed or stored run is checked again where it is read
        DatasetSpec spec = RunSettingsChecks.datasetLocations(ctx.config()).checkBeforeReading(ctx.dataset());
        Path work = DatasetHandoff.workDir(ctx);
        dev.feedrank.data.DuckDbSettings duckDb = duckDb(ctx.config());
        PreparedDatasetStore store = store(ctx.config());
        boolean useCache = ctx.config().cache();
        boolean refit = refit(ctx.config());
        boolean[] hit = {false};
        PreparedDataset ds = new DatasetPreparer(duckDb).prepare(spec, settings(ctx.config()), work, storage, !useCache ? null : hash -> {
            if (!store.exists(hash, storage)) return null;
            hit[0] = true;
            return store.read(PreparedDatasetStore.prefixOf(hash), storage, work);
        });
        String prefix = hit[0] ? PreparedDatasetStore.prefixOf(ds.contentHash()) : store.write(ds, storage, work);
        // later stages of this process train from the shards just written, as a stage in its own process would
        if (!hit[0]) ds = ds.withTrainShards(store.trainShards(prefix, storage, work));
        String refitNote = "";
        if (refit) {
            boolean[] refitHit = {false};
            PreparedDataset all = new DatasetPreparer(duckDb).prepare(spec, settings(ctx.config()).forRefit(), work, storage, !useCache ? null : hash -> {
                if (!store.exists(hash, storage)) return null;
                refitHit[0] = true;
                return store.read(PreparedDatasetStore.prefixOf(hash), storage, work);
            });
            String refitPrefix = refitHit[0] ? PreparedDatasetStore.prefixOf(all.contentHash()) : store.write(all, storage, work);
            if (!refitHit[0]) all = all.withTrainShards(store.trainShards(refitPrefix, storage, work.resolve("refit")));
            ctx.artifact(REFIT_ARTIFACT, refitPrefix);
            ctx.share(DatasetHandoff.Refit.class, new DatasetHandoff.Refit(all));
            refitNote = String.format("; refit dataset %s: %d users, %d items, %d train examples -> %s",
                    refitHit[0] ? "reused" : "prepared", all.users().rows(), all.items().rows(), all.train().size(), refitPrefix);
        }
        ctx.cacheHit(hit[0]);
        ctx.metric("dataset", "cache_hit", hit[0] ? 1 : 0, null, null);
        ctx.artifact(ARTIFACT, prefix);
        ctx.share(PreparedDataset.class, ds);
        ctx.metric("dataset", "users", ds.users().rows(), null, null);
        ctx.metric("dataset", "items", ds.items().rows(), null, null);
        ctx.metric("dataset", "examples", ds.train().size(), "train", null);
        ctx.metric("dataset", "examples", ds.validation().size(), "validation", null);
        ctx.metric("dataset", "examples", ds.test().size(), "test", null);
        ctx.progress(String.format("%s %s: %d users, %d items, %d/%d/%d train/validation/test examples -> %s%s",
                hit[0] ? "reused (content hash unchanged)" : useCache ? "prepared" : "prepared (cache off)", ds.source(),
                ds.users().rows(), ds.items().rows(), ds.train().size(), ds.validation().size(), ds.test().size(), prefix,
                refitNote));
    }
}
