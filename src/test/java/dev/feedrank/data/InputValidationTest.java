package dev.feedrank.data;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Malformed input fails with a message naming the file, the data row, the field and what was expected. */
class InputValidationTest {
    @TempDir
    Path tmp;

    /**
     * @param spec     {@code movielens}, {@code csv} or {@code parquet}
     * @param files    name, content pairs; a {@code .parquet} file's content is a DuckDB query to COPY into it
     * @param expected substrings of the message (besides file, row and field)
     */
    record Case(String spec, List<String> files, String file, Long row, String field, List<String> expected) {
    }

    static final String RATINGS = "userId,movieId,rating,timestamp\n";
    static final String MOVIES = "movieId,title,genres\n1,A (1995),Drama\n2,B (1996),Comedy\n";
    static final String INTERACTIONS = "user_id,item_id,timestamp\n";
    static final long FUTURE = Instant.now().getEpochSecond() + 10 * 86_400;
    /** Content prefixes: write the rest as UTF-16 (with byte-order mark) or Latin-1, or gzip / write it and cut it. */
    static final String UTF16 = "\u0000utf-16\u0000";
    static final String LATIN1 = "\u0000latin-1\u0000";
    static final String CUT = "\u0000cut\u0000";

    static Arguments c(String name, String spec, String file, Long row, String field, List<String> expected,
                       String... files) {
        return Arguments.of(Named.of(name, new Case(spec, List.of(files), file, row, field, expected)));
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                c("movielens folder without ratings", "movielens", "ratings.csv", null, null,
                        List.of("missing file", "u.data", "ratings.dat", "found none"), "movies.csv", MOVIES),
                c("movielens latest without movies", "movielens", "movies.csv", null, null,
                        List.of("missing file", "found none"), "ratings.csv", RATINGS + "1,1,4.0,964982703\n"),
                c("csv folder without interactions", "csv", "interactions.csv", null, null,
                        List.of("missing file", "found none"), "users.csv", "user_id,age\n1,3\n"),
                c("missing column", "csv", "interactions.csv", null, "timestamp",
                        List.of("missing column", "found 3 columns, none of that name"),
                        "interactions.csv", "user_id,item_id,ts\n1,2,1600000000\n"),
                c("empty user id", "csv", "interactions.csv", 1L, "user_id",
                        List.of("expected a non-empty id, got an empty value"),
                        "interactions.csv", INTERACTIONS + ",2,1600000000\n"),
                c("blank item id", "csv", "items.csv", 2L, "item_id", List.of("expected a non-empty id, got '   '"),
                        "interactions.csv", INTERACTIONS + "a,b,1600000000\n", "items.csv", "item_id,q\nb,1\n   ,2\n"),
                c("tab inside a string id", "csv", "interactions.csv", 2L, "item_id",
                        List.of("expected an id without control characters", "got 'item\\t9'"),
                        "interactions.csv", INTERACTIONS + "u1,item:1,1600000000\nu1,\"item\t9\",1600000001\n"),
                c("line break inside a quoted string id", "csv", "interactions.csv", 1L, "user_id",
                        List.of("expected an id without control characters", "got 'a\\nb'"),
                        "interactions.csv", INTERACTIONS + "\"a\nb\",i1,1600000000\n"),
                c("over-long string id (not echoed in full)", "csv", "interactions.csv", 1L, "item_id",
                        List.of("expected an id of at most 256 characters", "... (300 characters)"),
                        "interactions.csv", INTERACTIONS + "u1," + "x".repeat(300) + ",1600000000\n"),
                c("duplicate string item id", "csv", "items.csv", 3L, "item_id",
                        List.of("expected unique ids, got ' item:7 ' a second time"),
                        "interactions.csv", INTERACTIONS + "u,item:7,1600000000\n",
                        "items.csv", "item_id,q\nitem:7,1\n007,2\n item:7 ,3\n"),
                c("non-numeric MovieLens user id", "movielens", "ratings.csv", 2L, "userId",
                        List.of("expected an integer id, got 'x7'"),
                        "ratings.csv", RATINGS + "1,1,4.0,964982703\nx7,1,4.0,964982703\n", "movies.csv", MOVIES),
                c("empty interactions", "csv", "interactions.csv", null, null,
                        List.of("empty dataset", "expected at least one interaction"), "interactions.csv", INTERACTIONS),
                c("empty ratings", "movielens", "ratings.csv", null, null, List.of("empty dataset"),
                        "ratings.csv", RATINGS, "movies.csv", MOVIES),
                c("timestamp zero", "csv", "interactions.csv", 2L, "timestamp",
                        List.of("expected epoch seconds", "between 1 and", "got '0'"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n1,2,0\n"),
                c("timestamp in the future", "csv", "interactions.csv", 1L, "timestamp",
                        List.of("(now + 1 day), got '" + FUTURE + "'"),
                        "interactions.csv", INTERACTIONS + "1,2," + FUTURE + "\n"),
                c("timestamp in milliseconds", "movielens", "ratings.csv", 1L, "timestamp",
                        List.of("expected epoch seconds", "got '1600000000000'"),
                        "ratings.csv", RATINGS + "1,1,4.0,1600000000000\n", "movies.csv", MOVIES),
                c("unparsable timestamp", "csv", "interactions.csv", 1L, "timestamp", List.of("got 'yesterday'"),
                        "interactions.csv", INTERACTIONS + "1,2,yesterday\n"),
                c("NaN feature", "csv", "items.csv", 2L, "quality", List.of("expected a finite number, got 'NaN'"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n", "items.csv", "item_id,quality\n1,0.5\n2,NaN\n"),
                c("infinite feature", "csv", "users.csv", 1L, "age", List.of("expected a finite number, got 'inf'"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n", "users.csv", "user_id,age\n1,inf\n"),
                c("text feature", "csv", "items.csv", 1L, "quality", List.of("expected a finite number, got 'good'"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n", "items.csv", "item_id,quality\n1,good\n"),
                c("duplicate item id", "csv", "items.csv", 3L, "item_id", List.of("expected unique ids, got '1'"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n", "items.csv", "item_id,q\n1,1\n2,2\n1,3\n"),
                c("label 2", "csv", "interactions.csv", 2L, "click", List.of("expected a 0/1 label, got '2'"),
                        "interactions.csv", "user_id,item_id,timestamp,click\n1,2,1600000000,1\n1,3,1600000001,2\n"),
                c("label yes", "csv", "interactions.csv", 1L, "share", List.of("expected a 0/1 label, got 'yes'"),
                        "interactions.csv", "user_id,item_id,timestamp,click,like,share\n1,2,1600000000,1,1,yes\n"),
                c("unparsable rating", "movielens", "ratings.csv", 3L, "rating",
                        List.of("expected a numeric rating, got 'four'"),
                        "ratings.csv", RATINGS + "1,1,4.0,964982703\n1,2,3.5,964982704\n2,1,four,964982705\n",
                        "movies.csv", MOVIES),
                c("unparsable 1M rating", "movielens", "ratings.dat", 2L, "Rating",
                        List.of("expected a numeric rating, got 'x'"),
                        "ratings.dat", "1::1::5::978300760\n1::2::x::978300761\n", "movies.dat", "1::A (1995)::Drama\n"),
                c("non-numeric 100K user id", "movielens", "u.data", 2L, "user_id", List.of("got 'u2'"),
                        "u.data", "1\t2\t3\t881250949\nu2\t2\t3\t881250949\n"),
                c("malformed 1M line", "movielens", "ratings.dat", 2L, null,
                        List.of("expected 4 '::'-separated fields, found 3"),
                        "ratings.dat", "1::1::5::978300760\n1::2::3\n", "movies.dat", "1::A (1995)::Drama\n"),
                c("ragged CSV row", "csv", "interactions.csv", 3L, null,
                        List.of("expected 3 ','-separated fields, found 4"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n1,3,1600000001\n1,4,1600000002,1\n"),
                c("empty file", "csv", "interactions.csv", null, null, List.of("empty dataset"),
                        "interactions.csv", ""),
                c("non-integer Parquet id", "parquet", "interactions.parquet", 2L, "item_id", List.of("got '1.5'"),
                        "interactions.parquet", "SELECT * FROM (VALUES (1, 2.0, 1600000000), (1, 1.5, 1600000001)) "
                                + "t(user_id, item_id, \"timestamp\")"),
                c("NaN in a Parquet feature", "parquet", "items.parquet", 2L, "score", List.of("got 'nan'"),
                        "interactions.parquet", "SELECT 1 AS user_id, 2 AS item_id, 1600000000 AS \"timestamp\"",
                        "items.parquet", "SELECT * FROM (VALUES (1, 0.5), (2, 'NaN'::DOUBLE)) t(item_id, score)"),
                c("reserved feature name", "csv", "items.csv", null, "popularity", List.of("expected feature column names"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n", "items.csv", "item_id,popularity\n1,1\n"),
                c("no positive in the train window", "csv", "interactions.csv", null, "click",
                        List.of("expected at least one positive"),
                        "interactions.csv", "user_id,item_id,timestamp,click\n1,2,1600000000,0\n1,3,1600000001,0\n"),
                // --- kinds added with the validate-data stage -------------------------------------------------
                c("wrong delimiter (semicolons)", "csv", "interactions.csv", null, null,
                        List.of("wrong delimiter: expected ','-separated columns", "looks ';'-separated"),
                        "interactions.csv", "user_id;item_id;timestamp\n1;2;1600000000\n"),
                c("wrong delimiter (tabs)", "movielens", "ratings.csv", null, null,
                        List.of("wrong delimiter", "looks '\\t'-separated"),
                        "ratings.csv", "userId\tmovieId\trating\ttimestamp\n1\t1\t4.0\t964982703\n", "movies.csv", MOVIES),
                c("duplicate header column", "csv", "interactions.csv", null, "user_id",
                        List.of("duplicate header: expected unique column names", "'user_id' as columns 1 and 4"),
                        "interactions.csv", "user_id,item_id,timestamp,user_id\n1,2,1600000000,1\n"),
                c("header repeated inside the data", "csv", "interactions.csv", 2L, "user_id",
                        List.of("expected an id other than the column's name, got 'user_id' (the header repeated as a data row"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n" + INTERACTIONS + "1,3,1600000001\n"),
                c("negative user id", "csv", "interactions.csv", 2L, "user_id",
                        List.of("expected an id that is not a negative integer", "got '-5'"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n-5,2,1600000001\n"),
                c("negative 100K item id", "movielens", "u.data", 1L, "item_id",
                        List.of("expected a non-negative integer id, got '-2'"),
                        "u.data", "1\t-2\t3\t881250949\n"),
                c("huge Parquet integer item id (beyond 64 bits)", "parquet", "interactions.parquet", 1L, "item_id",
                        List.of("expected an integer id of at most 18 digits", "got '123456789012345678901234'"),
                        "interactions.parquet", "SELECT 1 AS user_id, CAST('123456789012345678901234' AS DECIMAL(38, 0)) AS item_id, "
                                + "1600000000 AS \"timestamp\""),
                c("negative Parquet integer user id", "parquet", "interactions.parquet", 1L, "user_id",
                        List.of("expected a non-negative integer id, got '-1'"),
                        "interactions.parquet", "SELECT -1 AS user_id, 'a' AS item_id, 1600000000 AS \"timestamp\""),
                c("all-null feature column", "csv", "items.csv", null, "quality",
                        List.of("all-null column: expected at least one value, found all 2 rows empty"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n", "items.csv", "item_id,quality\n1,\n2,\n"),
                c("truncated file (last row cut)", "csv", "interactions.csv", 3L, null,
                        List.of("truncated file: the last row ends early", "expected 3 ','-separated fields, found 2"),
                        "interactions.csv", INTERACTIONS + "1,2,1600000000\n1,3,1600000001\n1,4"),
                c("truncated gzip file", "csv", "interactions.csv.gz", null, null,
                        List.of("truncated file: expected a complete gzip stream"),
                        "interactions.csv.gz", CUT + INTERACTIONS + "1,2,1600000000\n1,3,1600000001\n"),
                c("truncated Parquet file", "parquet", "interactions.parquet", null, null,
                        List.of("truncated file: expected a complete Parquet file", "no Parquet footer"),
                        "interactions.parquet", CUT + "SELECT i AS user_id, i AS item_id, 1600000000 + i AS \"timestamp\" "
                                + "FROM range(1, 2000) t(i)"),
                c("UTF-16 file", "csv", "interactions.csv", null, null,
                        List.of("wrong encoding: expected UTF-8 text, found UTF-16", "byte-order mark FF FE"),
                        "interactions.csv", UTF16 + INTERACTIONS + "1,2,1600000000\n"),
                c("Latin-1 bytes in a UTF-8 file", "movielens", "movies.csv", 2L, "title",
                        List.of("wrong encoding: expected UTF-8 text, found byte 0xE9", "not valid UTF-8"),
                        "ratings.csv", RATINGS + "1,1,4.0,964982703\n", "movies.csv",
                        LATIN1 + "movieId,title,genres\n1,A (1995),Drama\n2,Caf\u00e9 (1996),Comedy\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void malformedInputIsReported(Case c) throws Exception {
        Path folder = tmp.resolve("data");
        Files.createDirectories(folder);
        for (int i = 0; i < c.files().size(); i += 2) {
            String name = c.files().get(i);
            String content = c.files().get(i + 1);
            boolean cut = content.startsWith(CUT);
            if (cut) content = content.substring(CUT.length());
            Path file = folder.resolve(name);
            if (name.endsWith(".parquet")) {
                try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
                    st.execute("COPY (" + content + ") TO '" + file + "' (FORMAT PARQUET)");
                }
            } else if (name.endsWith(".gz")) {
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                try (var gz = new java.util.zip.GZIPOutputStream(bytes)) {
                    gz.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                Files.write(file, bytes.toByteArray());
            } else if (content.startsWith(UTF16)) {
                byte[] text = content.substring(UTF16.length()).getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
                byte[] withBom = new byte[text.length + 2];
                withBom[0] = (byte) 0xFF; // as Windows tools write "Unicode" text
                withBom[1] = (byte) 0xFE;
                System.arraycopy(text, 0, withBom, 2, text.length);
                Files.write(file, withBom);
            } else if (content.startsWith(LATIN1)) {
                Files.write(file, content.substring(LATIN1.length()).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            } else {
                TestData.write(folder, name, content);
            }
            if (cut) { // keep the first half: a file whose copy or download stopped early
                byte[] all = Files.readAllBytes(file);
                Files.write(file, java.util.Arrays.copyOf(all, all.length / 2));
            }
        }
        DataValidationException e = assertThrows(DataValidationException.class, () -> new DatasetPreparer()
                .prepare(DatasetSpec.parse(c.spec() + ":" + folder), TestData.defaults(), tmp.resolve("work"), null));
        String message = e.getMessage();
        assertEquals(c.file(), e.file(), message);
        assertEquals(c.row(), e.row(), message);
        assertEquals(c.field(), e.field(), message);
        assertTrue(message.startsWith(c.file() + (c.row() == null ? "" : " row " + c.row())
                + (c.field() == null ? "" : ", field " + c.field()) + ": "), message);
        for (String expected : c.expected()) assertTrue(message.contains(expected), message);
    }

    static final String MARKER = "TOP-SECRET-7f3a";

    /**
     * A message names file, row, field and expectation, and shows at most a short excerpt of the offending field:
     * never a whole line, the header or what else the folder holds (the run's error is shown to every viewer).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("leaks")
    void messagesQuoteNoLinesHeadersOrFolderListings(String name, String file, String content, String expected)
            throws Exception {
        Path folder = tmp.resolve("leak");
        Files.createDirectories(folder);
        TestData.write(folder, "notes-" + MARKER + ".txt", MARKER + "\n");
        if (file != null) TestData.write(folder, file, content);
        DataValidationException e = assertThrows(DataValidationException.class, () -> new DatasetPreparer()
                .prepare(DatasetSpec.parse("csv:" + folder), TestData.defaults(), tmp.resolve("work"), null));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains(MARKER), "no data beyond an excerpt: " + e.getMessage());
    }

    static Stream<Arguments> leaks() {
        String longValue = "x".repeat(30) + MARKER;
        return Stream.of(
                Arguments.of("folder listing", null, null, "missing file"),
                Arguments.of("ragged line", "interactions.csv",
                        INTERACTIONS + "1,2,1600000000\n1,3,1600000001," + MARKER + "\n", "found 4"),
                Arguments.of("missing column (header)", "interactions.csv",
                        "user_id,item_id," + MARKER + "\n1,2,1600000000\n", "missing column"),
                Arguments.of("wrong delimiter (header)", "interactions.csv",
                        "user_id;item_id;" + MARKER + "\n1;2;1600000000\n", "wrong delimiter"),
                Arguments.of("over-long value cut to an excerpt", "interactions.csv",
                        INTERACTIONS + "1,2," + longValue + "\n", "got 'xxxxxxxxxx"));
    }
}
