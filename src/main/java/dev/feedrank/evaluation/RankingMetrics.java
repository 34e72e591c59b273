package dev.feedrank.evaluation;

import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-user top-k ranking metrics with binary relevance, and an {@link Accumulator} that averages them over users.
 *
 * <p>{@code ranked} is a list of distinct item indices, best first (typically {@link TopK#topK}); it may be shorter
 * than {@code k} when there are fewer candidates, in which case the missing positions count as misses.
 * {@code relevant} is the set of relevant item indices, as a {@link BitSet} or an {@code int[]} (duplicates are
 * counted once). Conventions (matching {@code sklearn.metrics.ndcg_score} and the usual definitions):
 * <ul>
 *   <li>{@code ndcg@k} = DCG / IDCG with DCG = sum over hits at 1-based rank r <= k of 1 / log2(r + 1) and IDCG the
 *       DCG of min(|relevant|, k) hits at ranks 1..;</li>
 *   <li>{@code precision@k} = hits / k (k, not the list length);</li>
 *   <li>{@code recall@k} = hits / |relevant|;</li>
 *   <li>{@code hr@k} = 1 if any hit in the top k, else 0;</li>
 *   <li>{@code mrr@k} = 1 / rank of the first hit within the top k, else 0.</li>
 * </ul>
 * All of them are 0 for a user without relevant items; the {@link Accumulator} skips such users.
 */
public final class RankingMetrics {

    private static final double LN2 = Math.log(2.0);

    private RankingMetrics() {
    }

    /** NDCG@k (binary relevance, log2 discount). */
    public static double ndcg(int[] ranked, BitSet relevant, int k) {
        checkArgs(ranked, relevant, k);
        return ndcg(ranked, relevant, relevant.cardinality(), k);
    }

    /** NDCG@k (binary relevance, log2 discount). */
    public static double ndcg(int[] ranked, int[] relevant, int k) {
        return ndcg(ranked, toBitSet(relevant), k);
    }

    /** hits@k / k. */
    public static double precision(int[] ranked, BitSet relevant, int k) {
        checkArgs(ranked, relevant, k);
        return (double) hits(ranked, relevant, k) / k;
    }

    /** hits@k / k. */
    public static double precision(int[] ranked, int[] relevant, int k) {
        return precision(ranked, toBitSet(relevant), k);
    }

    /** hits@k / |relevant| (0 if nothing is relevant). */
    public static double recall(int[] ranked, BitSet relevant, int k) {
        checkArgs(ranked, relevant, k);
        int relevantCount = relevant.cardinality();
        return relevantCount == 0 ? 0.0 : (double) hits(ranked, relevant, k) / relevantCount;
    }

    /** hits@k / |relevant| (0 if nothing is relevant). */
    public static double recall(int[] ranked, int[] relevant, int k) {
        return recall(ranked, toBitSet(relevant), k);
    }

    /** 1 if a relevant item is in the top k, else 0. */
    public static double hitRate(int[] ranked, BitSet relevant, int k) {
        checkArgs(ranked, relevant, k);
        return firstHit(ranked, relevant, k) >= 0 ? 1.0 : 0.0;
    }

    /** 1 if a relevant item is in the top k, else 0. */
    public static double hitRate(int[] ranked, int[] relevant, int k) {
        return hitRate(ranked, toBitSet(relevant), k);
    }

    /** 1 / (1-based rank of the first relevant item) if it is within the top k, else 0. */
    public static double mrr(int[] ranked, BitSet relevant, int k) {
        checkArgs(ranked, relevant, k);
        int first = firstHit(ranked, relevant, k);
        return first >= 0 ? 1.0 / (first + 1) : 0.0;
    }

    /** 1 / (1-based rank of the first relevant item) if it is within the top k, else 0. */
    public static double mrr(int[] ranked, int[] relevant, int k) {
        return mrr(ranked, toBitSet(relevant), k);
    }

    /** Discount of the item at 0-based position {@code pos}: 1 / log2(pos + 2). */
    static double discount(int pos) {
        return LN2 / Math.log(pos + 2.0);
    }

    private static double ndcg(int[] ranked, BitSet relevant, int relevantCount, int k) {
        if (relevantCount == 0) {
            return 0.0;
        }
        int cutoff = Math.min(k, ranked.length);
        double dcg = 0;
        for (int pos = 0; pos < cutoff; pos++) {
            if (relevant.get(ranked[pos])) {
                dcg += discount(pos);
            }
        }
        if (dcg == 0) {
            return 0.0;
        }
        int ideal = Math.min(relevantCount, k);
        double idcg = 0;
        for (int pos = 0; pos < ideal; pos++) {
            idcg += discount(pos);
        }
        return dcg / idcg;
    }

    private static int hits(int[] ranked, BitSet relevant, int k) {
        int cutoff = Math.min(k, ranked.length);
        int hits = 0;
        for (int pos = 0; pos < cutoff; pos++) {
            if (relevant.get(ranked[pos])) {
                hits++;
            }
        }
        return hits;
    }

    private static int firstHit(int[] ranked, BitSet relevant, int k) {
        int cutoff = Math.min(k, ranked.length);
        for (int pos = 0; pos < cutoff; pos++) {
            if (relevant.get(ranked[pos])) {
                return pos;
            }
        }
        return -1;
    }

    private static void checkArgs(int[] ranked, Object relevant, int k) {
        if (ranked == null || relevant == null) {
            throw new IllegalArgumentException("ranked and relevant must not be null");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1: " + k);
        }
    }

    private static BitSet toBitSet(int[] relevant) {
        if (relevant == null) {
            throw new IllegalArgumentException("relevant must not be null");
        }
        BitSet set = new BitSet();
        for (int item : relevant) {
            if (item < 0) {
                throw new IllegalArgumentException("negative item index in relevant: " + item);
            }
            set.set(item);
        }
        return set;
    }

    /**
     * Averages ndcg/precision/recall/hr/mrr at several cutoffs over users, in one pass over each user's top
     * {@code max(K)} positions. Users without any relevant item are skipped (counted in {@link #skippedUsers()}).
     * Not thread-safe: use one per thread and {@link #merge} them.
     */
    public static final class Accumulator {
        private static final String[] NAMES = {"ndcg", "precision", "recall", "hr", "mrr"};

        private final int[] ks;
        private final int maxK;
        private final double[] discount;  // discount[pos] = 1 / log2(pos + 2), pos < maxK
        private final double[] idealDcg;  // idealDcg[m] = DCG of m hits at the top, m <= maxK
        private final double[] ndcgSum;
        private final double[] precisionSum;
        private final double[] recallSum;
        private final double[] hrSum;
        private final double[] mrrSum;
        private final BitSet scratch = new BitSet();
        private long users;
        private long skipped;

        /**
         * @param ks cutoffs, each {@code >= 1}; duplicates are ignored and keys are reported in ascending K order
         */
        public Accumulator(int... ks) {
            if (ks == null || ks.length == 0) {
                throw new IllegalArgumentException("at least one cutoff k is required");
            }
            int[] sorted = ks.clone();
            Arrays.sort(sorted);
            if (sorted[0] < 1) {
                throw new IllegalArgumentException("cutoffs must be >= 1: " + Arrays.toString(ks));
            }
            this.ks = Arrays.stream(sorted).distinct().toArray();
            this.maxK = this.ks[this.ks.length - 1];
            this.discount = new double[maxK];
            this.idealDcg = new double[maxK + 1];
            for (int pos = 0; pos < maxK; pos++) {
                discount[pos] = RankingMetrics.discount(pos);
                idealDcg[pos + 1] = idealDcg[pos] + discount[pos];
            }
            int m = this.ks.length;
            ndcgSum = new double[m];
            precisionSum = new double[m];
            recallSum = new double[m];
            hrSum = new double[m];
            mrrSum = new double[m];
        }

        /** The distinct cutoffs, ascending. */
        public int[] ks() {
            return ks.clone();
        }

        /** Largest cutoff: how many ranked items {@link #add} looks at (e.g. the k to pass to {@link TopK}). */
        public int maxK() {
            return maxK;
        }

        /**
         * Adds one user.
         *
         * @return false if the user has no relevant item and was skipped
         */
        public boolean add(int[] ranked, BitSet relevant) {
            checkArgs(ranked, relevant, 1);
            return accumulate(ranked, relevant, relevant.cardinality());
        }

        /**
         * Adds one user; {@code relevant} may contain duplicates (counted once).
         *
         * @return false if the user has no relevant item and was skipped
         */
        public boolean add(int[] ranked, int[] relevant) {
            checkArgs(ranked, relevant, 1);
            int count = 0;
            try {
                for (int item : relevant) {
                    if (item < 0) {
                        throw new IllegalArgumentException("negative item index in relevant: " + item);
                    }
                    if (!scratch.get(item)) {
                        scratch.set(item);
                        count++;
                    }
                }
                return accumulate(ranked, scratch, count);
            } finally {
                for (int item : relevant) {
                    if (item >= 0) {
                        scratch.clear(item);
                    }
                }
            }
        }

        private boolean accumulate(int[] ranked, BitSet relevant, int relevantCount) {
            if (relevantCount == 0) {
                skipped++;
                return false;
            }
            int limit = Math.min(maxK, ranked.length);
            int hits = 0;
            int firstHit = -1;
            double dcg = 0;
            int next = 0; // index into ks of the next cutoff to record
            for (int pos = 0; pos < limit; pos++) {
                if (relevant.get(ranked[pos])) {
                    hits++;
                    dcg += discount[pos];
                    if (firstHit < 0) {
                        firstHit = pos;
                    }
                }
                while (next < ks.length && ks[next] == pos + 1) {
                    record(next++, hits, dcg, firstHit, relevantCount);
                }
            }
            while (next < ks.length) { // list shorter than the remaining cutoffs
                record(next++, hits, dcg, firstHit, relevantCount);
            }
            users++;
            return true;
        }

        private void record(int idx, int hits, double dcg, int firstHit, int relevantCount) {
            int k = ks[idx];
            if (hits > 0) {
                ndcgSum[idx] += dcg / idealDcg[Math.min(relevantCount, k)];
                precisionSum[idx] += (double) hits / k;
                recallSum[idx] += (double) hits / relevantCount;
                hrSum[idx] += 1.0;
                mrrSum[idx] += 1.0 / (firstHit + 1);
            }
        }

        /** Adds another accumulator's users (same cutoffs required). */
        public Accumulator merge(Accumulator other) {
            if (!Arrays.equals(ks, other.ks)) {
                throw new IllegalArgumentException(
                        "cutoffs differ: " + Arrays.toString(ks) + " vs " + Arrays.toString(other.ks));
            }
            for (int i = 0; i < ks.length; i++) {
                ndcgSum[i] += other.ndcgSum[i];
                precisionSum[i] += other.precisionSum[i];
                recallSum[i] += other.recallSum[i];
                hrSum[i] += other.hrSum[i];
                mrrSum[i] += other.mrrSum[i];
            }
            users += other.users;
            skipped += other.skipped;
            return this;
        }

        /** Users averaged over (those with at least one relevant item). */
        public long users() {
            return users;
        }

        /** Users skipped because they had no relevant item. */
        public long skippedUsers() {
            return skipped;
        }

        /**
         * Means over {@link #users()}: for each K ascending, keys {@code ndcg@K, precision@K, recall@K, hr@K, mrr@K}
         * (insertion-ordered map).
         *
         * @throws IllegalStateException if no user with a relevant item was added (the means are undefined)
         */
        public Map<String, Double> means() {
            if (users == 0) {
                throw new IllegalStateException(
                        "no user with a relevant item was added (" + skipped + " skipped); ranking means are undefined");
            }
            Map<String, Double> out = new LinkedHashMap<>(ks.length * 8);
            for (int i = 0; i < ks.length; i++) {
                double[][] sums = {ndcgSum, precisionSum, recallSum, hrSum, mrrSum};
                for (int j = 0; j < NAMES.length; j++) {
                    out.put(NAMES[j] + "@" + ks[i], sums[j][i] / users);
                }
            }
            return out;
        }
    }
}
