package dev.feedrank.data;

import dev.feedrank.storage.ObjectStorage;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stores a {@link PreparedDataset} under {@code datasets/<contentHash>/}: {@code users.parquet}, {@code items.parquet}
 * ({@code id, vocab_index} plus one FLOAT column per feature), {@code train|validation|test.parquet}
 * ({@code user, item, click, like, share, sampled, ts}; train: positives only, see {@link TrainNegatives}),
 * {@code item_first_seen.parquet} ({@code item_row, first_seen}: what training's negative sampling needs) and
 * {@code schema.json} (written last, so its presence marks a complete dataset).
 */
public final class PreparedDatasetStore {
    public static final String SCHEMA_FILE = "schema.json";
    private static final String[] SPLITS = TimeSplitter.NAMES;
    /** Per item row (in row order), its first-seen timestamp: what training's negative sampling needs. */
    private static final String FIRST_SEEN = "item_first_seen";

    private final DuckDbSettings duckDb;

    /** With the default DuckDB limits ({@link DuckDbSettings#DEFAULT}). */
    public PreparedDatasetStore() {
        this(DuckDbSettings.DEFAULT);
    }

    /** With these DuckDB limits ({@code data.duckdb-*}); DuckDB spills to {@code <workDir>/duckdb-tmp-<pid>-<n>}. */
    public PreparedDatasetStore(DuckDbSettings duckDb) {
        this.duckDb = java.util.Objects.requireNonNull(duckDb, "duckDb");
    }

    /** The key prefix of a dataset, e.g. {@code datasets/ab12.../}. */
    public static String prefixOf(String contentHash) {
        return "datasets/" + contentHash + "/";
    }

    /** Writes the dataset and returns its key prefix {@code datasets/<contentHash>/}. */
    public String write(PreparedDataset ds, ObjectStorage storage, Path workDir) {
        String prefix = prefixOf(ds.contentHash());
        Path folder = tempFolder(workDir, "dataset-out-");
        try (Connection db = Sql.open(duckDb, workDir)) {
            writeTable(db, "users", ds.users(), folder);
            writeTable(db, "items", ds.items(), folder);
            Examples[] splits = {ds.train(), ds.validation(), ds.test()};
            for (int s = 0; s < 3; s++) writeExamples(db, SPLITS[s], splits[s], folder);
            List<String> files = new ArrayList<>(List.of("users", "items", SPLITS[0], SPLITS[1], SPLITS[2]));
            if (ds.trainNegatives() != null) {
                writeFirstSeen(db, ds.trainNegatives().itemFirstSeen(), folder);
                files.add(FIRST_SEEN);
            }
            for (String name : files) storage.put(prefix + name + ".parquet", folder.resolve(name + ".parquet"));
            storage.put(prefix + SCHEMA_FILE, DatasetStats.JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(schema(ds)), "application/json");
            return prefix;
        } catch (SQLException e) {
            throw new IllegalStateException("could not write dataset " + prefix + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not store dataset " + prefix, e);
        } finally {
            SourceResolver.deleteRecursively(folder);
        }
    }

    public boolean exists(String contentHash, ObjectStorage storage) {
        try {
            return storage.exists(prefixOf(contentHash) + SCHEMA_FILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a dataset written by {@link #write} back, exactly. */
    @SuppressWarnings("unchecked")
    public PreparedDataset read(String prefix, ObjectStorage storage, Path workDir) {
        String p = prefix.endsWith("/") ? prefix : prefix + "/";
        Path folder = tempFolder(workDir, "dataset-in-");
        try (Connection db = Sql.open(duckDb, workDir)) {
            Map<String, Object> schema = DatasetStats.JSON.readValue(storage.get(p + SCHEMA_FILE), LinkedHashMap.class);
            FeatureTable users = readTable(db, p, "users", (Map<String, Object>) schema.get("users"), storage, folder);
            FeatureTable items = readTable(db, p, "items", (Map<String, Object>) schema.get("items"), storage, folder);
            Examples[] splits = new Examples[3];
            for (int s = 0; s < 3; s++) splits[s] = readExamples(db, p, SPLITS[s], storage, folder);
            Map<String, Object> negatives = (Map<String, Object>) schema.get("trainNegatives");
            TrainNegatives trainNegatives = negatives == null ? null : new TrainNegatives(
                    ((Number) negatives.get("perPositive")).intValue(), (String) negatives.get("sampling"),
                    readFirstSeen(db, p, items.rows(), storage, folder));
            return new PreparedDataset((String) schema.get("contentHash"), (String) schema.get("source"), users, items,
                    splits[0], splits[1], splits[2], (Map<String, Object>) schema.get("stats"), trainNegatives);
        } catch (SQLException e) {
            throw new IllegalStateException("could not read dataset " + p + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not load dataset " + p, e);
        } finally {
            SourceResolver.deleteRecursively(folder);
        }
    }

    // ---- schema.json -----------------------------------------------------------------------------------------

    private static Map<String, Object> schema(PreparedDataset ds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("formatVersion", DatasetPreparer.FORMAT_VERSION);
        m.put("contentHash", ds.contentHash());
        m.put("source", ds.source());
        m.put("users", tableSchema("users", ds.users()));
        m.put("items", tableSchema("items", ds.items()));
        Map<String, Object> splits = new LinkedHashMap<>();
        Examples[] e = {ds.train(), ds.validation(), ds.test()};
        for (int s = 0; s < 3; s++) splits.put(SPLITS[s], Map.of("file", SPLITS[s] + ".parquet", "rows", e[s].size()));
        m.put("splits", splits);
        if (ds.trainNegatives() != null) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("perPositive", ds.trainNegatives().perPositive());
            n.put("sampling", ds.trainNegatives().sampling());
            n.put("itemFirstSeen", FIRST_SEEN + ".parquet");
            m.put("trainNegatives", n);
        }
        m.put("stats", ds.stats());
        return m;
    }

    private static Map<String, Object> tableSchema(String name, FeatureTable t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", name + ".parquet");
        m.put("rows", t.rows());
        m.put("vocabSize", t.vocabSize());
        m.put("featureNames", t.featureNames());
        return m;
    }

    // ---- Parquet ---------------------------------------------------------------------------------------------

    private static void writeTable(Connection db, String name, FeatureTable t, Path folder) throws SQLException {
        StringBuilder ddl = new StringBuilder("CREATE TABLE " + name + " (id VARCHAR, vocab_index INTEGER");
        for (String f : t.featureNames()) ddl.append(", ").append(Sql.id(f)).append(" FLOAT");
        Sql.exec(db, ddl.append(')').toString());
        int width = t.width();
        try (DuckDBAppender a = db.unwrap(DuckDBConnection.class).createAppender(DuckDBConnection.DEFAULT_SCHEMA, name)) {
            for (int r = 0; r < t.rows(); r++) {
                a.beginRow().append(t.ids()[r]).append(t.vocabIndex()[r]);
                for (int j = 0; j < width; j++) a.append(t.dense()[r * width + j]);
                a.endRow();
            }
        }
        copyToParquet(db, name, folder);
    }

    private static void writeExamples(Connection db, String name, Examples e, Path folder) throws SQLException {
        Sql.exec(db, "CREATE TABLE " + name + " (\"user\" INTEGER, item INTEGER, click FLOAT, \"like\" FLOAT, "
                + "\"share\" FLOAT, sampled BOOLEAN, ts BIGINT)");
        try (DuckDBAppender a = db.unwrap(DuckDBConnection.class).createAppender(DuckDBConnection.DEFAULT_SCHEMA, name)) {
            for (int i = 0; i < e.size(); i++) {
                a.beginRow().append(e.user()[i]).append(e.item()[i]).append(e.click()[i]).append(e.like()[i])
                        .append(e.share()[i]).append(e.sampled()[i]).append(e.ts()[i]).endRow();
            }
        }
        copyToParquet(db, name, folder);
    }

    private static void writeFirstSeen(Connection db, long[] firstSeen, Path folder) throws SQLException {
        Sql.exec(db, "CREATE TABLE " + FIRST_SEEN + " (item_row INTEGER, first_seen BIGINT)");
        try (DuckDBAppender a = db.unwrap(DuckDBConnection.class).createAppender(DuckDBConnection.DEFAULT_SCHEMA, FIRST_SEEN)) {
            for (int r = 0; r < firstSeen.length; r++) a.beginRow().append(r).append(firstSeen[r]).endRow();
        }
        copyToParquet(db, FIRST_SEEN, folder);
    }

    private static long[] readFirstSeen(Connection db, String prefix, int items, ObjectStorage storage, Path folder)
            throws SQLException, IOException {
        long[] out = new long[items];
        int n = 0;
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT item_row, first_seen FROM "
                + "read_parquet(" + Sql.path(fetch(prefix, FIRST_SEEN, storage, folder)) + ") ORDER BY item_row")) {
            while (rs.next()) {
                if (rs.getInt(1) != n || n >= items) {
                    throw new IllegalStateException(FIRST_SEEN + ".parquet: expected item rows 0.." + (items - 1)
                            + " once each, found row " + rs.getInt(1) + " at position " + n);
                }
                out[n++] = rs.getLong(2);
            }
        }
        if (n != items) throw new IllegalStateException(FIRST_SEEN + ".parquet has " + n + " rows, items.parquet " + items);
        return out;
    }

    private static void copyToParquet(Connection db, String table, Path folder) throws SQLException {
        Sql.exec(db, "COPY " + table + " TO " + Sql.path(folder.resolve(table + ".parquet"))
                + " (FORMAT PARQUET, COMPRESSION ZSTD)");
    }

    private static FeatureTable readTable(Connection db, String prefix, String name, Map<String, Object> schema,
                                          ObjectStorage storage, Path folder) throws SQLException, IOException {
        @SuppressWarnings("unchecked")
        List<String> features = new ArrayList<>((List<String>) schema.get("featureNames"));
        int rows = ((Number) schema.get("rows")).intValue();
        int width = features.size();
        String[] ids = new String[rows];
        int[] vocab = new int[rows];
        float[] dense = new float[rows * width];
        int r = 0;
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM read_parquet("
                + Sql.path(fetch(prefix, name, storage, folder)) + ")")) {
            if (rs.getMetaData().getColumnCount() != 2 + width) {
                throw new IllegalStateException(name + ".parquet has " + rs.getMetaData().getColumnCount()
                        + " columns, schema.json lists " + width + " features");
            }
            while (rs.next()) {
                ids[r] = rs.getString(1);
                vocab[r] = rs.getInt(2);
                for (int j = 0; j < width; j++) dense[r * width + j] = rs.getFloat(3 + j);
                r++;
            }
        }
        if (r != rows) throw new IllegalStateException(name + ".parquet has " + r + " rows, schema.json says " + rows);
        return new FeatureTable(ids, vocab, ((Number) schema.get("vocabSize")).intValue(), dense, List.copyOf(features));
    }

    private static Examples readExamples(Connection db, String prefix, String name, ObjectStorage storage, Path folder)
            throws SQLException, IOException {
        String source = "read_parquet(" + Sql.path(fetch(prefix, name, storage, folder)) + ")";
        int n = Math.toIntExact(Sql.queryLong(db, "SELECT count(*) FROM " + source));
        Examples e = new Examples(new int[n], new int[n], new float[n], new float[n], new float[n], new boolean[n],
                new long[n]);
        int i = 0;
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT \"user\", item, click, \"like\", \"share\", sampled, ts FROM " + source)) {
            while (rs.next()) {
                e.user()[i] = rs.getInt(1);
                e.item()[i] = rs.getInt(2);
                e.click()[i] = rs.getFloat(3);
                e.like()[i] = rs.getFloat(4);
                e.share()[i] = rs.getFloat(5);
                e.sampled()[i] = rs.getBoolean(6);
                e.ts()[i] = rs.getLong(7);
                i++;
            }
        }
        return e;
    }

    private static Path fetch(String prefix, String name, ObjectStorage storage, Path folder) throws IOException {
        Path target = folder.resolve(name + ".parquet");
        storage.download(prefix + name + ".parquet", target);
        return target;
    }

    private static Path tempFolder(Path workDir, String prefix) {
        try {
            Files.createDirectories(workDir);
            return Files.createTempDirectory(workDir, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
