package dev.feedrank.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-made tiny MovieLens folders of each layout (latin-1 titles, quoting, CRLF) are detected and parsed. */
class MovieLensLayoutsTest {
    @TempDir
    Path work;

    private PreparedDataset prepare(Path folder) {
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.parse("movielens:" + folder),
                new PreparationSettings(0.6, 0.2, 2, "uniform", 7L, 0, 0, 0), work, null);
        DatasetAssertions.assertWellFormed(ds);
        DatasetAssertions.assertNegativesAvoidPositives(ds);
        return ds;
    }

    @Test
    void movieLens100k() {
        PreparedDataset ds = prepare(TestData.resource("data/ml-100k-tiny"));
        assertEquals("movielens-100k", ds.stats().get("layout"));
        assertEquals(List.of("u.data", "u.item", "u.user"), ds.stats().get("inputFiles"));
        assertEquals(40, ((Number) ds.stats().get("interactions")).intValue());
        assertEquals(6, ds.users().rows());
        assertEquals(8, ds.items().rows());
        assertEquals(19 + 3, ds.items().width()); // 19 genre flags, year, popularity, recent popularity
        assertTrue(ds.items().featureNames().containsAll(List.of("genre:unknown", "genre:Children's", "year")));
        assertEquals(List.of("age", "gender:F", "gender:M", "occupation:executive", "occupation:other",
                "occupation:technician", "occupation:writer"), ds.users().featureNames().subList(0, 7));
        int user2 = Arrays.asList(ds.users().ids()).indexOf("2"); // 2|53|F|other
        assertEquals(1f, DatasetAssertions.feature(ds.users(), user2, "gender:F"));
        assertEquals(1f, DatasetAssertions.feature(ds.users(), user2, "occupation:other"));
        assertTrue(DatasetAssertions.feature(ds.users(), user2, "age") > 1f, "53 is well above the mean age");
        int item3 = Arrays.asList(ds.items().ids()).indexOf("3"); // Café du coin: Comedy, Romance
        assertEquals(1f, DatasetAssertions.feature(ds.items(), item3, "genre:Comedy"));
        assertEquals(1f, DatasetAssertions.feature(ds.items(), item3, "genre:Romance"));
        assertEquals(0f, DatasetAssertions.feature(ds.items(), item3, "genre:Drama"));
        assertLabelsFollowRatings(ds, TestData.resource("data/ml-100k-tiny/u.data"), "\t");
    }

    @Test
    void movieLens1m() {
        PreparedDataset ds = prepare(TestData.resource("data/ml-1m-tiny"));
        assertEquals("movielens-1m", ds.stats().get("layout"));
        assertEquals(30, ((Number) ds.stats().get("interactions")).intValue());
        assertEquals(5, ds.users().rows());
        assertEquals(7, ds.items().rows());
        assertEquals(List.of("genre:Action", "genre:Adventure", "genre:Animation", "genre:Children's", "genre:Comedy",
                "genre:Crime", "genre:Drama", "genre:Fantasy", "genre:Musical", "genre:Romance", "genre:Sci-Fi",
                "genre:Thriller", "year", "popularity", "recent_popularity"), ds.items().featureNames());
        assertTrue(ds.users().featureNames().containsAll(List.of("age", "gender:F", "gender:M", "occupation:10",
                "pref:genre:Action", "activity")));
        int starWars = Arrays.asList(ds.items().ids()).indexOf("7"); // 1977, the oldest
        int cats = Arrays.asList(ds.items().ids()).indexOf("5"); // "Great Performances" Cats (1998), the newest
        assertTrue(DatasetAssertions.feature(ds.items(), starWars, "year")
                < DatasetAssertions.feature(ds.items(), cats, "year"));
        assertEquals(1f, DatasetAssertions.feature(ds.items(), cats, "genre:Musical"));
        assertLabelsFollowRatings(ds, TestData.resource("data/ml-1m-tiny/ratings.dat"), "::");
    }

    @Test
    void movieLensLatestWithCrlfQuotedTitlesAndUnusedFiles() throws IOException {
        Path folder = work.resolve("ml-latest-tiny");
        StringBuilder ratings = new StringBuilder("userId,movieId,rating,timestamp\r\n");
        long ts = 1_500_000_000L;
        for (int u = 1; u <= 4; u++) {
            for (int m = 1; m <= 5; m++) {
                if ((u + m) % 3 == 0) continue;
                ratings.append(u).append(',').append(m).append(',').append((u * m) % 10 / 2.0 + 0.5).append(',')
                        .append(ts += 100).append("\r\n");
            }
        }
        TestData.write(folder, "ratings.csv", ratings.toString());
        TestData.write(folder, "movies.csv", "movieId,title,genres\r\n"
                + "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\r\n"
                + "2,\"American President, The (1995)\",Comedy|Drama|Romance\r\n"
                + "3,\"Lord of the Rings: The Two Towers, The (2002)\",Adventure|Fantasy\r\n"
                + "4,Babylon 5,(no genres listed)\r\n"
                + "5,\"Bridget Jones: The Edge of Reason (2004) \",Comedy|Drama\r\n"
                + "6,Never Rated (2010),Documentary\r\n");
        TestData.write(folder, "tags.csv", "userId,movieId,tag,timestamp\r\n1,1,pixar,1500000000\r\n");
        TestData.write(folder, "links.csv", "movieId,imdbId,tmdbId\r\n1,0114709,862\r\n");
        PreparedDataset ds = prepare(folder);
        assertEquals("movielens-latest", ds.stats().get("layout"));
        assertEquals(List.of("movies.csv", "ratings.csv"), ds.stats().get("inputFiles"));
        assertEquals(6, ds.items().rows(), "catalog items without ratings are rows too");
        assertEquals(0, ds.items().vocabIndex()[5], "never rated: out of vocabulary");
        assertFalse(ds.items().featureNames().contains("genre:(no genres listed)"));
        int babylon = Arrays.asList(ds.items().ids()).indexOf("4");
        for (String g : ds.items().featureNames()) {
            if (g.startsWith("genre:")) assertEquals(0f, DatasetAssertions.feature(ds.items(), babylon, g));
        }
        // year parsed from the quoted title with a comma and trailing blank: 2002 and 2004 above 1995
        int lotr = Arrays.asList(ds.items().ids()).indexOf("3");
        int bridget = Arrays.asList(ds.items().ids()).indexOf("5");
        int toy = Arrays.asList(ds.items().ids()).indexOf("1");
        assertTrue(DatasetAssertions.feature(ds.items(), bridget, "year")
                > DatasetAssertions.feature(ds.items(), lotr, "year"));
        assertTrue(DatasetAssertions.feature(ds.items(), lotr, "year")
                > DatasetAssertions.feature(ds.items(), toy, "year"));
        assertEquals(0f, DatasetAssertions.feature(ds.items(), babylon, "year"), "missing year = the mean");
    }

    @Test
    void s3SourceIsDownloadedAndHashesLikeTheLocalFolder() throws IOException {
        Path local = TestData.resource("data/ml-1m-tiny");
        LocalFolderStorage storage = new LocalFolderStorage(work.resolve("s3"));
        for (String f : List.of("ratings.dat", "movies.dat", "users.dat")) {
            storage.putInto("datasets", "movielens/ml-1m-tiny/" + f, local.resolve(f));
        }
        storage.putInto("datasets", "movielens/ml-1m-tiny-other/ratings.dat", local.resolve("ratings.dat"));
        PreparationSettings settings = TestData.defaults();
        PreparedDataset fromS3 = new DatasetPreparer().prepare(
                DatasetSpec.parse("movielens:s3://datasets/movielens/ml-1m-tiny"), settings, work.resolve("w"), storage);
        PreparedDataset fromDisk = new DatasetPreparer().prepare(DatasetSpec.parse("movielens:" + local), settings,
                work.resolve("w"), null);
        assertEquals(fromDisk.contentHash(), fromS3.contentHash());
        assertEquals("movielens:s3://datasets/movielens/ml-1m-tiny", fromS3.source());
        assertArrayEquals(fromDisk.items().dense(), fromS3.items().dense());
        assertArrayEquals(fromDisk.train().item(), fromS3.train().item());
        assertEquals(List.of(), java.nio.file.Files.list(work.resolve("w")).toList(), "temporary downloads removed");
    }

    /** click = 1 for every rating, like = rating >= 4, share = rating == 5. */
    private static void assertLabelsFollowRatings(PreparedDataset ds, Path ratingsFile, String delimiter) {
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(ratingsFile);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int likes = 0;
        int shares = 0;
        for (String l : lines) {
            int rating = Integer.parseInt(l.split(java.util.regex.Pattern.quote(delimiter))[2]);
            if (rating >= 4) likes++;
            if (rating == 5) shares++;
        }
        int[] got = new int[3];
        for (Examples e : new Examples[] {ds.train(), ds.validation(), ds.test()}) {
            for (int i = 0; i < e.size(); i++) {
                got[0] += (int) e.click()[i];
                got[1] += (int) e.like()[i];
                got[2] += (int) e.share()[i];
            }
        }
        assertArrayEquals(new int[] {lines.size(), likes, shares}, got);
    }
}
