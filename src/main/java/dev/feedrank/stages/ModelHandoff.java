package dev.feedrank.stages;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.ModelSpec;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.training.TwoTowerTrainer;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.storage.ObjectStorage;
import dev.feedrank.training.TrainingResult;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The run's trained model (the one model selection chose): kept in memory by train, else rebuilt from the best
 * checkpoint in S3. When the run refitted, also the refit model (kept in memory, else rebuilt from
 * {@code refit.params}).
 */
@ApplicationScoped
public class ModelHandoff {

    private final ObjectStorage storage;

    public ModelHandoff(ObjectStorage storage) {
        this.storage = storage;
    }

    /** Artifact of the refit model's parameters. */
    public static final String REFIT_ARTIFACT = "refit-checkpoint";

    /** The refit model, as shared between stages. */
    public record Refit(TwoTowerModel model) {
    }

    /** The refit model (shaped by the refit dataset {@code all}); empty when the run did not refit. */
    public java.util.Optional<TwoTowerModel> refitModel(StageContext ctx, PreparedDataset all) throws Exception {
        var inMemory = ctx.shared(Refit.class);
        if (inMemory.isPresent()) return java.util.Optional.of(inMemory.get().model());
        String key = ctx.artifacts().get(REFIT_ARTIFACT);
        if (key == null) return java.util.Optional.empty();
        ModelSpec spec = TwoTowerTrainer.modelSpec(all, TrainingSettings.from(ctx.config().train()));
        TwoTowerModel model = TwoTowerModel.create(spec);
        ctx.closeAtEnd(model);
        model.loadParameters(storage.get(key));
        ctx.share(Refit.class, new Refit(model));
        return java.util.Optional.of(model);
    }

    public TwoTowerModel model(StageContext ctx, PreparedDataset data) throws Exception {
        var trained = ctx.shared(TrainingResult.class);
        if (trained.isPresent()) return trained.get().model();
        var loaded = ctx.shared(TwoTowerModel.class);
        if (loaded.isPresent()) return loaded.get();
        String key = ctx.artifacts().get("checkpoint");
        if (key == null) throw new IllegalStateException("no checkpoint recorded for run " + ctx.runId());
        ModelSpec spec = TwoTowerTrainer.modelSpec(data, TrainingSettings.from(ctx.config().train()));
        TwoTowerModel model = TwoTowerModel.create(spec);
        ctx.closeAtEnd(model);
        model.loadParameters(storage.get(key));
        ctx.share(TwoTowerModel.class, model);
        return model;
    }
}
