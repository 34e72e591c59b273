package dev.feedrank.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
     *
     * <p>It also keeps every averaged user's values ({@link #values(String)}, in the order of {@link #userIds()};
     * {@code 8 * 5 * |K|} bytes per user), for bootstrap intervals ({@link #intervals}) and for pairing two models
     * evaluated on the same users ({@link #pairedValues}). A user is identified by the id given to
     * {@link #add(int, int[], BitSet)}, or, with the id-less {@code add}, by the ordinal of the {@code add} call
     * on this accumulator (0-based, skipped users included), so two accumulators fed the same users in the same
     * order pair up either way.
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
        private long calls;                 // add calls (for the default user id)
        private double[] perUser = new double[0]; // user-major: [user][metric j * ks.length + cutoff i]
        private int[] userIds = new int[0];
        private int stored;                 // users stored in perUser / userIds

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
            return add(nextDefaultId(), ranked, relevant);
        }

        /**
         * Adds one user identified by {@code user} (reported by {@link #userIds()}; used to pair accumulators).
         *
         * @return false if the user has no relevant item and was skipped
         */
        public boolean add(int user, int[] ranked, BitSet relevant) {
            checkArgs(ranked, relevant, 1);
            calls++;
            return accumulate(user, ranked, relevant, relevant.cardinality());
        }

        /**
         * Adds one user; {@code relevant} may contain duplicates (counted once).
         *
         * @return false if the user has no relevant item and was skipped
         */
        public boolean add(int[] ranked, int[] relevant) {
            return add(nextDefaultId(), ranked, relevant);
        }

        /**
         * Adds one user identified by {@code user}; {@code relevant} may contain duplicates (counted once).
         *
         * @return false if the user has no relevant item and was skipped
         */
        public boolean add(int user, int[] ranked, int[] relevant) {
            checkArgs(ranked, relevant, 1);
            calls++;
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
                return accumulate(user, ranked, scratch, count);
            } finally {
                for (int item : relevant) {
                    if (item >= 0) {
                        scratch.clear(item);
                    }
                }
            }
        }

        private int nextDefaultId() {
            if (calls > Integer.MAX_VALUE) {
                throw new IllegalStateException("too many users for default ids; pass ids to add");
            }
            return (int) calls;
        }

        private boolean accumulate(int user, int[] ranked, BitSet relevant, int relevantCount) {
            if (relevantCount == 0) {
                skipped++;
                return false;
            }
            int width = NAMES.length * ks.length;
            if (stored == userIds.length) {
                int capacity = Math.max(16, stored + (stored >> 1));
                userIds = Arrays.copyOf(userIds, capacity);
                perUser = Arrays.copyOf(perUser, capacity * width);
            }
            userIds[stored] = user;
            // record() writes the values of the cutoffs with a hit; the others stay 0
            Arrays.fill(perUser, stored * width, (stored + 1) * width, 0.0);
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
            stored++;
            return true;
        }

        private void record(int idx, int hits, double dcg, int firstHit, int relevantCount) {
            int k = ks[idx];
            if (hits > 0) {
                double ndcg = dcg / idealDcg[Math.min(relevantCount, k)];
                double precision = (double) hits / k;
                double recall = (double) hits / relevantCount;
                double mrr = 1.0 / (firstHit + 1);
                ndcgSum[idx] += ndcg;
                precisionSum[idx] += precision;
                recallSum[idx] += recall;
                hrSum[idx] += 1.0;
                mrrSum[idx] += mrr;
                int row = stored * NAMES.length * ks.length;
                int m = ks.length;
                perUser[row + idx] = ndcg;
                perUser[row + m + idx] = precision;
                perUser[row + 2 * m + idx] = recall;
                perUser[row + 3 * m + idx] = 1.0;
                perUser[row + 4 * m + idx] = mrr;
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
            calls += other.calls;
            int width = NAMES.length * ks.length;
            int total = stored + other.stored;
            userIds = Arrays.copyOf(userIds, Math.max(total, 1));
            perUser = Arrays.copyOf(perUser, Math.max(total, 1) * width);
            System.arraycopy(other.userIds, 0, userIds, stored, other.stored);
            System.arraycopy(other.perUser, 0, perUser, stored * width, other.stored * width);
            stored = total;
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

        /** The metric keys, in the order of {@link #means()}: {@code ndcg@K, precision@K, ...} for each K. */
        public List<String> keys() {
            List<String> out = new ArrayList<>(ks.length * NAMES.length);
            for (int k : ks) {
                for (String name : NAMES) {
                    out.add(name + "@" + k);
                }
            }
            return out;
        }

        /** Ids of the averaged users, in the order of {@link #values(String)} (a copy). */
        public int[] userIds() {
            return Arrays.copyOf(userIds, stored);
        }

        /**
         * Per-user values of one metric, in the order of {@link #userIds()}; their mean is {@code means().get(key)}.
         *
         * @param key e.g. {@code "ndcg@10"}
         * @throws IllegalArgumentException if the key is not one of {@link #keys()}
         */
        public double[] values(String key) {
            int column = column(key);
            int width = NAMES.length * ks.length;
            double[] out = new double[stored];
            for (int u = 0; u < stored; u++) {
                out[u] = perUser[u * width + column];
            }
            return out;
        }

        /**
         * 95% percentile bootstrap intervals over users of the mean of every metric (keys as {@link #means()}); every
         * metric uses the same resampled user sets ({@link Bootstrap}, deterministic for a seed).
         *
         * @throws IllegalStateException if no user with a relevant item was added
         */
        public Map<String, Interval> intervals(int resamples, long seed) {
            return intervals(resamples, 0.95, seed);
        }

        /** {@link #intervals(int, long)} at another confidence level in (0, 1). */
        public Map<String, Interval> intervals(int resamples, double confidence, long seed) {
            if (stored == 0) {
                throw new IllegalStateException(
                        "no user with a relevant item was added (" + skipped + " skipped); intervals are undefined");
            }
            List<String> keys = keys();
            double[][] columns = new double[keys.size()][];
            for (int c = 0; c < columns.length; c++) {
                columns[c] = values(keys.get(c));
            }
            Interval[] intervals = Bootstrap.percentileOfMeans(columns, resamples, confidence, seed);
            Map<String, Interval> out = new LinkedHashMap<>(keys.size() * 2);
            for (int c = 0; c < columns.length; c++) {
                out.put(keys.get(c), intervals[c]);
            }
            return out;
        }

        /**
         * One metric's values for the users present in both accumulators, matched by user id, in this accumulator's
         * order: {@code [0]} this one's, {@code [1]} the other's (e.g. for
         * {@link Bootstrap#pairedDifference(double[], double[], int, double, long)}).
         *
         * @throws IllegalStateException if an accumulator holds the same user id twice
         */
        public double[][] pairedValues(Accumulator other, String key) {
            double[] mine = values(key);
            double[] theirs = other.values(key);
            Map<Integer, Integer> position = new HashMap<>(other.stored * 2);
            for (int u = 0; u < other.stored; u++) {
                if (position.put(other.userIds[u], u) != null) {
                    throw new IllegalStateException("user id " + other.userIds[u] + " added twice");
                }
            }
            Set<Integer> seen = new HashSet<>(stored * 2);
            double[] a = new double[stored];
            double[] b = new double[stored];
            int n = 0;
            for (int u = 0; u < stored; u++) {
                if (!seen.add(userIds[u])) {
                    throw new IllegalStateException("user id " + userIds[u] + " added twice");
                }
                Integer p = position.get(userIds[u]);
                if (p != null) {
                    a[n] = mine[u];
                    b[n] = theirs[p];
                    n++;
                }
            }
            return new double[][] {Arrays.copyOf(a, n), Arrays.copyOf(b, n)};
        }

        private int column(String key) {
            if (key != null) {
                int at = key.indexOf('@');
                if (at > 0) {
                    String name = key.substring(0, at);
                    try {
                        int k = Integer.parseInt(key.substring(at + 1));
                        int i = Arrays.binarySearch(ks, k);
                        for (int j = 0; j < NAMES.length && i >= 0; j++) {
                            if (NAMES[j].equals(name)) {
                                return j * ks.length + i;
                            }
                        }
                    } catch (NumberFormatException e) {
                        // fall through
                    }
                }
            }
            throw new IllegalArgumentException("unknown metric key " + key + "; known: " + keys());
        }
    }
}
