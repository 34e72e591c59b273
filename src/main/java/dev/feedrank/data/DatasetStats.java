package dev.feedrank.data;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/** The small JSON-able statistics of a prepared dataset. */
final class DatasetStats {
    static final ObjectMapper JSON = new ObjectMapper();

    private DatasetStats() {
    }

    /**
     * Of the source interactions (before sampling): the rate of each label, and exact duplicates (same user, item and
     * timestamp) with the first repeated data row and the row it repeats (1-based, as in the input file).
     */
    record SourceQuality(double clickRate, double likeRate, double shareRate, long duplicates, Long firstDuplicateRow,
                         Long duplicateOfRow) {
    }

    static Map<String, Object> of(DatasetSpec spec, SourceTables src, PreparationSettings settings, long interactions,
                                  long interactingUsers, long interactingItems, boolean explicitNegatives,
                                  FeatureTable users, FeatureTable items, Examples[] splits, SourceQuality quality) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("formatVersion", DatasetPreparer.FORMAT_VERSION);
        m.put("source", spec.toString());
        m.put("layout", src.layout());
        m.put("inputFiles", src.inputFiles().stream().map(Path::getFileName).map(Path::toString).sorted().toList());
        m.put("interactions", interactions);
        m.put("interactionsFile", src.interactionsFile());
        Map<String, Object> rates = new LinkedHashMap<>();
        rates.put("click", quality.clickRate());
        rates.put("like", quality.likeRate());
        rates.put("share", quality.shareRate());
        m.put("labelRates", rates);
        m.put("duplicateInteractions", quality.duplicates());
        if (quality.firstDuplicateRow() != null) {
            m.put("firstDuplicate", Map.of("row", quality.firstDuplicateRow(), "repeats", quality.duplicateOfRow()));
        }
        m.put("negatives", (explicitNegatives ? "observed (test split only) + " : "")
                + "sampled " + (NegativeSampler.isPopularity(settings.negativeSampling()) ? "popularity" : "uniform")
                + " x" + settings.negativesPerPositive() + " (validation and test: stored; train: drawn per batch, "
                + "fresh every epoch)");
        m.put("users", users.rows());
        m.put("items", items.rows());
        m.put("distinctUsers", interactingUsers);
        m.put("distinctItems", interactingItems);
        m.put("userVocabSize", users.vocabSize());
        m.put("itemVocabSize", items.vocabSize());
        m.put("userFeatureCount", users.width());
        m.put("itemFeatureCount", items.width());
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        Map<String, Object> perSplit = new LinkedHashMap<>();
        for (int s = 0; s < splits.length; s++) {
            Examples e = splits[s];
            perSplit.put(TimeSplitter.NAMES[s], split(e));
            for (long t : e.ts()) {
                from = Math.min(from, t);
                to = Math.max(to, t);
            }
        }
        if (from <= to) {
            m.put("timeFrom", Instant.ofEpochSecond(from).toString());
            m.put("timeTo", Instant.ofEpochSecond(to).toString());
        }
        m.put("splits", perSplit);
        return normalized(m);
    }

    private static Map<String, Object> split(Examples e) {
        long positives = 0;
        long likes = 0;
        long shares = 0;
        long sampled = 0;
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        BitSet users = new BitSet();
        BitSet items = new BitSet();
        for (int i = 0; i < e.size(); i++) {
            if (e.click()[i] == 1f) positives++;
            if (e.like()[i] == 1f) likes++;
            if (e.share()[i] == 1f) shares++;
            if (e.sampled()[i]) sampled++;
            from = Math.min(from, e.ts()[i]);
            to = Math.max(to, e.ts()[i]);
            users.set(e.user()[i]);
            if (!e.sampled()[i]) items.set(e.item()[i]);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        int n = e.size();
        m.put("examples", n);
        m.put("positives", positives);
        m.put("sampledNegatives", sampled);
        m.put("clickRate", n == 0 ? 0.0 : (double) positives / n);
        m.put("likeRate", n == 0 ? 0.0 : (double) likes / n);
        m.put("shareRate", n == 0 ? 0.0 : (double) shares / n);
        m.put("distinctUsers", users.cardinality());
        m.put("distinctItems", items.cardinality());
        if (n > 0) {
            m.put("from", Instant.ofEpochSecond(from).toString());
            m.put("to", Instant.ofEpochSecond(to).toString());
        }
        return m;
    }

    /** As it reads back from JSON (Integer/Long/Double, LinkedHashMap, ArrayList), so a stored copy compares equal. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> normalized(Map<String, Object> m) {
        try {
            return JSON.readValue(JSON.writeValueAsBytes(m), LinkedHashMap.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
