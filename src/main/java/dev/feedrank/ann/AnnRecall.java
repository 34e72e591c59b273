package dev.feedrank.ann;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Recall of an {@link AnnIndex} against the exact inner-product top k, for a set of user queries: for each query,
 * the share of the index's k results whose exact score is at least the exact k-th best score minus
 * {@link #TIE_TOLERANCE} (an item tied with the k-th best counts as a hit), averaged over the queries; and the
 * latency of the index's top-10 queries (one thread, wall clock), median and 99th percentile.
 */
public final class AnnRecall {

    public static final double TIE_TOLERANCE = 1e-6;
    /** The k of the latency figures (the recommendations endpoint's default). */
    public static final int LATENCY_K = 10;

    /** Metric names, as stored ({@code ann.recall@10} ...). */
    public static final String RECALL_10 = "ann.recall@10";
    public static final String RECALL_100 = "ann.recall@100";
    public static final String LATENCY_P50 = "ann.latency_p50_ms";
    public static final String LATENCY_P99 = "ann.latency_p99_ms";
    public static final String EXACT_P50 = "ann.exact_latency_p50_ms";
    public static final String QUERIES = "ann.queries";
    public static final String BUILD_SECONDS = "ann.build_seconds";

    private AnnRecall() {
    }

    /**
     * @param userEmb   user embeddings, row-major [*, d]
     * @param userRows  the rows of the query users (a seeded sample of at most {@code maxQueries} is used)
     * @param query     user embedding to query vector (the click head of a multi-task model)
     * @return {@link #RECALL_10}, {@link #RECALL_100}, {@link #LATENCY_P50}, {@link #LATENCY_P99},
     *         {@link #EXACT_P50} (brute force, for comparison) and {@link #QUERIES}; empty when there is no query
     */
    public static Map<String, Double> measure(AnnIndex index, float[] items, float[] userEmb, int[] userRows,
                                              ClickQuery query, int maxQueries, long seed) {
        int[] sample = sample(userRows, maxQueries, seed);
        Map<String, Double> out = new LinkedHashMap<>();
        if (sample.length == 0 || index.size() == 0) return out;
        int d = index.dimension();
        double hits10 = 0;
        double hits100 = 0;
        double[] latency = new double[sample.length];
        double[] exactLatency = new double[sample.length];
        try (AnnIndex.Searcher searcher = index.searcher()) {
            for (int i = 0; i < sample.length; i++) {
                float[] q = query.query(userEmb, sample[i] * d);
                long t0 = System.nanoTime();
                int[] ann10 = searcher.search(q, LATENCY_K);
                latency[i] = (System.nanoTime() - t0) / 1e6;
                int[] ann100 = searcher.search(q, 100);
                t0 = System.nanoTime();
                int[] exact = AnnIndex.exactTopK(items, index.size(), d, q, 100);
                exactLatency[i] = (System.nanoTime() - t0) / 1e6;
                hits10 += recall(index, q, ann10, exact, 10);
                hits100 += recall(index, q, ann100, exact, 100);
            }
        }
        out.put(RECALL_10, hits10 / sample.length);
        out.put(RECALL_100, hits100 / sample.length);
        out.put(LATENCY_P50, percentile(latency, 0.50));
        out.put(LATENCY_P99, percentile(latency, 0.99));
        out.put(EXACT_P50, percentile(exactLatency, 0.50));
        out.put(QUERIES, (double) sample.length);
        return out;
    }

    /** Share of the found rows that are within the exact top k (ties within the tolerance count). */
    static double recall(AnnIndex index, float[] q, int[] found, int[] exactTop, int k) {
        int want = Math.min(k, Math.min(index.size(), exactTop.length));
        if (want == 0) return 1.0;
        double kth = index.score(q, exactTop[want - 1]);
        int hits = 0;
        for (int i = 0; i < Math.min(found.length, want); i++) {
            if (index.score(q, found[i]) >= kth - TIE_TOLERANCE) hits++;
        }
        return (double) hits / want;
    }

    /** Nearest-rank percentile. */
    static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        int rank = (int) Math.ceil(p * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    static int[] sample(int[] rows, int max, long seed) {
        int[] copy = rows.clone();
        if (copy.length <= max) return copy;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < max; i++) {
            int j = i + random.nextInt(copy.length - i);
            int t = copy[i];
            copy[i] = copy[j];
            copy[j] = t;
        }
        return Arrays.copyOf(copy, max);
    }
}
