package dev.feedrank.training;

import dev.feedrank.model.TwoTowerModel;

import java.util.List;

/** The trained model (holding the best epoch's weights), its curve and where the best was found. */
public record TrainingResult(TwoTowerModel model, List<EpochStats> curve, int bestEpoch, double bestValidationAuc,
                             boolean stoppedEarly, double seconds) {
}
