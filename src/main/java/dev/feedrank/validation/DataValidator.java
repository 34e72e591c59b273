package dev.feedrank.validation;

import dev.feedrank.data.Examples;
import dev.feedrank.data.FeatureTable;
import dev.feedrank.data.Ids;
import dev.feedrank.data.PreparedDataset;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The checks of the validate-data stage over a prepared dataset: its schema, finite features, ids, 0/1 labels and
 * timestamps (documenting what prepare-data guarantees), distinct users and items, examples and label rate per
 * split, exact duplicates, and the change of the interaction count and label rates against the last successful run
 * on the same dataset spec ({@link DatasetProfile}).
 */
public final class DataValidator {

    /** Every check name (the keys of {@code validation.severity.*}). */
    public static final List<String> CHECKS = List.of("schema", "finite-features", "ids", "labels", "timestamps",
            "min-users", "min-items", "min-examples", "label-rate", "duplicates", "row-count-change",
            "label-rate-change");
    /** The change checks against the previous run, whose default severity is {@code validation.drift-severity}. */
    public static final Set<String> DRIFT_CHECKS = Set.of("row-count-change", "label-rate-change");
    static final String[] SPLITS = {"train", "validation", "test"};
    static final String[] LABELS = {"click", "like", "share"};

    private final ValidationSettings settings;

    public DataValidator(ValidationSettings settings) {
        this.settings = settings;
    }

    /** The values recorded for the next run's change checks (see {@link DatasetProfile} for the keys). */
    public static Map<String, Double> profile(PreparedDataset ds) {
        Map<String, Object> stats = ds.stats();
        Map<String, Double> p = new LinkedHashMap<>();
        put(p, "interactions", number(stats, "interactions"));
        put(p, "distinct_users", number(stats, "distinctUsers"));
        put(p, "distinct_items", number(stats, "distinctItems"));
        for (String label : LABELS) put(p, label + "_rate", number(stats, "labelRates", label));
        Double interactions = number(stats, "interactions");
        Double duplicates = number(stats, "duplicateInteractions");
        if (interactions != null && duplicates != null && interactions > 0) p.put("duplicate_rate", duplicates / interactions);
        Examples[] splits = splits(ds);
        for (int s = 0; s < SPLITS.length; s++) {
            p.put(DatasetProfile.key("examples", SPLITS[s]), (double) examples(ds, s));
            p.put(DatasetProfile.key("label_rate", SPLITS[s]), positiveRate(ds, s));
        }
        return p;
    }

    public ValidationReport validate(PreparedDataset ds, DatasetProfile previous, Instant now) {
        List<ValidationCheck> checks = new ArrayList<>();
        Map<String, Object> stats = ds.stats();
        String file = stats.get("interactionsFile") instanceof String f ? f : ds.source();
        Examples[] splits = splits(ds);

        schema(checks, "users", ds.users(), FeatureTable.DERIVED_USER_FEATURES);
        schema(checks, "items", ds.items(), FeatureTable.DERIVED_ITEM_FEATURES);
        for (int s = 0; s < SPLITS.length; s++) schema(checks, SPLITS[s], splits[s], ds);
        finite(checks, "users", ds.users());
        finite(checks, "items", ds.items());
        ids(checks, "users", ds.users());
        ids(checks, "items", ds.items());
        long limit = now.getEpochSecond() + settings.futureToleranceSeconds();
        for (int s = 0; s < SPLITS.length; s++) {
            labels(checks, SPLITS[s], splits[s]);
            timestamps(checks, SPLITS[s], splits[s], limit);
        }

        Double users = number(stats, "distinctUsers");
        add(checks, "min-users", null, users == null || users >= settings.minUsers(), users,
                ">= " + settings.minUsers(), null, null, file + ": distinct user ids with at least one interaction");
        Double items = number(stats, "distinctItems");
        add(checks, "min-items", null, items == null || items >= settings.minItems(), items,
                ">= " + settings.minItems(), null, null, file + ": distinct item ids with at least one interaction");
        for (int s = 0; s < SPLITS.length; s++) {
            long n = examples(ds, s);
            add(checks, "min-examples", SPLITS[s], n >= settings.minExamplesPerSplit(), (double) n,
                    ">= " + settings.minExamplesPerSplit(), null, null, "examples (observed and sampled) in the "
                            + SPLITS[s] + " split" + drawnNote(ds, s));
        }
        for (int s = 0; s < SPLITS.length; s++) {
            double rate = positiveRate(ds, s);
            add(checks, "label-rate", SPLITS[s], rate >= settings.labelRateMin() && rate <= settings.labelRateMax(),
                    rate, "within [" + ValidationCheck.format(settings.labelRateMin()) + ", "
                            + ValidationCheck.format(settings.labelRateMax()) + "]", null, null,
                    positives(splits[s]) + " positives (click = 1) of " + examples(ds, s) + " examples" + drawnNote(ds, s));
        }
        duplicates(checks, stats, file);
        drift(checks, profile(ds), previous, file);
        return new ValidationReport(List.copyOf(checks), previous == null ? null : previous.runId());
    }

    // ---- structure and values (prepare-data guarantees these; the checks document it) -------------------------

    private void schema(List<ValidationCheck> checks, String tower, FeatureTable t, List<String> derived) {
        List<String> problems = new ArrayList<>();
        if (t.rows() == 0) problems.add("no rows");
        if (t.vocabIndex().length != t.rows()) {
            problems.add(t.vocabIndex().length + " vocabulary indices for " + t.rows() + " ids");
        }
        if ((long) t.rows() * t.width() != t.dense().length) {
            problems.add(t.dense().length + " feature values, expected rows x width = " + t.rows() + " x " + t.width());
        }
        List<String> missing = derived.stream().filter(f -> !t.featureNames().contains(f)).toList();
        if (!missing.isEmpty()) problems.add("missing feature columns " + missing);
        if (new HashSet<>(t.featureNames()).size() != t.width()) problems.add("repeated feature column names");
        for (int r = 0; r < t.vocabIndex().length; r++) {
            if (t.vocabIndex()[r] < 0 || t.vocabIndex()[r] >= t.vocabSize()) {
                problems.add("row " + r + " (id " + id(t, r) + ") has vocabulary index " + t.vocabIndex()[r]
                        + " outside [0, " + t.vocabSize() + ")");
                break;
            }
        }
        add(checks, "schema", tower, problems.isEmpty(), (double) problems.size(), "0 problems", null, null,
                problems.isEmpty() ? t.rows() + " rows x " + t.width() + " features " + t.featureNames()
                        : String.join("; ", problems));
    }

    private void schema(List<ValidationCheck> checks, String split, Examples e, PreparedDataset ds) {
        List<String> problems = new ArrayList<>();
        int n = e.size();
        if (e.item().length != n || e.click().length != n || e.like().length != n || e.share().length != n
                || e.sampled().length != n || e.ts().length != n) {
            problems.add("columns of different lengths");
        } else {
            for (int i = 0; i < n; i++) {
                if (e.user()[i] < 0 || e.user()[i] >= ds.users().rows() || e.item()[i] < 0
                        || e.item()[i] >= ds.items().rows()) {
                    problems.add("example " + i + " refers to user row " + e.user()[i] + " / item row " + e.item()[i]
                            + " outside the " + ds.users().rows() + " users / " + ds.items().rows() + " items");
                    break;
                }
            }
        }
        add(checks, "schema", split, problems.isEmpty(), (double) problems.size(), "0 problems", null, null,
                problems.isEmpty() ? n + " examples (user, item, click, like, share, sampled, timestamp)"
                        : String.join("; ", problems));
    }

    private void finite(List<ValidationCheck> checks, String tower, FeatureTable t) {
        long bad = 0;
        String first = null;
        int width = Math.max(1, t.width());
        for (int i = 0; i < t.dense().length; i++) {
            if (!Float.isFinite(t.dense()[i])) {
                if (first == null) {
                    int r = i / width;
                    first = "first: id " + id(t, r) + ", feature " + (r < t.rows() && t.width() > 0
                            ? t.featureNames().get(i % width) : "#" + i) + " = " + t.dense()[i];
                }
                bad++;
            }
        }
        add(checks, "finite-features", tower, bad == 0, (double) bad, "0 NaN or infinite values", null, null,
                bad == 0 ? t.dense().length + " feature values, all finite" : first);
    }

    private void ids(List<ValidationCheck> checks, String tower, FeatureTable t) {
        long bad = 0;
        String first = null;
        Set<String> seen = new HashSet<>();
        for (String id : t.ids()) {
            // ids are text (string or integer): non-empty, short, no control characters, not a negative integer
            String problem = Ids.problem(id);
            if (problem == null && !seen.add(id)) problem = "repeated id " + Ids.shown(id);
            if (problem != null) {
                bad++;
                if (first == null) first = "first: " + problem;
            }
        }
        add(checks, "ids", tower, bad == 0, (double) bad, "0 ids that are empty, too long, with control characters, "
                + "negative integers or repeated", null, null, bad == 0 ? t.rows() + " unique valid ids" : first);
    }

    private void labels(List<ValidationCheck> checks, String split, Examples e) {
        long bad = 0;
        String first = null;
        float[][] columns = {e.click(), e.like(), e.share()};
        for (int c = 0; c < columns.length; c++) {
            for (int i = 0; i < columns[c].length; i++) {
                float v = columns[c][i];
                if (v != 0f && v != 1f) {
                    if (first == null) first = "first: example " + i + ", " + LABELS[c] + " = " + v;
                    bad++;
                }
            }
        }
        add(checks, "labels", split, bad == 0, (double) bad, "0 labels other than 0 or 1", null, null,
                bad == 0 ? "click, like and share all 0/1" : first);
    }

    private void timestamps(List<ValidationCheck> checks, String split, Examples e, long limit) {
        long bad = 0;
        long latest = Long.MIN_VALUE;
        String first = null;
        for (int i = 0; i < e.size(); i++) {
            long t = e.ts()[i];
            latest = Math.max(latest, t);
            if (t <= 0 || t > limit) {
                if (first == null) first = "first: example " + i + " at " + t + " (" + instant(t) + ")";
                bad++;
            }
        }
        add(checks, "timestamps", split, bad == 0, (double) bad, "0 timestamps outside (1970-01-01T00:00:00Z, "
                        + instant(limit) + "] (now + " + settings.futureToleranceSeconds() + " s)", null, null,
                bad == 0 ? (e.size() == 0 ? "no examples" : "latest " + instant(latest)) : first);
    }

    // ---- duplicates and change against the previous run ------------------------------------------------------

    private void duplicates(List<ValidationCheck> checks, Map<String, Object> stats, String file) {
        Double interactions = number(stats, "interactions");
        Double duplicates = number(stats, "duplicateInteractions");
        if (interactions == null || duplicates == null) {
            add(checks, "duplicates", null, true, null, "<= " + ValidationCheck.format(settings.maxDuplicateRate()),
                    null, null, "not recorded by this dataset's preparation");
            return;
        }
        double rate = interactions == 0 ? 0 : duplicates / interactions;
        String detail = file + ": " + duplicates.longValue() + " of " + interactions.longValue()
                + " interactions repeat an earlier one (same user, item and timestamp)";
        Double row = number(stats, "firstDuplicate", "row");
        Double repeats = number(stats, "firstDuplicate", "repeats");
        if (row != null && repeats != null) detail += ", first at row " + row.longValue() + " (repeats row " + repeats.longValue() + ")";
        add(checks, "duplicates", null, rate <= settings.maxDuplicateRate(), rate,
                "<= " + ValidationCheck.format(settings.maxDuplicateRate()), null, null, detail);
    }

    private void drift(List<ValidationCheck> checks, Map<String, Double> current, DatasetProfile previous, String file) {
        String none = "no earlier successful run on this dataset spec to compare with";
        Double rows = current.get("interactions");
        String rowBound = "within ±" + percent(settings.maxRowCountChange()) + " of the previous count";
        if (previous == null || previous.get("interactions") == null || rows == null) {
            add(checks, "row-count-change", null, true, rows, rowBound, null, null, none);
        } else {
            double before = previous.get("interactions");
            double change = before == 0 ? (rows == 0 ? 0 : Double.POSITIVE_INFINITY) : (rows - before) / before;
            add(checks, "row-count-change", null, Math.abs(change) <= settings.maxRowCountChange(), rows, rowBound,
                    before, previous.runId(), file + ": interactions " + (change >= 0 ? "+" : "") + percent(change)
                            + " against run " + previous.runId());
        }
        for (String label : LABELS) {
            Double rate = current.get(label + "_rate");
            String bound = "within ±" + ValidationCheck.format(settings.maxLabelRateChange()) + " of the previous rate";
            if (previous == null || previous.get(label + "_rate") == null || rate == null) {
                add(checks, "label-rate-change", label, true, rate, bound, null, null, none);
            } else {
                double before = previous.get(label + "_rate");
                double change = rate - before;
                add(checks, "label-rate-change", label, Math.abs(change) <= settings.maxLabelRateChange(), rate, bound,
                        before, previous.runId(), file + ": share of interactions with " + label + " = 1 changed by "
                                + String.format(Locale.ROOT, "%+.4f", change) + " against run " + previous.runId());
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private void add(List<ValidationCheck> checks, String name, String scope, boolean passed, Double observed,
                     String expected, Double previous, Long previousRunId, String detail) {
        Severity severity = settings.severityOf(name);
        if (severity == Severity.OFF) return;
        checks.add(new ValidationCheck(name, scope, severity, passed, observed, expected, previous, previousRunId,
                detail));
    }

    private static Examples[] splits(PreparedDataset ds) {
        return new Examples[] {ds.train(), ds.validation(), ds.test()};
    }

    /**
     * A split's examples as training and evaluation see them: the train split of a prepared dataset stores its
     * positives only and training draws {@code negatives.per-positive} negatives for each, so those count too.
     */
    private static long examples(PreparedDataset ds, int split) {
        Examples e = splits(ds)[split];
        if (split != 0 || ds.trainNegatives() == null) return e.size();
        return e.size() + (long) ds.trainNegatives().perPositive() * positives(e);
    }

    private static String drawnNote(PreparedDataset ds, int split) {
        return split != 0 || ds.trainNegatives() == null ? "" : " (" + ds.trainNegatives().perPositive()
                + " negatives per positive drawn by training, fresh every epoch)";
    }

    static double positiveRate(PreparedDataset ds, int split) {
        long n = examples(ds, split);
        return n == 0 ? 0.0 : (double) positives(splits(ds)[split]) / n;
    }

    private static long positives(Examples e) {
        long p = 0;
        for (float c : e.click()) if (c == 1f) p++;
        return p;
    }

    private static String id(FeatureTable t, int row) {
        return row < t.ids().length ? t.ids()[row] : "#" + row;
    }

    private static String instant(long epochSecond) {
        try {
            return Instant.ofEpochSecond(epochSecond).toString();
        } catch (RuntimeException e) {
            return epochSecond + " s";
        }
    }

    private static String percent(double fraction) {
        if (Double.isInfinite(fraction)) return "∞%";
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    private static void put(Map<String, Double> p, String key, Double value) {
        if (value != null) p.put(key, value);
    }

    /** A number in the stats map at the given path, or null. */
    static Double number(Map<String, Object> stats, String... path) {
        Object o = stats;
        for (String key : path) {
            if (!(o instanceof Map<?, ?> m)) return null;
            o = m.get(key);
        }
        return o instanceof Number n ? n.doubleValue() : null;
    }
}
