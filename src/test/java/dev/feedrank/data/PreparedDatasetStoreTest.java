package dev.feedrank.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreparedDatasetStoreTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripIsExact() throws Exception {
        // implicit feedback (sampled negatives) and catalog rows without interactions
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.parse("movielens:"
                + TestData.resource("data/ml-100k-tiny")), TestData.defaults(), tmp.resolve("work"), null);
        assertRoundTrip(ds);
    }

    @Test
    void roundTripOfSyntheticWithStorageLayout() throws Exception {
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.synthetic(), TestData.smallSynthetic(),
                tmp.resolve("work"), null);
        LocalFolderStorage storage = assertRoundTrip(ds);
        String prefix = PreparedDatasetStore.prefixOf(ds.contentHash());
        assertEquals(List.of(prefix + "item_first_seen.parquet", prefix + "items.parquet", prefix + "schema.json", prefix + "test.parquet",
                prefix + "train/part-00000.parquet", prefix + "users.parquet", prefix + "validation.parquet"),
                storage.list("datasets/"));
        JsonNode schema = new ObjectMapper().readTree(storage.get(prefix + "schema.json"));
        assertEquals(ds.contentHash(), schema.get("contentHash").asText());
        assertEquals("synthetic", schema.get("source").asText());
        assertEquals(ds.items().featureNames().size(), schema.get("items").get("featureNames").size());
        assertEquals(ds.users().vocabSize(), schema.get("users").get("vocabSize").asInt());
        assertEquals(ds.test().size(), schema.get("splits").get("test").get("rows").asInt());
        assertEquals(ds.train().size(), schema.get("stats").get("splits").get("train").get("examples").asInt());
        // one shard (data.train-shard-rows or fewer rows): training reads it whole instead of streaming it
        PreparedDataset forTraining = new PreparedDatasetStore().readForTraining(prefix, storage, tmp.resolve("work"));
        assertEquals(1, forTraining.trainShards().count());
        assertFalse(forTraining.streamsTrain());
        assertEquals(ds.train().size(), forTraining.train().size());
    }

    @Test
    void theShardSizeIsPartOfTheContentHashSoACachedDatasetOfAnotherLayoutIsNotReused() throws Exception {
        PreparationSettings settings = TestData.smallSynthetic();
        List<String> hashes = new java.util.ArrayList<>();
        for (PreparationSettings s : List.of(settings, settings, settings.withTrainShardRows(1_000),
                settings.withTrainShardRows(1_000).forRefit(), settings.forRefit())) {
            new DatasetPreparer().prepare(DatasetSpec.synthetic(), s, tmp.resolve("work"), null, hash -> {
                hashes.add(hash);
                return null; // a cache miss: prepared
            });
        }
        assertEquals(hashes.get(0), hashes.get(1), "the same settings reuse the dataset");
        assertNotEquals(hashes.get(0), hashes.get(2), "data.train-shard-rows=1000 is another layout: " + hashes);
        assertNotEquals(hashes.get(3), hashes.get(4), "the refit dataset keeps the shard size: " + hashes);
        assertEquals(1_000, settings.withTrainShardRows(1_000).withSplit(PreparationSettings.PER_USER_TIME, 0.3).trainShardRows());
        assertEquals(PreparedDatasetStore.DEFAULT_SHARD_ROWS, settings.trainShardRows());
    }

    @Test
    void aPreparedTrainSplitIsWrittenAsShuffledShardsThatTrainingCanReadOneByOne() throws Exception {
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.synthetic(), TestData.smallSynthetic(),
                tmp.resolve("work"), null);
        int n = ds.train().size();
        assertTrue(n > 3_000, "enough train rows for several shards: " + n);
        LocalFolderStorage storage = new LocalFolderStorage(tmp.resolve("s3"));
        PreparedDatasetStore store = new PreparedDatasetStore(DuckDbSettings.DEFAULT, 1_000);
        String prefix = store.write(ds, storage, tmp.resolve("work"));

        int expectedShards = (n + 999) / 1_000;
        List<String> keys = storage.list(prefix + "train/");
        assertEquals(expectedShards, keys.size(), keys.toString());
        assertEquals(prefix + "train/part-00000.parquet", keys.get(0));

        PreparedDataset streamed = store.readForTraining(prefix, storage, tmp.resolve("work"));
        assertEquals(0, streamed.train().size(), "the train split stays in S3");
        assertTrue(streamed.streamsTrain());
        assertEquals(n, streamed.trainRows());
        TrainShards shards = streamed.trainShards();
        assertEquals(expectedShards, shards.count());
        List<Examples> parts = new java.util.ArrayList<>();
        for (int k = 0; k < shards.count(); k++) {
            Examples part = shards.read(k);
            assertTrue(part.size() == n / expectedShards || part.size() == n / expectedShards + 1,
                    "shard sizes differ by at most one row: " + part.size());
            parts.add(part);
        }
        Examples all = PreparedDatasetStore.concat(parts.toArray(Examples[]::new));
        assertEquals(rowsOf(ds.train()), rowsOf(all), "the shards hold every train row once");
        assertFalse(java.util.Arrays.equals(ds.train().user(), all.user()) && java.util.Arrays.equals(ds.train().ts(), all.ts()),
                "written in a shuffled order, so that a shuffle window mixes the whole split");
        // the same content hash gives the same order
        LocalFolderStorage again = new LocalFolderStorage(tmp.resolve("s3-again"));
        store.write(ds, again, tmp.resolve("work"));
        Examples first = store.readForTraining(prefix, again, tmp.resolve("work")).trainShards().read(0);
        assertArrayEquals(parts.get(0).user(), first.user());
        assertArrayEquals(parts.get(0).ts(), first.ts());
        // the whole read gives the rows in the order they were prepared in, with the shards attached: a run that reuses
        // the cached dataset trains in memory on what the run that prepared it trained on
        PreparedDataset whole = store.read(prefix, storage, tmp.resolve("work"));
        assertArrayEquals(ds.train().user(), whole.train().user());
        assertArrayEquals(ds.train().item(), whole.train().item());
        assertArrayEquals(ds.train().ts(), whole.train().ts());
        assertArrayEquals(ds.train().click(), whole.train().click());
        assertEquals(expectedShards, whole.trainShards().count());
        try (var files = Files.list(tmp.resolve("work"))) {
            assertEquals(List.of(), files.toList(), "temporary files removed");
        }
    }

    /** The rows as sorted strings: equal for the same multiset of rows in any order. */
    static List<String> rowsOf(Examples e) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < e.size(); i++) {
            out.add(e.user()[i] + "," + e.item()[i] + "," + e.click()[i] + "," + e.like()[i] + "," + e.share()[i] + ","
                    + e.sampled()[i] + "," + e.ts()[i]);
        }
        java.util.Collections.sort(out);
        return out;
    }

    private LocalFolderStorage assertRoundTrip(PreparedDataset ds) throws Exception {
        LocalFolderStorage storage = new LocalFolderStorage(tmp.resolve("s3"));
        PreparedDatasetStore store = new PreparedDatasetStore();
        assertFalse(store.exists(ds.contentHash(), storage));
        String prefix = store.write(ds, storage, tmp.resolve("work"));
        assertEquals("datasets/" + ds.contentHash() + "/", prefix);
        assertTrue(store.exists(ds.contentHash(), storage));

        PreparedDataset back = store.read(prefix, storage, tmp.resolve("work"));
        assertEquals(ds.contentHash(), back.contentHash());
        assertEquals(ds.source(), back.source());
        assertEquals(ds.stats(), back.stats());
        assertEquals(ds.trainNegatives().perPositive(), back.trainNegatives().perPositive());
        assertEquals(ds.trainNegatives().sampling(), back.trainNegatives().sampling());
        assertArrayEquals(ds.trainNegatives().itemFirstSeen(), back.trainNegatives().itemFirstSeen());
        for (FeatureTable[] t : new FeatureTable[][] {{ds.users(), back.users()}, {ds.items(), back.items()}}) {
            assertArrayEquals(t[0].ids(), t[1].ids());
            assertArrayEquals(t[0].vocabIndex(), t[1].vocabIndex());
            assertEquals(t[0].vocabSize(), t[1].vocabSize());
            assertArrayEquals(t[0].dense(), t[1].dense());
            assertEquals(t[0].featureNames(), t[1].featureNames());
        }
        // a prepared train split is stored as shards in a seeded random order, and read back in the prepared order
        Examples[][] pairs = {{ds.train(), back.train()}, {ds.validation(), back.validation()}, {ds.test(), back.test()}};
        for (Examples[] e : pairs) {
            assertArrayEquals(e[0].user(), e[1].user());
            assertArrayEquals(e[0].item(), e[1].item());
            assertArrayEquals(e[0].click(), e[1].click());
            assertArrayEquals(e[0].like(), e[1].like());
            assertArrayEquals(e[0].share(), e[1].share());
            assertArrayEquals(e[0].sampled(), e[1].sampled());
            assertArrayEquals(e[0].ts(), e[1].ts());
        }
        try (var files = Files.list(tmp.resolve("work"))) {
            assertEquals(List.of(), files.toList(), "temporary files removed");
        }
        return storage;
    }
}
