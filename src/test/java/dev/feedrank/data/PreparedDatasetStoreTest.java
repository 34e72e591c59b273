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
                prefix + "train.parquet", prefix + "users.parquet", prefix + "validation.parquet"),
                storage.list("datasets/"));
        JsonNode schema = new ObjectMapper().readTree(storage.get(prefix + "schema.json"));
        assertEquals(ds.contentHash(), schema.get("contentHash").asText());
        assertEquals("synthetic", schema.get("source").asText());
        assertEquals(ds.items().featureNames().size(), schema.get("items").get("featureNames").size());
        assertEquals(ds.users().vocabSize(), schema.get("users").get("vocabSize").asInt());
        assertEquals(ds.test().size(), schema.get("splits").get("test").get("rows").asInt());
        assertEquals(ds.train().size(), schema.get("stats").get("splits").get("train").get("examples").asInt());
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
