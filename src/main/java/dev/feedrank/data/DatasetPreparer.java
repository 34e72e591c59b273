package dev.feedrank.data;

import dev.feedrank.storage.ObjectStorage;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * prepare-data: reads a dataset (synthetic, MovieLens, generic CSV/Parquet; local or S3), splits it by time, builds
 * both towers' features from the train window only and adds sampled negatives for implicit feedback.
 */
public final class DatasetPreparer {
    /** Part of the content hash: bump it whenever preparation changes what it produces. */
    public static final String FORMAT_VERSION = "feedrank-dataset-v7";
    private static final Logger LOG = Logger.getLogger(DatasetPreparer.class);

    private final DuckDbSettings duckDb;

    /** With the default DuckDB limits ({@link DuckDbSettings#DEFAULT}). */
    public DatasetPreparer() {
        this(DuckDbSettings.DEFAULT);
    }

    /** With these DuckDB limits ({@code data.duckdb-*}); DuckDB spills to {@code <workDir>/duckdb-tmp-<pid>-<n>}. */
    public DatasetPreparer(DuckDbSettings duckDb) {
        this.duckDb = java.util.Objects.requireNonNull(duckDb, "duckDb");
    }

    /**
     * Prepares a dataset.
     *
     * @param workDir scratch folder (created if needed); temporary files (synthetic output, S3 downloads) are removed
     * @param storage only needed for {@code s3://} paths (may be {@code null} otherwise)
     * @throws DataValidationException bad input data (never worth retrying)
     * @throws IllegalArgumentException bad settings
     * @throws java.io.UncheckedIOException reading or downloading failed
     */
    public PreparedDataset prepare(DatasetSpec spec, PreparationSettings settings, Path workDir,
                                   ObjectStorage storage) {
        return prepare(spec, settings, workDir, storage, null);
    }

    /**
     * As {@link #prepare(DatasetSpec, PreparationSettings, Path, ObjectStorage)}, but once the inputs are read and
     * validated and their content hash is known, {@code cache} may return an already prepared dataset for that
     * hash (the expensive feature building and negative sampling are then skipped).
     */
    public PreparedDataset prepare(DatasetSpec spec, PreparationSettings settings, Path workDir,
                                   ObjectStorage storage, java.util.function.Function<String, PreparedDataset> cache) {
        checkSettings(settings);
        long started = System.nanoTime();
        try (SourceResolver.Resolved input = SourceResolver.resolve(spec, settings, workDir, storage);
             Connection db = Sql.open(duckDb, workDir)) {
            SourceTables src = read(db, spec, input.path());
            String hash = contentHash(spec.format(), src.inputFiles(), settings);
            PreparedDataset cached = cache == null ? null : cache.apply(hash);
            if (cached != null) {
                LOG.infof("prepared dataset %s found by content hash %s; reusing it", spec, hash);
                return cached;
            }
            long[] counts = TimeSplitter.split(db, settings);
            if (Sql.queryLong(db, "SELECT count(*) FROM split_interactions WHERE split = 0 AND click = 1") == 0) {
                throw new DataValidationException(src.interactionsFile(), null, "click", "expected at least one "
                        + "positive (click = 1) interaction in the train window (" + counts[0] + " of "
                        + (counts[0] + counts[1] + counts[2]) + " interactions, split " + settings.splitStrategy()
                        + "), found none");
            }
            FeatureBuilder.Towers towers = new FeatureBuilder(db).build(src);
            Examples[] observed = TimeSplitter.observed(db, counts);
            boolean explicit = Sql.queryLong(db, "SELECT count(*) FROM interactions WHERE click = 0") > 0;
            // validation and test: positives plus sampled negatives (the retrieval objective that full-corpus ranking
            // measures; trained on impressions alone the model learns click-through given exposure and ranks below
            // popularity); train: its positives only, training samples their negatives per batch, fresh every epoch,
            // by the same rules (TrainNegatives). Explicit feedback also keeps its observed negatives (impressions
            // without a click) in the test split, so the pointwise test metrics include those hard negatives.
            TrainNegatives trainNegatives = new TrainNegatives(settings.negativesPerPositive(),
                    settings.negativeSampling(), itemFirstSeen(observed, towers.items().rows()));
            Examples[] splits = withSampledNegatives(observed, towers.users().rows(), trainNegatives, settings.seed());
            if (explicit) splits[TimeSplitter.TEST] = withObservedNegatives(splits[TimeSplitter.TEST], observed[TimeSplitter.TEST]);
            long interactions = counts[0] + counts[1] + counts[2];
            String[] distinct = Sql.firstRow(db, "SELECT count(DISTINCT user_id), count(DISTINCT item_id) "
                    + "FROM interactions");
            Map<String, Object> stats = DatasetStats.of(spec, src, settings, interactions,
                    Long.parseLong(distinct[0]), Long.parseLong(distinct[1]), explicit, towers.users(), towers.items(),
                    splits, sourceQuality(db));
            LOG.infof("prepared %s (%s): %d interactions, %d users, %d items, train/validation/test examples "
                            + "%d/%d/%d, in %d ms", spec, src.layout(), interactions, towers.users().rows(),
                    towers.items().rows(), splits[0].size(), splits[1].size(), splits[2].size(),
                    (System.nanoTime() - started) / 1_000_000);
            return new PreparedDataset(hash, spec.toString(), towers.users(), towers.items(), splits[0], splits[1],
                    splits[2], stats, trainNegatives);
        } catch (SQLException e) {
            // the run's error is shown to every viewer: DuckDB's message (which can quote the data) only as an excerpt
            throw new IllegalStateException("DuckDB failed while preparing " + spec + ": "
                    + InputValidator.duckDbMessage(String.valueOf(e.getMessage())), e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read dataset " + spec, e);
        }
    }

    /** Label rates of the source interactions and their exact duplicates (same user, item and timestamp). */
    private static DatasetStats.SourceQuality sourceQuality(Connection db) throws SQLException {
        String[] rates = Sql.firstRow(db, "SELECT avg(click), avg(\"like\"), avg(share), count(*) - "
                + "count(DISTINCT (user_id, item_id, ts)) FROM interactions");
        long duplicates = Long.parseLong(rates[3]);
        String[] first = duplicates == 0 ? null : Sql.firstRow(db, "SELECT src_row + 1, first_row + 1 FROM ("
                + "SELECT src_row, first_value(src_row) OVER w AS first_row, row_number() OVER w AS k FROM interactions "
                + "WINDOW w AS (PARTITION BY user_id, item_id, ts ORDER BY src_row)) WHERE k = 2 ORDER BY src_row LIMIT 1");
        return new DatasetStats.SourceQuality(Double.parseDouble(rates[0]), Double.parseDouble(rates[1]),
                Double.parseDouble(rates[2]), duplicates, first == null ? null : Long.valueOf(first[0]),
                first == null ? null : Long.valueOf(first[1]));
    }

    private static SourceTables read(Connection db, DatasetSpec spec, Path input) throws SQLException {
        return switch (spec.format()) {
            case MOVIELENS -> new MovieLensReader(db).load(input);
            case CSV -> new GenericTableReader(db, false).load(input, "generic-csv");
            case PARQUET -> new GenericTableReader(db, true).load(input, "generic-parquet");
            case SYNTHETIC -> new GenericTableReader(db, false).load(input, "synthetic");
        };
    }

    /** Per item row, the timestamp of its first observed interaction in any split ({@code Long.MAX_VALUE} if none). */
    private static long[] itemFirstSeen(Examples[] observed, int numItems) {
        long[] itemFirstSeen = new long[numItems];
        Arrays.fill(itemFirstSeen, Long.MAX_VALUE);
        for (Examples e : observed) {
            for (int i = 0; i < e.size(); i++) {
                itemFirstSeen[e.item()[i]] = Math.min(itemFirstSeen[e.item()[i]], e.ts()[i]);
            }
        }
        return itemFirstSeen;
    }

    /** Train: its positives; validation and test: positives, each followed by its sampled negatives. */
    private static Examples[] withSampledNegatives(Examples[] observed, int numUsers, TrainNegatives rules, long seed) {
        NegativeSampler sampler = rules.sampler(observed[TimeSplitter.TRAIN]);
        // a split's negatives avoid the user's train positives and positives up to and including that split
        Examples[] out = new Examples[3];
        out[0] = positives(observed[0]);
        for (int s = 1; s < 3; s++) {
            Examples[] upTo = Arrays.copyOf(observed, s + 1);
            out[s] = sampler.sample(observed[s], NegativeSampler.UserItems.positivesOf(numUsers, upTo),
                    seed ^ (0x9E3779B97F4A7C15L * (s + 1)));
        }
        return out;
    }

    /** The positives (click = 1) of {@code e}, in order. */
    static Examples positives(Examples e) {
        int n = 0;
        for (float c : e.click()) if (c == 1f) n++;
        int[] user = new int[n];
        int[] item = new int[n];
        float[] click = new float[n];
        float[] like = new float[n];
        float[] share = new float[n];
        long[] ts = new long[n];
        int k = 0;
        for (int i = 0; i < e.size(); i++) {
            if (e.click()[i] != 1f) continue;
            user[k] = e.user()[i];
            item[k] = e.item()[i];
            click[k] = 1f;
            like[k] = e.like()[i];
            share[k] = e.share()[i];
            ts[k] = e.ts()[i];
            k++;
        }
        return new Examples(user, item, click, like, share, new boolean[n], ts);
    }

    /** A split's sampled examples plus the observed negatives of the same split, merged in time order. */
    private static Examples withObservedNegatives(Examples a, Examples b) {
        int extra = 0;
        for (float c : b.click()) if (c == 0f) extra++;
        int n = a.size() + extra;
        int[] user = new int[n];
        int[] item = new int[n];
        float[] click = new float[n];
        float[] like = new float[n];
        float[] share = new float[n];
        boolean[] isSampled = new boolean[n];
        long[] ts = new long[n];
        int i = 0;
        int j = 0;
        for (int k = 0; k < n; k++) {
            while (j < b.size() && b.click()[j] != 0f) j++;
            boolean takeA = j >= b.size() || i < a.size() && a.ts()[i] <= b.ts()[j];
            if (takeA) {
                user[k] = a.user()[i];
                item[k] = a.item()[i];
                click[k] = a.click()[i];
                like[k] = a.like()[i];
                share[k] = a.share()[i];
                isSampled[k] = a.sampled()[i];
                ts[k] = a.ts()[i];
                i++;
            } else {
                user[k] = b.user()[j];
                item[k] = b.item()[j];
                ts[k] = b.ts()[j];
                j++;
            }
        }
        return new Examples(user, item, click, like, share, isSampled, ts);
    }

    static void checkSettings(PreparationSettings s) {
        if (s.all()) {
            // the refit dataset: everything is train, the fractions do not apply
        } else if (s.globalTime()) {
            if (!(s.trainFraction() > 0 && s.trainFraction() < 1)) {
                throw new IllegalArgumentException("split.train-fraction must be in (0, 1), got " + s.trainFraction());
            }
            if (!(s.validationFraction() >= 0 && s.trainFraction() + s.validationFraction() < 1)) {
                throw new IllegalArgumentException("split.validation-fraction must be >= 0 with split.train-fraction + "
                        + "split.validation-fraction < 1, got " + s.validationFraction());
            }
        } else if (s.splitStrategy().equals(PreparationSettings.PER_USER_TIME)) {
            if (!(s.testFraction() > 0 && s.testFraction() < 1)) {
                throw new IllegalArgumentException("split.test-fraction must be in (0, 1), got " + s.testFraction());
            }
            if (!(s.validationFraction() >= 0 && s.validationFraction() < 1)) {
                throw new IllegalArgumentException("split.validation-fraction must be in [0, 1), got " + s.validationFraction());
            }
        }
        if (s.negativesPerPositive() < 0) {
            throw new IllegalArgumentException("negativesPerPositive must be >= 0, got " + s.negativesPerPositive());
        }
        NegativeSampler.isPopularity(s.negativeSampling());
    }

    /** Hex SHA-256 over the format version, the source format, the input files (by name) and the settings. */
    static String contentHash(DatasetSpec.Format format, List<Path> files, PreparationSettings settings)
            throws IOException {
        MessageDigest sha = sha256();
        sha.update((FORMAT_VERSION + "\n" + format + "\n").getBytes(StandardCharsets.UTF_8));
        List<Path> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparing(p -> p.getFileName().toString()));
        byte[] buffer = new byte[1 << 16];
        for (Path file : sorted) {
            sha.update((file.getFileName() + "\n" + Files.size(file) + "\n").getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) sha.update(buffer, 0, n);
            }
        }
        sha.update(settings.toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
