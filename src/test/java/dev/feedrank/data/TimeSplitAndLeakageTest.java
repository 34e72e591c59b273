package dev.feedrank.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimeSplitAndLeakageTest {
    @TempDir
    Path tmp;

    static final int ROWS = 1000;

    /**
     * 1000 interactions of 30 users x 40 items with strictly increasing timestamps (so rows 0..799 are the train
     * window), written in shuffled file order. {@code futureSeed} changes only what happens after the train window,
     * {@code firstItem} only the first (clicked) interaction.
     */
    static String interactions(boolean labels, long futureSeed) {
        return interactions(labels, futureSeed, 1);
    }

    static String interactions(boolean labels, long futureSeed, int firstItem) {
        SplittableRandom base = new SplittableRandom(1);
        SplittableRandom future = new SplittableRandom(futureSeed);
        String[] lines = new String[ROWS];
        for (int i = 0; i < ROWS; i++) {
            SplittableRandom r = i < 800 ? base : future;
            int user = 1 + r.nextInt(30);
            int item = 1 + r.nextInt(40);
            int click = r.nextInt(3) == 0 || i == 0 ? 1 : 0;
            if (i == 0) item = firstItem;
            lines[i] = user + "," + item + "," + (1_600_000_000L + 10L * i) + (labels ? "," + click + ",0,0" : "");
        }
        // shuffle the file order: the split must sort by time
        SplittableRandom shuffle = new SplittableRandom(99);
        for (int i = ROWS - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            String t = lines[i];
            lines[i] = lines[j];
            lines[j] = t;
        }
        return (labels ? "user_id,item_id,timestamp,click,like,share\n" : "user_id,item_id,timestamp\n")
                + String.join("\n", lines) + "\n";
    }

    private PreparedDataset prepare(String name, String interactions) throws IOException {
        Path folder = tmp.resolve(name);
        TestData.write(folder, "interactions.csv", interactions);
        StringBuilder users = new StringBuilder("user_id,age\n");
        for (int u = 1; u <= 30; u++) users.append(u).append(',').append(20 + u).append('\n');
        TestData.write(folder, "users.csv", users.toString());
        StringBuilder items = new StringBuilder("item_id,length,kind\n");
        for (int i = 1; i <= 40; i++) items.append(i).append(',').append(i * 7 % 13).append(',').append(i % 2).append('\n');
        TestData.write(folder, "items.csv", items.toString());
        return new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + folder), TestData.defaults(), tmp.resolve("w"),
                null);
    }

    @ParameterizedTest(name = "explicit labels: {0}")
    @ValueSource(booleans = {true, false})
    void splitIsByTimeWithTheConfiguredFractions(boolean labels) throws IOException {
        PreparedDataset ds = prepare("split", interactions(labels, 2));
        DatasetAssertions.assertTimeOrdered(ds);
        long maxTrain = ds.train().ts()[ds.train().size() - 1];
        long firstValidation = ds.validation().ts()[0];
        if (labels) {
            // train and validation hold the window's positives (plus sampled negatives); the test split keeps every
            // observed row of its window, so it starts exactly at row 900
            assertTrue(maxTrain <= 1_600_000_000L + 10L * 799, "train ends in its window: " + maxTrain);
            assertTrue(firstValidation >= 1_600_000_000L + 10L * 800, "validation starts in its window: " + firstValidation);
            int observedTest = 0;
            for (boolean sampled : ds.test().sampled()) if (!sampled) observedTest++;
            assertEquals(100, observedTest);
        } else {
            assertEquals(1_600_000_000L + 10L * 799, maxTrain);
            assertEquals(1_600_000_000L + 10L * 800, firstValidation);
        }
        assertEquals(1_600_000_000L + 10L * 900, ds.test().ts()[0]);
    }

    @Test
    void tiesAreBrokenStablyAndNeverOrderedAgainstTime() throws IOException {
        StringBuilder sb = new StringBuilder("user_id,item_id,timestamp,click\n");
        for (int i = 0; i < 100; i++) sb.append(1 + i % 7).append(',').append(1 + i % 11).append(',')
                .append(1_600_000_000L + i / 20).append(',').append(i % 2).append('\n');
        Path folder = tmp.resolve("ties");
        TestData.write(folder, "interactions.csv", sb.toString());
        PreparedDataset a = new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + folder), TestData.defaults(),
                tmp.resolve("w"), null);
        DatasetAssertions.assertTimeOrdered(a);
        PreparedDataset b = new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + folder), TestData.defaults(),
                tmp.resolve("w"), null);
        assertArrayEquals(a.train().user(), b.train().user());
        assertArrayEquals(a.test().item(), b.test().item());
    }

    /**
     * No feature sees the validation or test window: changing everything after the train window (users, items,
     * labels) leaves both feature tables, including the ID vocabulary, unchanged; changing the train window does not.
     */
    @ParameterizedTest(name = "explicit labels: {0}")
    @ValueSource(booleans = {true, false})
    void featuresIgnoreTheValidationAndTestWindows(boolean labels) throws IOException {
        PreparedDataset original = prepare("a", interactions(labels, 2));
        PreparedDataset otherFuture = prepare("b", interactions(labels, 3));
        assertFalse(java.util.Arrays.equals(original.test().item(), otherFuture.test().item()), "the future differs");
        assertTables(original.users(), otherFuture.users(), true);
        assertTables(original.items(), otherFuture.items(), true);

        PreparedDataset otherPast = prepare("c", interactions(labels, 2, 2));
        assertTables(original.items(), otherPast.items(), false);
    }

    private static void assertTables(FeatureTable a, FeatureTable b, boolean equal) {
        assertArrayEquals(a.ids(), b.ids());
        assertEquals(a.featureNames(), b.featureNames());
        boolean same = java.util.Arrays.equals(a.dense(), b.dense()) && java.util.Arrays.equals(a.vocabIndex(),
                b.vocabIndex()) && a.vocabSize() == b.vocabSize();
        assertEquals(equal, same, equal ? "features changed with the future" : "features ignore the train window?");
        assertTrue(a.width() > 1);
    }
}
