package dev.feedrank.training;

import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.EmbeddingScores;
import dev.feedrank.model.TwoTowerModel;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class HardNegativeMinerTest {

    @Test
    void minedNegativesAreTheModelsTopScoredNonPositivesAndScoreAboveRandomOnes() throws Exception {
        PreparedDataset data = TinyDatasets.agreement(200, 120, 12_000, 9);
        TrainingSettings s = new TrainingSettings(2, 256, 3e-3, 16, 8, 5, 5, 3, 0.5, 1000, 0.1);
        try (TwoTowerModel model = new TwoTowerTrainer().train(data, s, new TrainingListener() { }).model()) {
            int k = 10;
            HardNegativeMiner.Mined mined = HardNegativeMiner.mine(model, data, k);
            BitSet[] positives = HardNegativeMiner.trainPositives(data.train(), data.users().rows());
            float[] u = model.embedUsers(data.users());
            float[] it = model.embedItems(data.items());
            int d = model.spec().embeddingDim();
            EmbeddingScores.Task click = model.scores().task("click");
            SplittableRandom random = new SplittableRandom(1);
            double minedSum = 0;
            double randomSum = 0;
            int pairs = 0;
            int checkedUsers = 0;
            for (int user = 0; user < data.users().rows(); user++) {
                if (positives[user] == null) {
                    assertEquals(-1, mined.item(user, 0), "a user without train positives gets nothing mined");
                    continue;
                }
                checkedUsers++;
                // brute force: the best-scoring item that is not a train positive
                int best = -1;
                float bestScore = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < data.items().rows(); i++) {
                    if (positives[user].get(i)) continue;
                    float sc = click.logit(u, user * d, it, i * d);
                    if (sc > bestScore) {
                        bestScore = sc;
                        best = i;
                    }
                }
                assertEquals(best, mined.item(user, 0), "user " + user + ": hardest negative");
                for (int j = 0; j < k; j++) {
                    int item = mined.item(user, j);
                    assertFalse(positives[user].get(item), "user " + user + " mined its own positive " + item);
                    if (j > 0) {
                        assertTrue(click.logit(u, user * d, it, item * d) <= click.logit(u, user * d, it, mined.item(user, j - 1) * d),
                                "best first");
                    }
                    int other;
                    do {
                        other = random.nextInt(data.items().rows());
                    } while (positives[user].get(other));
                    minedSum += click.logit(u, user * d, it, item * d);
                    randomSum += click.logit(u, user * d, it, other * d);
                    pairs++;
                }
            }
            assertTrue(checkedUsers > 150, "users checked: " + checkedUsers);
            double minedMean = minedSum / pairs;
            double randomMean = randomSum / pairs;
            assertTrue(minedMean > randomMean + 1.0, "mined negatives must score higher than random ones: mined "
                    + minedMean + ", random " + randomMean);
        }
    }
}
