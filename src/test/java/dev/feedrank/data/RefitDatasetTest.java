package dev.feedrank.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The refit dataset (strategy {@code all}): the same input with every interaction in train. */
class RefitDatasetTest {

    @Test
    void refitCoversEveryEntity(@TempDir Path dir) throws Exception {
        PreparationSettings main = TestData.settings(150, 80, 6_000);
        Path folder = new SyntheticDatasetGenerator().generate(main, dir.resolve("csv"));
        // what the input holds: every user (users.csv and interactions), every item, and who clicked what
        Set<String> inputUsers = new HashSet<>(ids(folder.resolve("users.csv")));
        Set<String> inputItems = new HashSet<>(ids(folder.resolve("items.csv")));
        Set<String> clickedUsers = new HashSet<>();
        Set<String> clickedItems = new HashSet<>();
        long clicks = 0;
        List<String> lines = Files.readAllLines(folder.resolve("interactions.csv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");  // user_id,item_id,timestamp,position,click,like,share
            inputUsers.add(f[0]);
            inputItems.add(f[1]);
            if (f[4].equals("1")) {
                clickedUsers.add(f[0]);
                clickedItems.add(f[1]);
                clicks++;
            }
        }

        DatasetSpec spec = DatasetSpec.parse("csv:" + folder);
        PreparedDataset selection = new DatasetPreparer().prepare(spec, main, dir.resolve("w1"), null);
        PreparedDataset all = new DatasetPreparer().prepare(spec, main.forRefit(), dir.resolve("w2"), null);

        assertEquals(0, all.validation().size());
        assertEquals(0, all.test().size());
        long positives = 0;
        for (int i = 0; i < all.train().size(); i++) {
            if (!all.train().sampled()[i]) {
                assertEquals(1f, all.train().click()[i], "train keeps positives and sampled negatives");
                positives++;
            }
        }
        assertEquals(clicks, positives, "every click of the input is a train positive");
        assertEquals(clickedUsers.size() + 1, all.users().vocabSize(), "an ID-embedding row for every clicked user (+ OOV)");
        assertEquals(clickedItems.size() + 1, all.items().vocabSize(), "an ID-embedding row for every clicked item (+ OOV)");
        assertEquals(inputUsers, Set.of(all.users().ids()), "a feature row for every user of the input");
        assertEquals(inputItems, Set.of(all.items().ids()), "a feature row for every item of the input");
        for (int r = 0; r < all.users().rows(); r++) {
            assertEquals(clickedUsers.contains(all.users().ids()[r]), all.users().vocabIndex()[r] > 0, all.users().ids()[r]);
        }
        // the selection dataset's vocabulary is the train window's only: the newest entities are OOV there
        assertTrue(selection.users().vocabSize() <= all.users().vocabSize());
        assertTrue(selection.items().vocabSize() <= all.items().vocabSize());
        assertTrue(all.train().size() > selection.train().size());

        // its own content hash, independent of the split that selected the model
        assertNotEquals(selection.contentHash(), all.contentHash());
        PreparationSettings perUser = main.withSplit(PreparationSettings.PER_USER_TIME, 0.3);
        assertEquals(all.contentHash(), new DatasetPreparer().prepare(spec, perUser.forRefit(), dir.resolve("w3"), null,
                hash -> all).contentHash());

        // it round-trips through the dataset store like any prepared dataset (empty validation and test included)
        LocalFolderStorage storage = new LocalFolderStorage(dir.resolve("s3"));
        PreparedDatasetStore store = new PreparedDatasetStore();
        String prefix = store.write(all, storage, dir.resolve("w4"));
        PreparedDataset back = store.read(prefix, storage, dir.resolve("w5"));
        assertEquals(all.train().size(), back.train().size());
        assertEquals(0, back.validation().size());
        assertEquals(0, back.test().size());
        assertEquals(all.users().vocabSize(), back.users().vocabSize());
        assertEquals(all.items().rows(), back.items().rows());
    }

    private static List<String> ids(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        return lines.subList(1, lines.size()).stream().map(l -> l.substring(0, l.indexOf(','))).toList();
    }
}
