package dev.feedrank.validation;

import dev.feedrank.data.DataValidationException;
import dev.feedrank.data.DatasetPreparer;
import dev.feedrank.data.DatasetSpec;
import dev.feedrank.data.Examples;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.PreparationSettings;
import dev.feedrank.data.PreparedDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The validate-data checks on real prepared datasets (and on deliberately broken copies of one). */
class DataValidatorTest {

    static final Instant NOW = Instant.now();
    static PreparedDataset synthetic;

    @TempDir
    Path tmp;

    static ValidationSettings defaults(Map<String, Severity> severities) {
        return new ValidationSettings(true, 10, 10, 50, 0.01, 0.95, 0.5, 0.1, 0.01, 86_400, Severity.ERROR, severities);
    }

    static ValidationSettings defaults() {
        return defaults(Map.of());
    }

    @BeforeAll
    static void prepareSynthetic(@TempDir Path dir) {
        synthetic = new DatasetPreparer().prepare(DatasetSpec.parse("synthetic"),
                new PreparationSettings(0.8, 0.1, 4, "uniform", 42L, 300, 200, 20_000), dir, null);
    }

    PreparedDataset csv(String interactions) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(folder.resolve("interactions.csv"), interactions);
        return new DatasetPreparer().prepare(DatasetSpec.parse("csv:" + folder),
                new PreparationSettings(0.8, 0.1, 4, "uniform", 42L, 0, 0, 0), tmp.resolve("work"), null);
    }

    static ValidationCheck check(ValidationReport r, String name, String scope) {
        return r.checks().stream().filter(c -> c.name().equals(name) && java.util.Objects.equals(c.scope(), scope))
                .findFirst().orElseThrow(() -> new AssertionError("no check " + name + "[" + scope + "] in " + r.checks()));
    }

    @Test
    void aSyntheticDatasetPassesEveryCheckAndTheFirstRunHasNothingToCompareWith() {
        ValidationReport r = new DataValidator(defaults()).validate(synthetic, null, NOW);
        assertTrue(r.passed(), r.summary());
        assertEquals(List.of(), r.warnings());
        assertNull(r.previousRunId());
        // 2 towers x (schema, finite, ids) + 3 splits x (schema, labels, timestamps, min-examples, label-rate)
        // + min-users, min-items, duplicates, row-count-change, 3 x label-rate-change
        assertEquals(6 + 15 + 7, r.checks().size(), r.checks().toString());
        assertEquals(((Number) synthetic.stats().get("distinctUsers")).doubleValue(), check(r, "min-users", null).observed());
        assertTrue(check(r, "min-users", null).observed() > 250, "users with an interaction, of 300");
        assertTrue(check(r, "row-count-change", null).detail().contains("no earlier successful run"));
        double trainRate = check(r, "label-rate", "train").observed();
        assertEquals(0.2, trainRate, 1e-9, "1 positive : 4 sampled negatives");
        Map<String, Double> profile = DataValidator.profile(synthetic);
        assertEquals(20_000.0, profile.get("interactions"));
        for (String key : List.of("click_rate", "like_rate", "share_rate", "duplicate_rate", "examples:train", "label_rate:test")) {
            assertNotNull(profile.get(key), key);
        }
    }

    @Test
    void movieLensLatestSmallPassesEveryCheckWithTheDefaults() {
        Path ml = java.util.stream.Stream.of("../shared/data/ml-latest-small", "/work/shared/data/ml-latest-small")
                .map(p -> Path.of(p).toAbsolutePath().normalize()).filter(p -> Files.isRegularFile(p.resolve("ratings.csv")))
                .findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(ml != null, "MovieLens latest-small not found: skipped");
        // the application's defaults: 8 sampled negatives per positive
        PreparedDataset ds = new DatasetPreparer().prepare(DatasetSpec.parse("movielens:" + ml),
                new PreparationSettings(0.8, 0.1, 8, "uniform", 42L, 0, 0, 0), tmp, null);
        ValidationReport r = new DataValidator(defaults()).validate(ds, null, NOW);
        assertTrue(r.passed(), r.summary());
        assertEquals(List.of(), r.warnings());
        assertEquals(0.0, check(r, "duplicates", null).observed());
        assertEquals(1.0, DataValidator.profile(ds).get("click_rate"), "implicit feedback: every rating is a click");
    }

    @Test
    void aOneUserDatasetFailsMinUsersWithTheFileAndValues() throws Exception {
        StringBuilder sb = new StringBuilder("user_id,item_id,timestamp\n");
        for (int i = 0; i < 300; i++) sb.append("7,").append(i % 40).append(',').append(1_600_000_000 + i).append('\n');
        PreparedDataset one = csv(sb.toString());
        ValidationReport r = new DataValidator(defaults()).validate(one, null, NOW);
        assertFalse(r.passed());
        ValidationCheck users = check(r, "min-users", null);
        assertFalse(users.passed());
        assertEquals(1.0, users.observed());
        assertEquals(">= 10", users.expected());
        DataValidationException e = new DataValidationFailedException(r);
        assertTrue(e.getMessage().startsWith("data validation failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("min-users: observed 1, expected >= 10 (interactions.csv: distinct user ids"),
                e.getMessage());
        assertTrue(check(r, "min-items", null).passed(), "40 items");
    }

    @Test
    void exactDuplicateRowsFailNamingTheFirstRepeatedRow() throws Exception {
        StringBuilder sb = new StringBuilder("user_id,item_id,timestamp\n");
        for (int i = 0; i < 400; i++) sb.append(i % 20).append(',').append(i % 37).append(',').append(1_600_000_000 + i).append('\n');
        sb.append("3,3,1600000003\n".repeat(10)); // row 4 is (3, 3, 1600000003); rows 401..410 repeat it
        ValidationReport r = new DataValidator(defaults()).validate(csv(sb.toString()), null, NOW);
        ValidationCheck d = check(r, "duplicates", null);
        assertFalse(d.passed(), d.describe());
        assertEquals(10.0 / 410, d.observed(), 1e-12);
        assertTrue(d.detail().contains("interactions.csv: 10 of 410 interactions repeat an earlier one"), d.detail());
        assertTrue(d.detail().contains("first at row 401 (repeats row 4)"), d.detail());
        assertFalse(r.passed());
    }

    @Test
    void brokenMatricesLabelsIdsAndTimestampsAreEachReported() {
        FeatureTable items = synthetic.items();
        float[] dense = items.dense().clone();
        dense[items.width() + 1] = Float.NaN; // item row 1
        String[] ids = items.ids().clone();
        ids[0] = "-3";
        FeatureTable badItems = new FeatureTable(ids, items.vocabIndex(), items.vocabSize(), dense, items.featureNames());
        FeatureTable users = synthetic.users();
        FeatureTable narrowUsers = new FeatureTable(users.ids(), users.vocabIndex(), users.vocabSize(),
                java.util.Arrays.copyOf(users.dense(), users.dense().length - 1),
                users.featureNames().stream().filter(f -> !f.equals("activity")).toList());
        Examples t = synthetic.train();
        float[] click = t.click().clone();
        click[5] = 2f;
        long[] ts = t.ts().clone();
        ts[9] = NOW.getEpochSecond() + 30L * 86_400;
        Examples badTrain = new Examples(t.user(), t.item(), click, t.like(), t.share(), t.sampled(), ts);
        PreparedDataset broken = new PreparedDataset(synthetic.contentHash(), synthetic.source(), narrowUsers, badItems,
                badTrain, synthetic.validation(), synthetic.test(), synthetic.stats());

        ValidationReport r = new DataValidator(defaults()).validate(broken, null, NOW);
        assertFalse(r.passed());
        ValidationCheck finite = check(r, "finite-features", "items");
        assertEquals(1.0, finite.observed());
        assertTrue(finite.detail().contains("id " + ids[1] + ", feature " + items.featureNames().get(1) + " = NaN"), finite.detail());
        assertTrue(check(r, "ids", "items").detail().contains("negative id '-3'"));
        ValidationCheck schema = check(r, "schema", "users");
        assertTrue(schema.detail().contains("missing feature columns [activity]"), schema.detail());
        assertTrue(schema.detail().contains("expected rows x width"), schema.detail());
        ValidationCheck labels = check(r, "labels", "train");
        assertEquals("first: example 5, click = 2.0", labels.detail());
        ValidationCheck future = check(r, "timestamps", "train");
        assertEquals(1.0, future.observed());
        assertTrue(future.detail().startsWith("first: example 9 at "), future.detail());
        assertTrue(check(r, "timestamps", "test").passed());
        String message = new DataValidationFailedException(r).getMessage();
        assertTrue(message.contains("schema[users]: observed 2, expected 0 problems"), message);
        for (String part : List.of("finite-features[items]", "ids[items]", "labels[train]", "timestamps[train]")) {
            assertTrue(message.contains(part + ": observed 1"), part + " in " + message);
        }
    }

    @Test
    void labelRateOutOfBoundsWhenEveryExampleIsPositive() throws Exception {
        PreparedDataset noNegatives = new DatasetPreparer().prepare(DatasetSpec.parse("synthetic"),
                new PreparationSettings(0.8, 0.1, 0, "uniform", 42L, 300, 200, 20_000), tmp, null);
        ValidationReport r = new DataValidator(defaults()).validate(noNegatives, null, NOW);
        ValidationCheck train = check(r, "label-rate", "train");
        assertFalse(train.passed());
        assertEquals(1.0, train.observed());
        assertEquals("within [0.01, 0.95]", train.expected());
    }

    @Test
    void rowCountAndLabelRateChangesAgainstThePreviousRunFailOrWarnPerSeverity() {
        Map<String, Double> before = new HashMap<>(DataValidator.profile(synthetic));
        before.put("interactions", 5_000.0);       // now 20000: +300%
        before.put("click_rate", before.get("click_rate") + 0.3);
        DatasetProfile previous = new DatasetProfile(7, before);

        ValidationReport error = new DataValidator(defaults()).validate(synthetic, previous, NOW);
        assertFalse(error.passed());
        assertEquals(7L, error.previousRunId());
        ValidationCheck rows = check(error, "row-count-change", null);
        assertEquals(Severity.ERROR, rows.severity());
        assertEquals(20_000.0, rows.observed());
        assertEquals(5_000.0, rows.previous());
        assertEquals(7L, rows.previousRunId());
        assertTrue(rows.detail().contains("+300.0% against run 7"), rows.detail());
        ValidationCheck clicks = check(error, "label-rate-change", "click");
        assertFalse(clicks.passed());
        assertTrue(check(error, "label-rate-change", "like").passed());
        assertTrue(error.summary().contains("row-count-change: observed 20000, expected within ±50.0% of the previous "
                + "count, previous 5000 (run 7)"), error.summary());

        ValidationSettings warn = new ValidationSettings(true, 10, 10, 50, 0.01, 0.95, 0.5, 0.1, 0.01, 86_400,
                Severity.WARNING, Map.of());
        ValidationReport warned = new DataValidator(warn).validate(synthetic, previous, NOW);
        assertTrue(warned.passed(), warned.summary());
        assertEquals(2, warned.warnings().size());
        assertTrue(warned.summary().contains("warnings: row-count-change"), warned.summary());

        ValidationReport same = new DataValidator(defaults()).validate(synthetic,
                new DatasetProfile(8, DataValidator.profile(synthetic)), NOW);
        assertTrue(same.passed(), same.summary());
        assertEquals(0.0, check(same, "label-rate-change", "click").observed() - check(same, "label-rate-change", "click").previous());
    }

    @Test
    void severitiesPerCheckWarnOrSwitchOffAndUnknownNamesAreRefused() {
        ValidationSettings s = new ValidationSettings(true, 100_000, 10, 50, 0.01, 0.95, 0.5, 0.1, 0.01, 86_400,
                Severity.ERROR, Map.of("min-users", Severity.WARNING, "duplicates", Severity.OFF));
        ValidationReport r = new DataValidator(s).validate(synthetic, null, NOW);
        assertTrue(r.passed(), r.summary());
        assertEquals(List.of("min-users"), r.warnings().stream().map(ValidationCheck::name).toList());
        assertTrue(r.checks().stream().noneMatch(c -> c.name().equals("duplicates")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> defaults(Map.of("min-userz", Severity.ERROR)));
        assertTrue(e.getMessage().contains("validation.severity.min-userz: unknown check"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Severity.parse("fatal", "validation.drift-severity"));
        assertThrows(IllegalArgumentException.class, () -> new ValidationSettings(true, 1, 1, 1, 0.5, 0.2, 0.5, 0.1, 0.01,
                0, Severity.ERROR, Map.of()));
    }
}
