package dev.feedrank.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticPreparationTest {
    @TempDir
    static Path work;
    static PreparedDataset ds;

    @BeforeAll
    static void prepare() {
        ds = new DatasetPreparer().prepare(DatasetSpec.synthetic(), TestData.smallSynthetic(), work, null);
    }

    @Test
    void sampledNegativesEverywhereAndObservedImpressionsKeptInTheTestSplit() {
        DatasetAssertions.assertWellFormed(ds);
        assertEquals("synthetic", ds.source());
        assertEquals("synthetic", ds.stats().get("layout"));
        assertEquals("observed (test split only) + sampled uniform x4 (validation and test: stored; train: drawn per batch, fresh every epoch)", ds.stats().get("negatives"));
        int[] impressions = {16_000, 2_000, 2_000};
        Examples[] splits = {ds.train(), ds.validation(), ds.test()};
        for (int s = 0; s < 3; s++) {
            Examples e = splits[s];
            int observed = 0, positives = 0, sampled = 0;
            for (int i = 0; i < e.size(); i++) {
                if (e.sampled()[i]) {
                    sampled++;
                    assertEquals(0f, e.click()[i]);
                } else {
                    observed++;
                    if (e.click()[i] == 1f) positives++;
                }
            }
            if (s == 2) {
                assertEquals(impressions[s], observed, "every test impression is kept");
            } else {
                assertEquals(positives, observed, "train and validation: observed positives only");
            }
            if (s == 0) {
                assertEquals(0, sampled, "train: positives only, training draws their negatives per batch");
            } else {
                assertTrue(sampled > 3.9 * positives && sampled <= 4 * positives, sampled + " sampled for " + positives + " positives");
            }
        }
        assertEquals(4, ds.trainNegatives().perPositive());
        assertEquals("uniform", ds.trainNegatives().sampling());
        assertEquals(ds.items().rows(), ds.trainNegatives().itemFirstSeen().length);
        assertEquals(300, ds.users().rows());
        assertEquals(200, ds.items().rows());
        assertTrue(ds.items().featureNames().containsAll(java.util.List.of("category_0", "topic_0", "year", "quality",
                "popularity")));
        assertTrue(ds.users().featureNames().containsAll(java.util.List.of("age_18_24", "gender_f", "region_0",
                "interest_0", "pref:topic_0", "pref:category_0", "activity")));
    }

    @Test
    void preparationIsDeterministic() {
        PreparedDataset again = new DatasetPreparer().prepare(DatasetSpec.synthetic(), TestData.smallSynthetic(), work,
                null);
        assertEquals(ds.contentHash(), again.contentHash());
        assertArrayEquals(ds.users().dense(), again.users().dense());
        assertArrayEquals(ds.items().dense(), again.items().dense());
        assertArrayEquals(ds.test().item(), again.test().item());
        assertEquals(ds.stats(), again.stats());
        PreparationSettings otherSplit = new PreparationSettings(0.7, 0.1, 4, "uniform", 42L, 300, 200, 20_000);
        assertNotEquals(ds.contentHash(), new DatasetPreparer().prepare(DatasetSpec.synthetic(), otherSplit, work, null)
                .contentHash(), "settings are part of the content hash");
    }

    /** The features carry the click signal: a fixed hand-made score (no learning) already separates clicks. */
    @Test
    void featuresCarryALearnableClickSignal() {
        double auc = handMadeScoreAuc(ds, ds.test());
        System.out.printf("synthetic small: hand-made feature score test AUC %.3f%n", auc);
        assertTrue(auc > 0.68, "AUC of a feature-only hand-made score on test: " + auc);
    }

    @Test
    void defaultSizeIsPreparedInSeconds() {
        long started = System.nanoTime();
        PreparedDataset big = new DatasetPreparer().prepare(DatasetSpec.synthetic(), TestData.defaults(), work, null);
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("synthetic 2000x1000x200000 prepared in %.2f s%n", seconds);
        assertEquals(2000, big.users().rows());
        assertEquals(1000, big.items().rows());
        int testImpressions = 0;
        for (boolean sampled : big.test().sampled()) if (!sampled) testImpressions++;
        assertEquals(20_000, testImpressions, "the last 10% of the 200,000 impressions are the test window");
        DatasetAssertions.assertWellFormed(big);
        double auc = handMadeScoreAuc(big, big.test());
        System.out.printf("synthetic default: hand-made feature score test AUC %.3f%n", auc);
        assertTrue(auc > 0.70, "hand-made feature score AUC " + auc);
        assertTrue(seconds < 30, "took " + seconds + " s");
    }

    /** score = interest·topic + pref:topic·topic + quality + popularity, all from the prepared dense features. */
    static double handMadeScoreAuc(PreparedDataset d, Examples e) {
        double[] score = new double[e.size()];
        boolean[] clicked = new boolean[e.size()];
        for (int i = 0; i < e.size(); i++) {
            int u = e.user()[i];
            int it = e.item()[i];
            double s = 0;
            for (int k = 0; k < 4; k++) {
                float topic = DatasetAssertions.feature(d.items(), it, "topic_" + k);
                s += topic * (DatasetAssertions.feature(d.users(), u, "interest_" + k)
                        + DatasetAssertions.feature(d.users(), u, "pref:topic_" + k));
            }
            s += DatasetAssertions.feature(d.items(), it, "quality") + DatasetAssertions.feature(d.items(), it, "popularity");
            score[i] = s;
            clicked[i] = e.click()[i] == 1f;
        }
        return TestData.auc(score, clicked);
    }
}
