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
 * ({@code id, vocab_index} plus one FLOAT column per feature), {@code validation|test.parquet}
 * ({@code user, item, click, like, share, sampled, ts}), the train split ({@code train.parquet}, or for a prepared
 * split, whose positives only it holds ({@link TrainNegatives}), the shards {@code train/part-NNNNN.parquet} of at most
 * {@code data.train-shard-rows} rows each, the rows in a random order seeded by the content hash, so that training
 * can stream them ({@link TrainShards})),
 * {@code item_first_seen.parquet} ({@code item_row, first_seen}: what training's negative sampling needs) and
 * {@code schema.json} (written last, so its presence marks a complete dataset).
 */
public final class PreparedDatasetStore {
    public static final String SCHEMA_FILE = "schema.json";
    private static final String[] SPLITS = TimeSplitter.NAMES;
    /** Per item row (in row order), its first-seen timestamp: what training's negative sampling needs. */
    private static final String FIRST_SEEN = "item_first_seen";

    /** Default {@code data.train-shard-rows}. */
    public static final int DEFAULT_SHARD_ROWS = 1_000_000;

    private final DuckDbSettings duckDb;
    private final int shardRows;

    /** With the default DuckDB limits ({@link DuckDbSettings#DEFAULT}) and shard size. */
    public PreparedDatasetStore() {
        this(DuckDbSettings.DEFAULT);
    }

    /** With these DuckDB limits ({@code data.duckdb-*}); DuckDB spills to {@code <workDir>/duckdb-tmp-<pid>-<n>}. */
    public PreparedDatasetStore(DuckDbSettings duckDb) {
        this(duckDb, DEFAULT_SHARD_ROWS);
    }

    /** As {@link #PreparedDatasetStore(DuckDbSettings)}, writing train shards of at most {@code shardRows} rows. */
    public PreparedDatasetStore(DuckDbSettings duckDb, int shardRows) {
        this.duckDb = java.util.Objects.requireNonNull(duckDb, "duckDb");
        if (shardRows < 1) throw new IllegalArgumentException("data.train-shard-rows must be >= 1, got " + shardRows);
        this.shardRows = shardRows;
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
            List<String> files = new ArrayList<>(List.of("users", "items", SPLITS[1], SPLITS[2]));
            writeExamples(db, SPLITS[1], ds.validation(), folder);
            writeExamples(db, SPLITS[2], ds.test(), folder);
            List<TrainShards.Shard> shards = sharded(ds) ? shardLayout(ds.train().size()) : null;
            if (shards == null) {
                writeExamples(db, SPLITS[0], ds.train(), folder);
                files.add(SPLITS[0]);
            } else {
                int[] order = shuffled(ds.train().size(), ds.contentHash());
                int from = 0;
                for (int k = 0; k < shards.size(); k++) {
                    int rows = shards.get(k).rows();
                    String name = "train_part_" + k;
                    writeExamples(db, name, ds.train(), java.util.Arrays.copyOfRange(order, from, from + rows), folder);
                    Sql.exec(db, "DROP TABLE " + Sql.id(name));
                    storage.put(prefix + shards.get(k).key(), folder.resolve(name + ".parquet"));
                    Files.delete(folder.resolve(name + ".parquet"));
                    from += rows;
                }
            }
            if (ds.trainNegatives() != null) {
                writeFirstSeen(db, ds.trainNegatives().itemFirstSeen(), folder);
                files.add(FIRST_SEEN);
            }
            for (String name : files) storage.put(prefix + name + ".parquet", folder.resolve(name + ".parquet"));
            storage.put(prefix + SCHEMA_FILE, DatasetStats.JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(schema(ds, shards)), "application/json");
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

    /**
     * Reads a dataset written by {@link #write} back, exactly (a sharded train split in the order of its shards), with
     * its {@link TrainShards} when the train split is sharded.
     */
    public PreparedDataset read(String prefix, ObjectStorage storage, Path workDir) {
        return read(prefix, storage, workDir, true);
    }

    /**
     * As {@link #read}, but a train split of more than one shard stays in S3: the dataset's {@code train} is empty and
     * training streams its {@link PreparedDataset#trainShards()}. Other datasets are read whole.
     */
    public PreparedDataset readForTraining(String prefix, ObjectStorage storage, Path workDir) {
        return read(prefix, storage, workDir, false);
    }

    /** The train shards of the dataset at {@code prefix}, or {@code null} when its train split is one file. */
    public TrainShards trainShards(String prefix, ObjectStorage storage, Path workDir) {
        String p = prefix.endsWith("/") ? prefix : prefix + "/";
        try {
            return trainShards(p, schemaOf(p, storage), storage, workDir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not load dataset " + p, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> schemaOf(String p, ObjectStorage storage) throws IOException {
        return DatasetStats.JSON.readValue(storage.get(p + SCHEMA_FILE), LinkedHashMap.class);
    }

    @SuppressWarnings("unchecked")
    private TrainShards trainShards(String p, Map<String, Object> schema, ObjectStorage storage, Path workDir) {
        Map<String, Object> train = (Map<String, Object>) ((Map<String, Object>) schema.get("splits")).get(SPLITS[0]);
        List<Map<String, Object>> listed = train == null ? null : (List<Map<String, Object>>) train.get("shards");
        if (listed == null) return null;
        List<TrainShards.Shard> shards = new ArrayList<>();
        for (Map<String, Object> m : listed) {
            String file = (String) m.get("file");
            if (file == null || !file.matches("train/part-\\d{5}\\.parquet")) {
                throw new IllegalStateException(p + SCHEMA_FILE + ": train shard file '" + file
                        + "' is not of the form train/part-NNNNN.parquet");
            }
            shards.add(new TrainShards.Shard(p + file, ((Number) m.get("rows")).intValue()));
        }
        DuckDbSettings settings = duckDb;
        return new TrainShards(shards, shard -> readShard(shard, settings, storage, workDir),
                TrainShards.DEFAULT_WINDOW, TrainShards.DEFAULT_PREFETCH);
    }

    /** One shard, downloaded to a temporary file under {@code workDir} and read with DuckDB. */
    private static Examples readShard(TrainShards.Shard shard, DuckDbSettings duckDb, ObjectStorage storage, Path workDir)
            throws IOException {
        Path folder = tempFolder(workDir, "train-shard-");
        try (Connection db = Sql.open(duckDb, workDir)) {
            Path file = folder.resolve("shard.parquet");
            storage.download(shard.key(), file);
            return readExamples(db, "read_parquet(" + Sql.path(file) + ")");
        } catch (SQLException e) {
            throw new IllegalStateException("could not read train shard " + shard.key() + ": " + e.getMessage(), e);
        } finally {
            SourceResolver.deleteRecursively(folder);
        }
    }

    @SuppressWarnings("unchecked")
    private PreparedDataset read(String prefix, ObjectStorage storage, Path workDir, boolean wholeTrain) {
        String p = prefix.endsWith("/") ? prefix : prefix + "/";
        Path folder = tempFolder(workDir, "dataset-in-");
        try (Connection db = Sql.open(duckDb, workDir)) {
            Map<String, Object> schema = schemaOf(p, storage);
            FeatureTable users = readTable(db, p, "users", (Map<String, Object>) schema.get("users"), storage, folder);
            FeatureTable items = readTable(db, p, "items", (Map<String, Object>) schema.get("items"), storage, folder);
            TrainShards shards = trainShards(p, schema, storage, workDir);
            Examples[] splits = new Examples[3];
            for (int s = 1; s < 3; s++) splits[s] = readExamples(db, p, SPLITS[s], storage, folder);
            if (shards == null) {
                splits[0] = readExamples(db, p, SPLITS[0], storage, folder);
            } else if (!wholeTrain && shards.count() > 1) {
                splits[0] = empty();
            } else {
                Examples[] parts = new Examples[shards.count()];
                for (int k = 0; k < parts.length; k++) parts[k] = shards.read(k);
                splits[0] = inPreparedOrder(parts, (String) schema.get("contentHash"));
            }
            Map<String, Object> negatives = (Map<String, Object>) schema.get("trainNegatives");
            TrainNegatives trainNegatives = negatives == null ? null : new TrainNegatives(
                    ((Number) negatives.get("perPositive")).intValue(), (String) negatives.get("sampling"),
                    readFirstSeen(db, p, items.rows(), storage, folder));
            return new PreparedDataset((String) schema.get("contentHash"), (String) schema.get("source"), users, items,
                    splits[0], splits[1], splits[2], (Map<String, Object>) schema.get("stats"), trainNegatives, shards);
        } catch (SQLException e) {
            throw new IllegalStateException("could not read dataset " + p + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not load dataset " + p, e);
        } finally {
            SourceResolver.deleteRecursively(folder);
        }
    }

    // ---- schema.json -----------------------------------------------------------------------------------------

    /** Whether the train split is written as shards: a prepared split (positives only, negatives drawn in training). */
    private static boolean sharded(PreparedDataset ds) {
        return ds.trainNegatives() != null;
    }

    /** Shard keys (relative to the dataset's prefix) and sizes for {@code rows} train rows (at least one shard). */
    private List<TrainShards.Shard> shardLayout(int rows) {
        int count = Math.max(1, (rows + shardRows - 1) / shardRows);
        List<TrainShards.Shard> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            // sizes differ by at most one row
            int size = (int) ((long) rows * (k + 1) / count - (long) rows * k / count);
            out.add(new TrainShards.Shard(String.format(java.util.Locale.ROOT, "train/part-%05d.parquet", k), size));
        }
        return out;
    }

    /** A permutation of {@code n} seeded by the content hash: the order the train rows are written in. */
    private static int[] shuffled(int n, String contentHash) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(contentHash.hashCode() * 0x9E3779B97F4A7C15L);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * The shards' rows in the order they were prepared in (the inverse of {@link #shuffled}): a run that reuses a cached
     * dataset and trains it in memory sees the same rows in the same order as the run that prepared it, so the same
     * settings train the same model whether the dataset was prepared or reused.
     */
    static Examples inPreparedOrder(Examples[] parts, String contentHash) {
        int n = 0;
        for (Examples e : parts) n += e.size();
        return concat(parts, shuffled(n, contentHash)); // shard row `at` was prepared row shuffled[at]
    }

    private static Examples empty() {
        return new Examples(new int[0], new int[0], new float[0], new float[0], new float[0], new boolean[0], new long[0]);
    }

    /** The examples of {@code parts}, one after another. */
    static Examples concat(Examples... parts) {
        return concat(parts, null);
    }

    /**
     * The examples of {@code parts}, row {@code at} of their concatenation put at {@code rowOf[at]} ({@code rowOf} a
     * permutation of the rows; {@code null}: one after another).
     */
    private static Examples concat(Examples[] parts, int[] rowOf) {
        int n = 0;
        for (Examples e : parts) n += e.size();
        Examples out = new Examples(new int[n], new int[n], new float[n], new float[n], new float[n], new boolean[n],
                new long[n]);
        int at = 0;
        for (Examples e : parts) {
            for (int i = 0; i < e.size(); i++, at++) {
                int r = rowOf == null ? at : rowOf[at];
                out.user()[r] = e.user()[i];
                out.item()[r] = e.item()[i];
                out.click()[r] = e.click()[i];
                out.like()[r] = e.like()[i];
                out.share()[r] = e.share()[i];
                out.sampled()[r] = e.sampled()[i];
                out.ts()[r] = e.ts()[i];
            }
        }
        return out;
    }

    private static Map<String, Object> schema(PreparedDataset ds, List<TrainShards.Shard> shards) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("formatVersion", DatasetPreparer.FORMAT_VERSION);
        m.put("contentHash", ds.contentHash());
        m.put("source", ds.source());
        m.put("users", tableSchema("users", ds.users()));
        m.put("items", tableSchema("items", ds.items()));
        Map<String, Object> splits = new LinkedHashMap<>();
        Examples[] e = {ds.train(), ds.validation(), ds.test()};
        for (int s = 0; s < 3; s++) {
            if (s == 0 && shards != null) {
                List<Map<String, Object>> listed = new ArrayList<>();
                for (TrainShards.Shard shard : shards) listed.add(Map.of("file", shard.key(), "rows", shard.rows()));
                Map<String, Object> train = new LinkedHashMap<>();
                train.put("shards", listed);
                train.put("rows", e[s].size());
                splits.put(SPLITS[s], train);
            } else {
                splits.put(SPLITS[s], Map.of("file", SPLITS[s] + ".parquet", "rows", e[s].size()));
            }
        }
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
        writeExamples(db, name, e, null, folder);
    }

    /** The examples at {@code rows} (all, in order, when null) to {@code <folder>/<name>.parquet}. */
    private static void writeExamples(Connection db, String name, Examples e, int[] rows, Path folder) throws SQLException {
        Sql.exec(db, "CREATE TABLE " + Sql.id(name) + " (\"user\" INTEGER, item INTEGER, click FLOAT, \"like\" FLOAT, "
                + "\"share\" FLOAT, sampled BOOLEAN, ts BIGINT)");
        try (DuckDBAppender a = db.unwrap(DuckDBConnection.class).createAppender(DuckDBConnection.DEFAULT_SCHEMA, name)) {
            int n = rows == null ? e.size() : rows.length;
            for (int r = 0; r < n; r++) {
                int i = rows == null ? r : rows[r];
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
        return readExamples(db, "read_parquet(" + Sql.path(fetch(prefix, name, storage, folder)) + ")");
    }

    private static Examples readExamples(Connection db, String source) throws SQLException {
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
