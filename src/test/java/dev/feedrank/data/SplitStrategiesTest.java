package dev.feedrank.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three {@code split.strategy} values on small generated CSV inputs. Expected splits are computed here from the
 * raw rows (sorted per user by (timestamp, item id, file row), integer item ids in numeric order) and compared with
 * the observed (non-sampled) rows of the prepared dataset.
 */
class SplitStrategiesTest {
    @TempDir
    Path tmp;

    private static final long T0 = 1_600_000_000L;
    private static final String[] SPLITS = {"train", "validation", "test"};

    /** One input row; {@code row} is its 0-based data line in the file. */
    record Row(String user, int item, long ts, int click, int row) {
        String key() {
            return item + "@" + ts;
        }
    }

    private static final Comparator<Row> USER_ORDER = Comparator.comparingLong(Row::ts).thenComparingInt(Row::item)
            .thenComparingInt(Row::row);

    /**
     * 40 users (string ids) with 1..30 interactions each (users 0..4 exactly one, 5..7 exactly two, 8..9 three),
     * items 1..60 (numeric order differs from text order: ties must sort 9 before 10), timestamps drawn from 25
     * values per user so that a user often has several rows at the same second, some exact duplicates, shuffled
     * file order. {@code clicks}: a click column with about 40% clicks.
     */
    static List<Row> generate(long seed, boolean clicks) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int u = 0; u < 40; u++) {
            String user = String.format("user-%02d", u);
            int n = u < 5 ? 1 : u < 8 ? 2 : u < 10 ? 3 : 1 + r.nextInt(30);
            long base = T0 + 1000L * r.nextInt(50);
            for (int k = 0; k < n; k++) {
                int item = 1 + r.nextInt(60);
                long ts = base + 60L * r.nextInt(25);
                int click = !clicks || r.nextInt(5) < 2 ? 1 : 0;
                rows.add(new Row(user, item, ts, click, -1));
                if (r.nextInt(20) == 0) rows.add(new Row(user, item, ts, click, -1)); // exact duplicate
            }
        }
        // shuffle the file order
        for (int i = rows.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            Row t = rows.get(i);
            rows.set(i, rows.get(j));
            rows.set(j, t);
        }
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row x = rows.get(i);
            out.add(new Row(x.user(), x.item(), x.ts(), x.click(), i));
        }
        return out;
    }

    private Path write(String name, List<Row> rows, boolean clicks) throws IOException {
        StringBuilder sb = new StringBuilder(clicks ? "user_id,item_id,timestamp,click\n" : "user_id,item_id,timestamp\n");
        for (Row x : rows) {
            sb.append(x.user()).append(',').append(x.item()).append(',').append(x.ts());
            if (clicks) sb.append(',').append(x.click());
            sb.append('\n');
        }
        return TestData.write(tmp.resolve(name), "interactions.csv", sb.toString());
    }

    private static PreparationSettings settings(double validationFraction) {
        return new PreparationSettings(0.8, validationFraction, 2, "uniform", 7L, 0, 0, 0);
    }

    private PreparedDataset prepare(Path file, PreparationSettings settings) {
        return new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + file), settings, tmp.resolve("work"), null);
    }

    private static Map<String, List<Row>> byUser(List<Row> rows) {
        Map<String, List<Row>> m = new TreeMap<>();
        for (Row x : rows) m.computeIfAbsent(x.user(), k -> new ArrayList<>()).add(x);
        for (List<Row> l : m.values()) l.sort(USER_ORDER);
        return m;
    }

    /** Observed (non-sampled) rows of a split as user id -> sorted "item@ts" keys. */
    private static Map<String, List<String>> observed(PreparedDataset ds, Examples e) {
        Map<String, List<String>> m = new TreeMap<>();
        for (int i = 0; i < e.size(); i++) {
            if (e.sampled()[i]) continue;
            m.computeIfAbsent(ds.users().ids()[e.user()[i]], k -> new ArrayList<>())
                    .add(ds.items().ids()[e.item()[i]] + "@" + e.ts()[i]);
        }
        for (List<String> l : m.values()) l.sort(null);
        return m;
    }

    private static long ts(String key) {
        return Long.parseLong(key.substring(key.indexOf('@') + 1));
    }

    private static long min(List<String> keys) {
        return keys.stream().mapToLong(SplitStrategiesTest::ts).min().orElse(Long.MAX_VALUE);
    }

    private static long max(List<String> keys) {
        return keys.stream().mapToLong(SplitStrategiesTest::ts).max().orElse(Long.MIN_VALUE);
    }

    private static List<String> keys(List<Row> rows) {
        List<String> k = new ArrayList<>();
        for (Row x : rows) k.add(x.key());
        k.sort(null);
        return k;
    }

    @ParameterizedTest(name = "validation fraction {0}")
    @ValueSource(doubles = {0.25, 0.0})
    void perUserTimeFollowsTheFormulaForEveryUser(double validationFraction) throws IOException {
        List<Row> rows = generate(11, false);
        Path file = write("per-user", rows, false);
        double testFraction = 0.2;
        PreparedDataset ds = prepare(file, settings(validationFraction).withSplit("per-user-time", testFraction));

        List<Map<String, List<String>>> got = List.of(observed(ds, ds.train()), observed(ds, ds.validation()),
                observed(ds, ds.test()));
        Map<String, List<Row>> users = byUser(rows);
        assertEquals(40, users.size());
        long total = 0;
        for (Map.Entry<String, List<Row>> e : users.entrySet()) {
            String user = e.getKey();
            List<Row> own = e.getValue();
            int n = own.size();
            // the formula, computed independently of the SQL
            int nt = n >= 2 ? Math.max(1, (int) Math.floor(n * testFraction)) : 0;
            int m = n - nt;
            int nv = m >= 2 && validationFraction > 0 ? Math.max(1, (int) Math.floor(m * validationFraction)) : 0;
            List<List<String>> expected = List.of(keys(own.subList(0, m - nv)), keys(own.subList(m - nv, m)),
                    keys(own.subList(m, n)));
            List<String> train = got.get(0).getOrDefault(user, List.of());
            List<String> validation = got.get(1).getOrDefault(user, List.of());
            List<String> test = got.get(2).getOrDefault(user, List.of());
            String where = user + " (n = " + n + ")";
            assertEquals(m - nv, train.size(), where + ": train count");
            assertEquals(nv, validation.size(), where + ": validation count");
            assertEquals(nt, test.size(), where + ": test count");
            if (n >= 2) assertTrue(test.size() >= 1, where + ": judged in test");
            assertTrue(train.size() >= 1, where + ": has train history");
            if (validationFraction == 0) assertTrue(validation.isEmpty(), where + ": no validation at fraction 0");
            // time: no test row precedes a train/validation row, no validation row precedes a train row
            assertTrue(min(test) >= Math.max(max(train), max(validation)), where + ": test after train/validation");
            assertTrue(min(validation) >= max(train), where + ": validation after train");
            // which rows: ties at the same second broken by item id (numeric) then file row
            for (int s = 0; s < 3; s++) {
                assertEquals(expected.get(s), List.of(train, validation, test).get(s), where + ": " + SPLITS[s] + " rows");
            }
            total += train.size() + validation.size() + test.size();
        }
        // the three splits together are exactly the input (and hold no user that is not in it)
        assertEquals(rows.size(), total);
        for (Map<String, List<String>> split : got) assertTrue(users.keySet().containsAll(split.keySet()));
    }

    @Test
    void leaveLastOutHoldsOutEachUsersLastAndSecondToLastClick() throws IOException {
        List<Row> rows = generate(23, true);
        Path file = write("leave-last-out", rows, true);
        PreparedDataset ds = prepare(file, settings(0.1).withSplit("leave-last-out", 0.2));

        Map<String, List<String>> train = observed(ds, ds.train());
        Map<String, List<String>> validation = observed(ds, ds.validation());
        Map<String, List<String>> test = observed(ds, ds.test());
        int[] usersByClicks = new int[4];
        for (Map.Entry<String, List<Row>> e : byUser(rows).entrySet()) {
            String user = e.getKey();
            List<Row> own = e.getValue();
            List<Integer> clickAt = new ArrayList<>();
            for (int p = 0; p < own.size(); p++) if (own.get(p).click() == 1) clickAt.add(p);
            int c = clickAt.size();
            usersByClicks[Math.min(c, 3)]++;
            String where = user + " (" + c + " clicks of " + own.size() + ")";
            List<Row> expTrain = new ArrayList<>();
            List<Row> expValidation = new ArrayList<>();
            List<Row> expTest = new ArrayList<>();
            int tp = c >= 2 ? clickAt.get(c - 1) : Integer.MAX_VALUE;
            int vp = c >= 3 ? clickAt.get(c - 2) : Integer.MAX_VALUE;
            for (int p = 0; p < own.size(); p++) {
                Row x = own.get(p);
                // train and validation keep their positives only; the test split every observed row
                if (p >= tp) expTest.add(x);
                else if (x.click() == 1) (p >= vp ? expValidation : expTrain).add(x);
            }
            assertEquals(keys(expTrain), train.getOrDefault(user, List.of()), where + ": train");
            assertEquals(keys(expValidation), validation.getOrDefault(user, List.of()), where + ": validation");
            assertEquals(keys(expTest), test.getOrDefault(user, List.of()), where + ": test");
            if (c >= 2) assertEquals(own.get(clickAt.get(c - 1)).key(), firstClickOf(ds, ds.test(), user), where);
            if (c >= 3) assertEquals(1, validation.get(user).size(), where + ": one validation click");
            if (c <= 1) {
                assertTrue(!validation.containsKey(user) && !test.containsKey(user), where + ": train only");
            }
        }
        // the generated data covers every case
        for (int c = 0; c < 4; c++) assertTrue(usersByClicks[c] > 0, "users with " + c + " clicks");
    }

    /** The only observed click of a user in a split, as item@ts (fails if it has several). */
    private static String firstClickOf(PreparedDataset ds, Examples e, String user) {
        List<String> clicks = new ArrayList<>();
        for (int i = 0; i < e.size(); i++) {
            if (!e.sampled()[i] && e.click()[i] == 1f && ds.users().ids()[e.user()[i]].equals(user)) {
                clicks.add(ds.items().ids()[e.item()[i]] + "@" + e.ts()[i]);
            }
        }
        assertEquals(1, clicks.size(), user + ": one test click");
        return clicks.get(0);
    }

    @Test
    void globalTimeStillPutsTheEarliestShareInTrain() throws IOException {
        List<Row> rows = generate(11, false);
        Path file = write("global", rows, false);
        PreparedDataset ds = prepare(file, settings(0.1));
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(Row::ts).thenComparing(Row::user).thenComparingInt(Row::item)
                .thenComparingInt(Row::row));
        int train = (int) Math.floor(rows.size() * 0.8);
        Map<String, List<String>> expected = new TreeMap<>();
        for (Row x : sorted.subList(0, train)) expected.computeIfAbsent(x.user(), k -> new ArrayList<>()).add(x.key());
        for (List<String> l : expected.values()) l.sort(null);
        assertEquals(expected, observed(ds, ds.train()));
    }

    @Test
    void theStrategyIsPartOfTheContentHash() throws IOException {
        Path file = write("hash", generate(5, false), false);
        PreparationSettings base = settings(0.1);
        List<PreparationSettings> variants = List.of(base, base.withSplit("per-user-time", 0.2),
                base.withSplit("leave-last-out", 0.2), base.withSplit("per-user-time", 0.3));
        Set<String> hashes = new HashSet<>();
        for (PreparationSettings s : variants) hashes.add(hashOf(file, s));
        assertEquals(variants.size(), hashes.size(), "every strategy (and test fraction) hashes differently");
        assertEquals(hashOf(file, base.withSplit("per-user-time", 0.2)), hashOf(file, base.withSplit(" Per-User-Time ", 0.2)),
                "same settings, same hash (the strategy name is normalised)");

        // the full preparation reports the same hash as the cache lookup
        PreparedDataset ds = prepare(file, base.withSplit("leave-last-out", 0.2));
        assertEquals(hashOf(file, base.withSplit("leave-last-out", 0.2)), ds.contentHash());
        assertNotEquals(hashOf(file, base), ds.contentHash());
    }

    /** The content hash, taken from the cache lookup (which then short-circuits the preparation). */
    private String hashOf(Path file, PreparationSettings settings) {
        String[] seen = new String[1];
        PreparedDataset dummy = new PreparedDataset("dummy", "dummy", null, null, null, null, null, Map.of());
        new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + file), settings, tmp.resolve("work"), null, h -> {
            seen[0] = h;
            return dummy;
        });
        return seen[0];
    }

    @Test
    void badStrategyOrTestFractionIsRefused() throws IOException {
        PreparationSettings base = settings(0.1);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> base.withSplit("random", 0.2));
        assertTrue(bad.getMessage().contains("split.strategy") && bad.getMessage().contains("random"), bad.getMessage());
        assertEquals("per-user-time", base.withSplit(" PER-USER-TIME ", 0.2).splitStrategy());
        assertEquals("global-time", base.withSplit(null, 0.2).splitStrategy());

        Path file = write("bad", generate(5, false), false);
        for (double f : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> prepare(file, base.withSplit("per-user-time", f)), "per-user-time with test fraction " + f);
            assertTrue(e.getMessage().contains("split.test-fraction"), e.getMessage());
        }
        // strategies that do not use the test fraction ignore it (and their content hash does not depend on it)
        assertEquals(base.withSplit("leave-last-out", 0.2), base.withSplit("leave-last-out", 1.5));
        assertEquals(base.withSplit("global-time", 0.2), base.withSplit("global-time", 0.3));
    }
}
