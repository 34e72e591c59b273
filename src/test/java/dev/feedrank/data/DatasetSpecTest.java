package dev.feedrank.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetSpecTest {

    @Test
    void parsesEveryAcceptedForm() {
        assertEquals(new DatasetSpec(DatasetSpec.Format.SYNTHETIC, null), DatasetSpec.parse(" synthetic "));
        assertNull(DatasetSpec.parse("SYNTHETIC").path());
        assertEquals(new DatasetSpec(DatasetSpec.Format.MOVIELENS, "/data/ml-1m"), DatasetSpec.parse("movielens:/data/ml-1m"));
        assertEquals(new DatasetSpec(DatasetSpec.Format.CSV, "rel/folder"), DatasetSpec.parse("csv:rel/folder"));
        assertEquals(new DatasetSpec(DatasetSpec.Format.PARQUET, "s3://b/p/x.parquet"),
                DatasetSpec.parse("parquet:s3://b/p/x.parquet"));
        assertEquals("movielens:/data/ml-1m", DatasetSpec.parse("movielens:/data/ml-1m").toString());
        assertEquals("synthetic", DatasetSpec.parse("synthetic").toString());
    }

    @Test
    void splitsS3Paths() {
        DatasetSpec spec = DatasetSpec.parse("movielens:s3://datasets/movielens/ml-100k");
        assertTrue(spec.isS3());
        assertEquals("datasets", spec.s3Bucket());
        assertEquals("movielens/ml-100k", spec.s3Prefix());
        DatasetSpec bucketOnly = DatasetSpec.parse("csv:s3://bucket");
        assertEquals("bucket", bucketOnly.s3Bucket());
        assertEquals("", bucketOnly.s3Prefix());
        assertFalse(DatasetSpec.parse("csv:/tmp/x").isS3());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "imdb:/x", "movielens", "movielens:", "csv:  ", "json:/a/b", "synthetic:5",
            "csv:s3://", "csv:s3:///prefix"})
    void rejectsAnythingElseListingTheAcceptedForms(String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.parse(spec));
        assertTrue(e.getMessage().contains("synthetic") || e.getMessage().contains("bucket"), e.getMessage());
        if (!spec.startsWith("csv:s3")) {
            assertTrue(e.getMessage().contains("movielens:PATH, csv:PATH, parquet:PATH"), e.getMessage());
        }
    }
}
