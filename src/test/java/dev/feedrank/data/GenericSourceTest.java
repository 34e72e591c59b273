package dev.feedrank.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code csv:PATH} and {@code parquet:PATH}: folders with feature tables, or the interactions file itself. */
class GenericSourceTest {
    @TempDir
    Path tmp;

    /** 40 users x 30 items, explicit 0/1 labels, ISO and epoch timestamps mixed. */
    static Path explicitCsvFolder(Path folder) throws IOException {
        StringBuilder interactions = new StringBuilder("user_id,item_id,timestamp,click,like,share,extra\n");
        for (int i = 0; i < 600; i++) {
            int user = 1 + (i * 7) % 40;
            int item = 100 + (i * 13) % 30;
            boolean click = (user + item) % 3 == 0;
            boolean like = click && item % 2 == 0;
            String ts = i % 2 == 0 ? Long.toString(1_600_000_000L + 60L * i)
                    : java.time.Instant.ofEpochSecond(1_600_000_000L + 60L * i).toString();
            interactions.append(user).append(',').append(item).append(',').append(ts).append(',')
                    .append(click ? 1 : 0).append(',').append(like ? 1 : 0).append(',').append(like && user % 2 == 0 ? 1 : 0)
                    .append(",x\n");
        }
        TestData.write(folder, "interactions.csv", interactions.toString());
        StringBuilder items = new StringBuilder("item_id,is_video,length_s,score\n");
        for (int item = 100; item < 132; item++) { // 130, 131 never shown
            items.append(item).append(',').append(item % 2).append(',').append(30 + item * 3).append(',')
                    .append(item == 105 ? "" : Double.toString(item / 10.0)).append('\n');
        }
        TestData.write(folder, "items.csv", items.toString());
        StringBuilder users = new StringBuilder("user_id,age,premium\n");
        for (int user = 1; user <= 41; user++) users.append(user).append(',').append(18 + user).append(',').append(user % 2).append('\n');
        TestData.write(folder, "users.csv", users.toString());
        return folder;
    }

    @Test
    void csvFolderWithFeatureTables() throws IOException {
        Path folder = explicitCsvFolder(tmp.resolve("csv"));
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + folder), TestData.defaults(),
                tmp.resolve("work"), null);
        DatasetAssertions.assertWellFormed(ds);
        assertEquals("generic-csv", ds.stats().get("layout"));
        assertEquals("observed (test split only) + sampled uniform x4 (validation and test: stored; train: drawn per batch, fresh every epoch)", ds.stats().get("negatives"));
        assertEquals(List.of("interactions.csv", "items.csv", "users.csv"), ds.stats().get("inputFiles"));
        assertEquals(41, ds.users().rows(), "user 41 has no interactions but is in users.csv");
        assertEquals(32, ds.items().rows());
        assertEquals(List.of("is_video", "length_s", "score", "popularity", "recent_popularity"), ds.items().featureNames());
        assertEquals(List.of("age", "premium", "pref:is_video", "pref:length_s", "pref:score", "activity"),
                ds.users().featureNames());
        int item105 = Arrays.asList(ds.items().ids()).indexOf("105");
        assertEquals(0f, DatasetAssertions.feature(ds.items(), item105, "score"), "missing value = mean = 0");
        assertEquals(1f, DatasetAssertions.feature(ds.items(), item105, "is_video"), "0/1 columns stay as they are");
        assertEquals(0f, DatasetAssertions.feature(ds.items(), Arrays.asList(ds.items().ids()).indexOf("131"),
                "popularity"));
        int observedTest = 0;
        for (boolean sampled : ds.test().sampled()) if (!sampled) observedTest++;
        assertEquals(60, observedTest, "the test window keeps all of its 10% of the 600 interactions");
    }

    @Test
    void parquetFolderGivesTheSameFeaturesAsCsv() throws Exception {
        Path csv = explicitCsvFolder(tmp.resolve("csv"));
        Path parquet = tmp.resolve("parquet");
        Files.createDirectories(parquet);
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            // typed columns: BIGINT ids, TIMESTAMP / BIGINT, BOOLEAN labels, DOUBLE features
            st.execute("COPY (SELECT CAST(user_id AS BIGINT) user_id, CAST(item_id AS INTEGER) item_id, timestamp, "
                    + "CAST(click AS BOOLEAN) click, CAST(\"like\" AS INTEGER) \"like\", CAST(\"share\" AS TINYINT) AS \"share\" "
                    + "FROM read_csv('" + csv.resolve("interactions.csv") + "', all_varchar = true)) TO '"
                    + parquet.resolve("interactions.parquet") + "' (FORMAT PARQUET)");
            st.execute("COPY (SELECT * FROM read_csv('" + csv.resolve("items.csv") + "')) TO '"
                    + parquet.resolve("items.parquet") + "' (FORMAT PARQUET)");
            st.execute("COPY (SELECT * FROM read_csv('" + csv.resolve("users.csv") + "')) TO '"
                    + parquet.resolve("users.parquet") + "' (FORMAT PARQUET)");
        }
        PreparedDataset fromCsv = new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + csv), TestData.defaults(),
                tmp.resolve("work"), null);
        PreparedDataset fromParquet = new DatasetPreparer().prepare(DatasetSpec.parse("parquet:" + parquet),
                TestData.defaults(), tmp.resolve("work"), null);
        assertEquals("generic-parquet", fromParquet.stats().get("layout"));
        assertArrayEquals(fromCsv.users().dense(), fromParquet.users().dense());
        assertArrayEquals(fromCsv.items().dense(), fromParquet.items().dense());
        assertArrayEquals(fromCsv.test().item(), fromParquet.test().item());
        assertArrayEquals(fromCsv.test().click(), fromParquet.test().click());
        assertArrayEquals(fromCsv.test().ts(), fromParquet.test().ts());
        assertNotEquals(fromCsv.contentHash(), fromParquet.contentHash());
    }

    @Test
    void stringIdsAreKeptAsGivenAndParquetIntegerIdsBecomeTheirDecimalText() throws Exception {
        StringBuilder sb = new StringBuilder("user_id,item_id,timestamp\n");
        String[] items = {"item:123", "\"x,y\"", "007", "7", " 10 ", "\u00fcn\u00ef", "2"};
        for (int i = 0; i < 300; i++) {
            sb.append("u-").append(i % 12).append(',').append(items[(i * 5 + i / 12) % items.length]).append(',')
                    .append(1_600_000_000L + i).append('\n');
        }
        Path csv = TestData.write(tmp.resolve("strings"), "interactions.csv", sb.toString());
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + csv), TestData.defaults(),
                tmp.resolve("work"), null);
        DatasetAssertions.assertWellFormed(ds);
        // integers first by value (2, 7, 10 trimmed), then text ids in text order; 007 and 7 are different ids
        assertEquals(List.of("2", "7", "10", "007", "item:123", "x,y", "\u00fcn\u00ef"), Arrays.asList(ds.items().ids()));
        assertEquals("u-0", ds.users().ids()[0]);
        assertEquals("u-10", ds.users().ids()[2], "text order: u-0, u-1, u-10, u-11, u-2, ...");

        Path parquet = tmp.resolve("typed");
        Files.createDirectories(parquet);
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            // string ids in a VARCHAR column as given; integer (and integral DOUBLE) columns as decimal text
            st.execute("COPY (SELECT 'u-' || (i % 12) AS user_id, CAST(100 + i % 20 AS DOUBLE) AS item_id, "
                    + "1600000000 + i AS \"timestamp\" FROM range(300) t(i)) TO '" + parquet.resolve("interactions.parquet")
                    + "' (FORMAT PARQUET)");
            st.execute("COPY (SELECT CAST(100 + i AS INTEGER) AS item_id, i % 2 AS q FROM range(25) t(i)) TO '"
                    + parquet.resolve("items.parquet") + "' (FORMAT PARQUET)");
        }
        PreparedDataset typed = new DatasetPreparer().prepare(DatasetSpec.parse("parquet:" + parquet),
                TestData.defaults(), tmp.resolve("work"), null);
        assertEquals(25, typed.items().rows(), "DOUBLE 100.0 in interactions and INTEGER 100 in items are one id");
        assertEquals("100", typed.items().ids()[0]);
        assertEquals("124", typed.items().ids()[24]);
        assertEquals(12, typed.users().rows());
    }

    @Test
    void interactionsFileWithoutLabelsIsImplicitFeedback() throws IOException {
        StringBuilder sb = new StringBuilder("user_id,item_id,timestamp\n");
        for (int i = 0; i < 500; i++) sb.append(1 + i % 25).append(',').append(1 + (i * 7) % 60).append(',')
                .append(1_600_000_000L + i).append('\n');
        Path file = TestData.write(tmp.resolve("implicit"), "views.csv", sb.toString());
        TestData.write(tmp.resolve("implicit"), "items.csv", "item_id,x\n1,5\n"); // ignored: PATH is a file
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + file), TestData.defaults(),
                tmp.resolve("work"), null);
        DatasetAssertions.assertWellFormed(ds);
        DatasetAssertions.assertNegativesAvoidPositives(ds);
        assertEquals(List.of("views.csv"), ds.stats().get("inputFiles"));
        assertEquals("sampled uniform x4 (validation and test: stored; train: drawn per batch, fresh every epoch)", ds.stats().get("negatives"));
        assertEquals(List.of("popularity", "recent_popularity"), ds.items().featureNames());
        assertEquals(List.of("activity"), ds.users().featureNames());
        int observed = 0;
        for (Examples e : new Examples[] {ds.train(), ds.validation(), ds.test()}) {
            for (int i = 0; i < e.size(); i++) {
                if (e.sampled()[i]) continue;
                observed++;
                assertEquals(1f, e.click()[i]);
                assertEquals(0f, e.like()[i]);
                assertEquals(0f, e.share()[i]);
            }
        }
        assertEquals(500, observed);
    }

    @Test
    void popularitySamplingFavoursPopularItems() throws IOException, SQLException {
        StringBuilder sb = new StringBuilder("user_id,item_id,timestamp\n");
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < 5000; i++) {
            int item = r.nextDouble() < 0.5 ? 1 + r.nextInt(5) : 6 + r.nextInt(95); // items 1..5 are half the traffic
            sb.append(1 + r.nextInt(2000)).append(',').append(item).append(',').append(1_600_000_000L + i).append('\n');
        }
        Path file = TestData.write(tmp.resolve("pop"), "interactions.csv", sb.toString());
        PreparationSettings popularity = new PreparationSettings(0.8, 0.1, 4, "popularity", 3L, 0, 0, 0);
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + file), popularity,
                tmp.resolve("work"), null);
        PreparedDataset uniform = new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + file), TestData.defaults(),
                tmp.resolve("work"), null);
        DatasetAssertions.assertNegativesAvoidPositives(ds);
        assertEquals("sampled popularity x4 (validation and test: stored; train: drawn per batch, fresh every epoch)", ds.stats().get("negatives"));
        // (the train split stores positives only: training draws its negatives by the same sampler)
        assertTrue(headShare(ds.validation()) > 0.3, "popularity: " + headShare(ds.validation()));
        assertTrue(headShare(uniform.validation()) < 0.1, "uniform: " + headShare(uniform.validation()));
    }

    /** Share of sampled negatives that are one of the five head items (rows 0..4). */
    private static double headShare(Examples e) {
        int head = 0;
        int sampled = 0;
        for (int i = 0; i < e.size(); i++) {
            if (!e.sampled()[i]) continue;
            sampled++;
            if (e.item()[i] < 5) head++;
        }
        return (double) head / sampled;
    }
}
