package dev.feedrank.evaluation;

import dev.feedrank.data.Examples;
import dev.feedrank.data.NegativeSampler;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.model.EmbeddingScores;

import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Full-corpus ranking of one split: for each judged user, score every item, drop the user's history before that
 * split (for test: its train and validation positives; for validation: its train positives), and compare the top K
 * with the items the user interacted with (this task's label) in the split and had not seen before. The same
 * protocol ranks by train popularity for the baseline, and by any {@link UserScorer} (PureSVD, EASE^R ...).
 * Users are ranked in ascending row order, so two rankings over the same split pair up user by user.
 */
public final class RankingEvaluation {

    private final int[] ks;
    private final int items;
    /**
     * Judged users (ascending) and, per judged user, its relevant items and its masked history: sorted item rows in
     * one array per kind, user k's at {@code [offsets[k], offsets[k + 1])}. Compact on purpose: an items-wide BitSet
     * per ranked user and task took 1.5 GB of heap at 20,000 users x 100,000 items; {@link #relevantOf} and
     * {@link #historyOf} build a user's BitSet when it is asked for (per block of users when ranking).
     */
    private final int[] users;
    private final int[] relevantOffsets;
    private final int[] relevantItems;
    private final int[] historyOffsets;
    private final int[] historyItems;
    private final float[] popularity;
    private final int eligibleUsers;

    public RankingEvaluation(PreparedDataset data, List<Integer> ks) {
        this(data, ks, "click");
    }

    /**
     * Test ranking for one task: relevance (and the popularity baseline's counts) from that task's labels, e.g. the
     * items a user liked in the test window for {@code like}. Masked: the user's clicked items in train and validation.
     */
    public RankingEvaluation(PreparedDataset data, List<Integer> ks, String task) {
        this(data, ks, task, Integer.MAX_VALUE, 0L);
    }

    /**
     * Test ranking for one task over at most {@code maxUsers} users: a seeded sample (ascending rows) when more users
     * are eligible ({@link #eligibleUsers()}); the same seed and data give the same sample.
     */
    public RankingEvaluation(PreparedDataset data, List<Integer> ks, String task, int maxUsers, long seed) {
        this(data, ks, task, data.test(), new Examples[] {data.train(), data.validation()}, checkMax(maxUsers), seed);
    }

    private static int checkMax(int maxUsers) {
        if (maxUsers < 1) throw new IllegalArgumentException("eval.max-users must be >= 1, got " + maxUsers);
        return maxUsers;
    }

    /**
     * Validation ranking of the click task (model selection): relevance from the validation split, masking the user's
     * train positives; at most {@code maxUsers} users, a seeded sample when there are more.
     */
    public static RankingEvaluation validation(PreparedDataset data, List<Integer> ks, int maxUsers, long seed) {
        if (maxUsers < 1) throw new IllegalArgumentException("maxUsers must be >= 1, got " + maxUsers);
        return new RankingEvaluation(data, ks, "click", data.validation(), new Examples[] {data.train()}, maxUsers, seed);
    }

    /**
     * As {@link #validation(PreparedDataset, List, int, long)} for a train split that is not in memory (streamed from
     * its shards): its positives per user and per item given instead.
     */
    public static RankingEvaluation validation(PreparedDataset data, NegativeSampler.UserItems trainPositives,
                                               int[] trainItemPositives, List<Integer> ks, int maxUsers, long seed) {
        if (maxUsers < 1) throw new IllegalArgumentException("maxUsers must be >= 1, got " + maxUsers);
        float[] popularity = new float[data.items().rows()];
        for (int i = 0; i < popularity.length; i++) popularity[i] = trainItemPositives[i];
        return new RankingEvaluation(data, ks, data.validation(), trainPositives.keys(), popularity, maxUsers, seed);
    }

    private RankingEvaluation(PreparedDataset data, List<Integer> ks, String task, Examples judged, Examples[] before,
                              int maxUsers, long seed) {
        // The history as sorted (user, item) keys rather than one items-wide BitSet per user: memory grows with the
        // positives, and BitSets are built below only for the users actually ranked (a sample when there are many).
        this(data, ks, judged, seenKeys(before), trainPopularity(data.train(), task, data.items().rows()), maxUsers, seed,
                task);
    }

    private static float[] trainPopularity(Examples train, String task, int items) {
        float[] popularity = new float[items];
        float[] trainLabels = labels(train, task);
        for (int i = 0; i < train.size(); i++) {
            if (trainLabels[i] > 0.5f && !train.sampled()[i]) popularity[train.item()[i]]++;
        }
        return popularity;
    }

    private RankingEvaluation(PreparedDataset data, List<Integer> ks, Examples judged, long[] seen, float[] popularity,
                              int maxUsers, long seed) {
        this(data, ks, judged, seen, popularity, maxUsers, seed, "click");
    }

    private RankingEvaluation(PreparedDataset data, List<Integer> ks, Examples judged, long[] seen, float[] popularity,
                              int maxUsers, long seed, String task) {
        this.ks = ks.stream().mapToInt(Integer::intValue).toArray();
        this.items = data.items().rows();
        int numUsers = data.users().rows();
        this.popularity = popularity;
        float[] labels = labels(judged, task);
        boolean[] eligible = new boolean[numUsers];
        for (int i = 0; i < judged.size(); i++) {
            if (labels[i] > 0.5f && !judged.sampled()[i] && !contains(seen, judged.user()[i], judged.item()[i])) {
                eligible[judged.user()[i]] = true;
            }
        }
        int[] all = java.util.stream.IntStream.range(0, numUsers).filter(u -> eligible[u]).toArray();
        this.eligibleUsers = all.length;
        if (all.length > maxUsers) {
            // seeded sample without replacement, kept in ascending order
            SplittableRandom random = new SplittableRandom(seed);
            int[] copy = all.clone();
            for (int i = 0; i < maxUsers; i++) {
                int j = i + random.nextInt(copy.length - i);
                int t = copy[i];
                copy[i] = copy[j];
                copy[j] = t;
            }
            all = Arrays.copyOf(copy, maxUsers);
            Arrays.sort(all);
        }
        this.users = all;
        int[] slot = new int[numUsers];
        Arrays.fill(slot, -1);
        for (int k = 0; k < all.length; k++) slot[all[k]] = k;
        // history: the seen keys of the ranked users, already sorted by (user, item) and distinct
        long[] hist = new long[seen.length];
        int h = 0;
        for (long key : seen) {
            int k = slot[(int) (key >>> 32)];
            if (k >= 0) hist[h++] = ((long) k << 32) | (key & 0xFFFFFFFFL);
        }
        // relevant: the ranked users' judged positives outside their history
        long[] rel = new long[judged.size()];
        int r = 0;
        for (int i = 0; i < judged.size(); i++) {
            int k = slot[judged.user()[i]];
            if (k < 0 || !(labels[i] > 0.5f) || judged.sampled()[i]) continue;
            if (contains(seen, judged.user()[i], judged.item()[i])) continue;
            rel[r++] = ((long) k << 32) | (judged.item()[i] & 0xFFFFFFFFL);
        }
        rel = Arrays.copyOf(rel, r);
        Arrays.sort(rel);
        this.historyOffsets = new int[all.length + 1];
        this.historyItems = csr(hist, h, historyOffsets);
        this.relevantOffsets = new int[all.length + 1];
        this.relevantItems = csr(rel, r, relevantOffsets);
    }

    /**
     * Sorted {@code slot << 32 | item} keys ({@code n} of them, duplicates allowed) as per-slot item lists: fills
     * {@code offsets} (one more than the slots) and returns the distinct items in key order.
     */
    private static int[] csr(long[] keys, int n, int[] offsets) {
        int[] items = new int[n];
        int w = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && keys[i] == keys[i - 1]) continue;
            offsets[(int) (keys[i] >>> 32) + 1]++;
            items[w++] = (int) keys[i];
        }
        for (int k = 1; k < offsets.length; k++) offsets[k] += offsets[k - 1];
        return Arrays.copyOf(items, w);
    }

    private static BitSet bits(int[] items, int from, int to) {
        BitSet b = new BitSet();
        for (int i = from; i < to; i++) b.set(items[i]);
        return b;
    }

    /** Users with at least one judged positive they had not seen before (the ranked users are a sample of them). */
    public int eligibleUsers() {
        return eligibleUsers;
    }

    /** Sorted, distinct keys {@code user << 32 | item} of the click positives in {@code splits}. */
    private static long[] seenKeys(Examples[] splits) {
        int n = 0;
        for (Examples e : splits) n += e.size();
        long[] keys = new long[n];
        int size = 0;
        for (Examples e : splits) {
            for (int i = 0; i < e.size(); i++) {
                if (isPositive(e, i)) keys[size++] = ((long) e.user()[i] << 32) | (e.item()[i] & 0xFFFFFFFFL);
            }
        }
        keys = Arrays.copyOf(keys, size);
        Arrays.sort(keys);
        int distinct = 0;
        for (int i = 0; i < keys.length; i++) if (i == 0 || keys[i] != keys[i - 1]) keys[distinct++] = keys[i];
        return Arrays.copyOf(keys, distinct);
    }

    private static boolean contains(long[] sortedKeys, int user, int item) {
        return Arrays.binarySearch(sortedKeys, ((long) user << 32) | (item & 0xFFFFFFFFL)) >= 0;
    }

    /** The labels of {@code task} ({@code click}, {@code like} or {@code share}). */
    public static float[] labels(Examples e, String task) {
        return switch (task) {
            case "click" -> e.click();
            case "like" -> e.like();
            case "share" -> e.share();
            default -> throw new IllegalArgumentException("unknown task " + task + " (click, like or share)");
        };
    }

    private static boolean isPositive(Examples e, int i) {
        return e.click()[i] > 0.5f && !e.sampled()[i];
    }

    /** Number of users ranked. */
    public int users() {
        return users.length;
    }

    /** The ranked users (feature-table rows, ascending). */
    public int[] userRows() {
        return users.clone();
    }

    public int items() {
        return items;
    }

    /** Relevant items of the k-th ranked user. */
    public BitSet relevantOf(int k) {
        return bits(relevantItems, relevantOffsets[k], relevantOffsets[k + 1]);
    }

    /** Masked history of the k-th ranked user. */
    public BitSet historyOf(int k) {
        return bits(historyItems, historyOffsets[k], historyOffsets[k + 1]);
    }

    public int[] ks() {
        return ks.clone();
    }

    /** Ranking metrics of a model given its user and item embeddings (row-major, width d), ranked by dot product. */
    public Map<String, Double> model(float[] userEmb, float[] itemEmb, int d) {
        return model(userEmb, itemEmb, d, EmbeddingScores.dotProduct(d).task("click"));
    }

    /** Ranking metrics of a model given its user and item embeddings (row-major, width d) and how it scores this task. */
    public Map<String, Double> model(float[] userEmb, float[] itemEmb, int d, EmbeddingScores.Task scorer) {
        return rank(embeddingScorer(userEmb, itemEmb, d, scorer), 0).metrics().means();
    }

    /**
     * A scorer over precomputed embeddings: ranked in blocks of users by matrix multiplies in the engine
     * ({@link FactorScorer}: the user embedding, or a multi-task head's item query, times the item embeddings);
     * {@link UserScorer#score} is the per-user logit ({@link EmbeddingScores.Task#logit}).
     */
    public static FactorScorer embeddingScorer(float[] userEmb, float[] itemEmb, int d, EmbeddingScores.Task scorer) {
        int n = itemEmb.length / d;
        UserScorer perUser = (u, out) -> {
            int uo = u * d;
            for (int i = 0; i < n; i++) out[i] = scorer.logit(userEmb, uo, itemEmb, i * d);
        };
        return new FactorScorer(n, d, itemEmb, false, (u, out, off) -> scorer.query(userEmb, u * d, out, off), perUser);
    }

    /** What one ranking produced: the metrics accumulator (per-user values in user order) and each user's top lists. */
    public record Ranked(RankingMetrics.Accumulator metrics, int[][] top) {
    }

    /**
     * Ranks every judged user's items with {@code scorer}: a {@link FactorScorer} in blocks of users in the engine,
     * any other scorer user by user ({@link UserScorer#score} and {@link TopK}); both break ties by lower item index.
     *
     * @param keepTop how many top items per user to keep in {@link Ranked#top()} (0: none)
     */
    public Ranked rank(UserScorer scorer, int keepTop) {
        RankingMetrics.Accumulator acc = new RankingMetrics.Accumulator(ks);
        int k = Math.max(acc.maxK(), keepTop);
        int[][] top = new int[keepTop > 0 ? users.length : 0][];
        int[][] batched = scorer instanceof FactorScorer f ? f.topK(users, this::historyOf, k) : null;
        float[] scores = batched == null ? new float[items] : null;
        for (int j = 0; j < users.length; j++) {
            int[] ranked;
            if (batched != null) {
                ranked = batched[j];
                batched[j] = null;
            } else {
                scorer.score(users[j], scores);
                ranked = TopK.topK(scores, k, historyOf(j));
            }
            acc.add(users[j], ranked.length > acc.maxK() ? Arrays.copyOf(ranked, acc.maxK()) : ranked,
                    Arrays.copyOfRange(relevantItems, relevantOffsets[j], relevantOffsets[j + 1]));
            if (keepTop > 0) top[j] = ranked.length > keepTop ? Arrays.copyOf(ranked, keepTop) : ranked;
        }
        return new Ranked(acc, top);
    }

    /** The popularity baseline: items ranked by their number of train-window positives. */
    public UserScorer popularityScorer() {
        return (u, out) -> System.arraycopy(popularity, 0, out, 0, items);
    }

    /** The popularity baseline's metrics. */
    public Map<String, Double> popularity() {
        return rank(popularityScorer(), 0).metrics().means();
    }

    /** Pointwise metrics (AUC, logloss, accuracy, precision, recall at 0.5) on the test examples. */
    public static Map<String, Double> pointwise(float[] probabilities, Examples test) {
        return new LinkedHashMap<>(ClassificationMetrics.all(probabilities, test.click()));
    }
}
