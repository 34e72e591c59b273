package dev.feedrank.stages;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The epoch-end progress line carries the ETA of the batch line before it (the console shows the line's ETA). */
class TrainStageLastEtaTest {

    @Test
    void theEpochEndLineCarriesTheLatestBatchLinesEta() {
        TrainStage.LastEta eta = new TrainStage.LastEta();
        assertEquals("", eta.suffix(), "no batch line yet: no ETA");
        eta.seen("training on cpu (train.device=auto)");
        assertEquals("", eta.suffix());
        eta.seen("epoch 1/20 batch 44/44 samples/s 16336 ETA 1m05s");
        assertEquals(" ETA 1m05s", eta.suffix());
        eta.seen("epoch 1: mined the 10 hardest negatives of every training user in 0.3s (mix ratio 0.50)");
        assertEquals(" ETA 1m05s", eta.suffix(), "a line without an ETA keeps the last one");
        eta.seen("epoch 2/20 batch 44/44 samples/s 17001 ETA 0m58s");
        assertEquals(" ETA 0m58s", eta.suffix());
    }
}
