package dev.feedrank.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real ml-latest-small (CRLF, quoted titles), read from ../shared; skipped when absent. */
class MovieLensLatestSmallTest {
    @TempDir
    static Path work;
    static PreparedDataset ds;
    static double seconds;

    @BeforeAll
    static void prepare() {
        Path folder = TestData.mlLatestSmall();
        long started = System.nanoTime();
        ds = new DatasetPreparer().prepare(DatasetSpec.parse("movielens:" + folder), TestData.defaults(), work, null);
        seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("ml-latest-small prepared in %.2f s: %s%n", seconds, ds.stats());
    }

    @Test
    void preparesQuicklyWithTheExpectedShape() {
        assertEquals("movielens-latest", ds.stats().get("layout"));
        assertEquals(610, ds.users().rows());
        assertTrue(ds.items().rows() >= 9700 && ds.items().rows() <= 9800, "items " + ds.items().rows());
        assertEquals(100_836, ((Number) ds.stats().get("interactions")).intValue());
        assertEquals(List.of("movies.csv", "ratings.csv"), ds.stats().get("inputFiles"));
        assertTrue(ds.items().featureNames().containsAll(List.of("genre:Comedy", "genre:Sci-Fi", "year", "popularity")));
        assertTrue(!ds.items().featureNames().contains("genre:(no genres listed)"));
        assertTrue(ds.users().featureNames().containsAll(List.of("pref:genre:Comedy", "activity")));
        assertTrue(seconds < 20, "took " + seconds + " s");
        DatasetAssertions.assertWellFormed(ds);
    }

    @Test
    void implicitFeedbackGetsSampledNegatives() {
        assertEquals("sampled uniform x4 (validation and test: stored; train: drawn per batch, fresh every epoch)", ds.stats().get("negatives"));
        for (int i = 0; i < ds.train().size(); i++) assertFalse(ds.train().sampled()[i], "train: positives only");
        assertEquals(4, ds.trainNegatives().perPositive(), "training draws 4 per train positive");
        for (Examples e : new Examples[] {ds.validation(), ds.test()}) {
            int positives = 0;
            int sampled = 0;
            for (int i = 0; i < e.size(); i++) {
                if (e.sampled()[i]) sampled++;
                else positives++;
            }
            // only the very first positives (when fewer items have appeared than needed) may get fewer negatives
            assertTrue(sampled <= 4 * positives && sampled >= 0.99 * 4 * positives, sampled + " for " + positives);
        }
        DatasetAssertions.assertNegativesAvoidPositives(ds);
    }

    @Test
    void ratingsBecomeClickLikeShare() {
        // like = rating >= 4 is about half of the ratings, share = rating 5 about an eighth
        Examples t = ds.train();
        int positives = 0;
        int likes = 0;
        int shares = 0;
        for (int i = 0; i < t.size(); i++) {
            if (t.sampled()[i]) continue;
            positives++;
            likes += (int) t.like()[i];
            shares += (int) t.share()[i];
        }
        assertTrue(likes > 0.35 * positives && likes < 0.65 * positives, likes + " of " + positives);
        assertTrue(shares > 0.05 * positives && shares < 0.25 * positives, shares + " of " + positives);
    }

    @Test
    void genreFlagsAndYearAreParsed() {
        int toyStory = java.util.Arrays.asList(ds.items().ids()).indexOf("1"); // Adventure|Animation|Children|Comedy|Fantasy
        assertEquals(1f, DatasetAssertions.feature(ds.items(), toyStory, "genre:Animation"));
        assertEquals(0f, DatasetAssertions.feature(ds.items(), toyStory, "genre:Drama"));
        int heat = java.util.Arrays.asList(ds.items().ids()).indexOf("6"); // Heat (1995)
        assertEquals(DatasetAssertions.feature(ds.items(), toyStory, "year"),
                DatasetAssertions.feature(ds.items(), heat, "year"));
    }
}
