package dev.feedrank.stages;

import dev.feedrank.ann.AnnSettings;
import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.config.RunSettingsCheck;
import dev.feedrank.data.DatasetLocations;
import dev.feedrank.data.DuckDbSettings;
import dev.feedrank.gating.GatePolicy;
import dev.feedrank.training.TrainingDevice;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.validation.ValidationSettings;
import jakarta.enterprise.context.ApplicationScoped;

/** The domain packages' checks of a run's settings ({@link RunSettingsCheck}), run by {@code RunConfigFactory}. */
@ApplicationScoped
public class RunSettingsChecks implements RunSettingsCheck {

    @Override
    public void check(FeedrankConfig typed) {
        GatePolicy.from(typed.gate()); // threshold values must parse before the run starts, not at its gate
        ValidationSettings.from(typed.validation()); // so must severities and bounds of data validation
        TrainingSettings.Technique.from(typed.train()); // and the loss, mining and multi-task settings
        TrainingSettings.sparseEmbeddingUpdates(typed.train().sparseEmbeddingUpdates(), -1); // and the update mode
        AnnSettings.from(typed.ann()); // and the ANN index parameters
        TrainingDevice.parse(typed.train().device());
        new DuckDbSettings(typed.data().duckdbMemoryLimit(), typed.data().duckdbThreads().orElse(null));
        EvaluateStage.baselineSettings(typed); // and the strong baselines, their ranks, lambdas and EASE^R's item cap
        PrepareDataStage.store(typed); // data.train-shard-rows
        if (typed.train().shuffleWindow() < 1 || typed.train().prefetchShards() < 1) {
            throw new IllegalArgumentException("train.shuffle-window and train.prefetch-shards must be >= 1, got "
                    + typed.train().shuffleWindow() + " and " + typed.train().prefetchShards());
        }
        if (typed.eval().maxUsers() < 1) {
            throw new IllegalArgumentException("eval.max-users must be >= 1, got " + typed.eval().maxUsers());
        }
    }

    @Override
    public String checkDataset(String spec, FeedrankConfig config) {
        datasetLocations(config).checkBeforeReading(spec);
        return spec;
    }

    /** The dataset locations a run of this configuration may read ({@code data.*}, work dir, bucket). */
    public static DatasetLocations datasetLocations(FeedrankConfig c) {
        return DatasetLocations.of(c.data().allowedLocations(), c.data().allowWorkingDirectory(), c.workDir(),
                c.storage().bucket());
    }
}
