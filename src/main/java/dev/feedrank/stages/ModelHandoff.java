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

/** The run's trained model: kept in memory by train, else rebuilt from the best checkpoint in S3. */
@ApplicationScoped
public class ModelHandoff {

    private final ObjectStorage storage;

    public ModelHandoff(ObjectStorage storage) {
        this.storage = storage;
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
