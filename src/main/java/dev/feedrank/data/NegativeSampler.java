package dev.feedrank.data;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Samples negatives for implicit feedback: {@code perPositive} items per positive, uniform or weighted by train-window
 * popularity, never one of the user's excluded (positive) items, and only among items already seen (first
 * interaction at or before the positive's timestamp), so that no negative is an item from the future. Seeded and
 * deterministic. A positive is followed by its negatives (labels 0, {@code sampled = true}, the positive's timestamp).
 */
public final class NegativeSampler {
    /** Draws per wanted negative before giving up on it (only when a user has (nearly) every item as positive). */
    private static final int MAX_ATTEMPTS = 64;

    private final int perPositive;
    /** Item rows in order of first appearance, and their first-appearance timestamps. */
    private final int[] byFirstSeen;
    private final long[] firstSeen;
    /** Cumulative train popularity along {@code byFirstSeen}, or {@code null} for uniform sampling. */
    private final double[] cumulative;

    /**
     * @param itemFirstSeen   per item row, the timestamp of its first interaction ({@code Long.MAX_VALUE} if none)
     * @param itemTrainClicks per item row, its clicks in the train window (for popularity sampling)
     */
    NegativeSampler(int perPositive, String mode, long[] itemFirstSeen, int[] itemTrainClicks) {
        if (perPositive < 0) throw new IllegalArgumentException("negativesPerPositive must be >= 0");
        this.perPositive = perPositive;
        int n = itemFirstSeen.length;
        this.byFirstSeen = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingLong((Integer i) -> itemFirstSeen[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        this.firstSeen = new long[n];
        for (int k = 0; k < n; k++) firstSeen[k] = itemFirstSeen[byFirstSeen[k]];
        this.cumulative = isPopularity(mode) ? cumulative(byFirstSeen, itemTrainClicks) : null;
    }

    /** Negatives drawn per positive. */
    public int perPositive() {
        return perPositive;
    }

    static boolean isPopularity(String mode) {
        if (mode == null || mode.isBlank() || mode.equalsIgnoreCase("uniform")) return false;
        if (mode.equalsIgnoreCase("popularity")) return true;
        throw new IllegalArgumentException("negativeSampling must be 'uniform' or 'popularity', got '" + mode + "'");
    }

    private static double[] cumulative(int[] order, int[] counts) {
        double[] c = new double[order.length];
        double sum = 0;
        for (int k = 0; k < order.length; k++) c[k] = sum += counts[order[k]];
        return c;
    }

    /** The positives of {@code observed} (click = 1), each followed by its sampled negatives. */
    public Examples sample(Examples observed, UserItems exclude, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int positives = 0;
        for (float c : observed.click()) if (c == 1f) positives++;
        int capacity = positives * (1 + perPositive);
        int[] user = new int[capacity];
        int[] item = new int[capacity];
        float[] click = new float[capacity];
        float[] like = new float[capacity];
        float[] share = new float[capacity];
        boolean[] sampled = new boolean[capacity];
        long[] ts = new long[capacity];
        int k = 0;
        for (int i = 0; i < observed.size(); i++) {
            if (observed.click()[i] != 1f) continue;
            int u = observed.user()[i];
            long t = observed.ts()[i];
            user[k] = u;
            item[k] = observed.item()[i];
            click[k] = 1f;
            like[k] = observed.like()[i];
            share[k] = observed.share()[i];
            ts[k] = t;
            k++;
            int available = upperBound(firstSeen, firstSeen.length, t);
            for (int n = 0; n < perPositive; n++) {
                int negative = draw(random, u, available, exclude);
                if (negative < 0) continue;
                user[k] = u;
                item[k] = negative;
                sampled[k] = true;
                ts[k] = t;
                k++;
            }
        }
        if (k < capacity) {
            return new Examples(Arrays.copyOf(user, k), Arrays.copyOf(item, k), Arrays.copyOf(click, k),
                    Arrays.copyOf(like, k), Arrays.copyOf(share, k), Arrays.copyOf(sampled, k), Arrays.copyOf(ts, k));
        }
        return new Examples(user, item, click, like, share, sampled, ts);
    }

    /**
     * An item row seen at or before {@code ts} that {@code user} does not have among {@code exclude}, drawn by this
     * sampler's rules; -1 when there is none. Draws as {@link #sample} does (popularity first, then uniform), and when
     * those draws all hit excluded items, takes the first eligible item in order of first appearance, so a user with an
     * eligible item always gets one.
     */
    public int draw(SplittableRandom random, int user, long ts, UserItems exclude) {
        int available = upperBound(firstSeen, firstSeen.length, ts);
        int drawn = draw(random, user, available, exclude);
        return drawn >= 0 ? drawn : firstEligible(user, available, exclude);
    }

    /** Whether {@code user} has an item seen at or before {@code ts} that is not among {@code exclude}. */
    public boolean hasCandidate(int user, long ts, UserItems exclude) {
        int available = upperBound(firstSeen, firstSeen.length, ts);
        return available > exclude.count(user) || firstEligible(user, available, exclude) >= 0;
    }

    /** The first of the first {@code available} item rows by first appearance not among the user's, or -1. */
    private int firstEligible(int user, int available, UserItems exclude) {
        for (int k = 0; k < available; k++) if (!exclude.contains(user, byFirstSeen[k])) return byFirstSeen[k];
        return -1;
    }

    /** An item row among the first {@code available} by first appearance that the user has not as positive, or -1. */
    private int draw(SplittableRandom random, int user, int available, UserItems exclude) {
        if (available == 0) return -1;
        boolean popular = cumulative != null && cumulative[available - 1] > 0;
        for (int attempt = 0; attempt < 2 * MAX_ATTEMPTS; attempt++) {
            // popularity first; falls back to uniform when the popular items are all the user's positives
            int k = popular && attempt < MAX_ATTEMPTS
                    ? upperBound(cumulative, available, random.nextDouble() * cumulative[available - 1])
                    : random.nextInt(available);
            int candidate = byFirstSeen[Math.min(k, available - 1)];
            if (!exclude.contains(user, candidate)) return candidate;
        }
        return -1;
    }

    /** The first index in {@code a[0..n)} (ascending) with a value greater than {@code x}, or {@code n}. */
    private static int upperBound(long[] a, int n, long x) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] > x) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    private static int upperBound(double[] a, int n, double x) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] > x) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    /** Per-user sorted distinct item rows (CSR), for fast membership tests. */
    public static final class UserItems {
        private final int[] offsets;
        private final int[] items;

        private UserItems(int[] offsets, int[] items) {
            this.offsets = offsets;
            this.items = items;
        }

        /** The positives (click = 1) of the given example sets. */
        public static UserItems positivesOf(int numUsers, Examples... parts) {
            int n = 0;
            for (Examples e : parts) {
                for (int i = 0; i < e.size(); i++) if (e.click()[i] == 1f) n++;
            }
            int[] user = new int[n];
            int[] item = new int[n];
            int w = 0;
            for (Examples e : parts) {
                for (int i = 0; i < e.size(); i++) {
                    if (e.click()[i] == 1f) {
                        user[w] = e.user()[i];
                        item[w++] = e.item()[i];
                    }
                }
            }
            return of(numUsers, user, item, n);
        }

        /** The first {@code n} (user, item) pairs of {@code user} and {@code item}. */
        public static UserItems of(int numUsers, int[] user, int[] item, int n) {
            int[] offsets = new int[numUsers + 1];
            for (int i = 0; i < n; i++) offsets[user[i] + 1]++;
            for (int u = 0; u < numUsers; u++) offsets[u + 1] += offsets[u];
            int[] items = new int[offsets[numUsers]];
            int[] fill = Arrays.copyOf(offsets, numUsers);
            for (int i = 0; i < n; i++) items[fill[user[i]]++] = item[i];
            // sort and de-duplicate each user's segment in place
            int[] compact = new int[numUsers + 1];
            int w = 0;
            for (int u = 0; u < numUsers; u++) {
                Arrays.sort(items, offsets[u], offsets[u + 1]);
                compact[u] = w;
                for (int i = offsets[u]; i < offsets[u + 1]; i++) {
                    if (i == offsets[u] || items[i] != items[i - 1]) items[w++] = items[i];
                }
            }
            compact[numUsers] = w;
            return new UserItems(compact, Arrays.copyOf(items, w));
        }

        /** Every (user, item) as {@code user << 32 | item}, ascending and distinct. */
        public long[] keys() {
            long[] out = new long[items.length];
            for (int u = 0; u + 1 < offsets.length; u++) {
                for (int i = offsets[u]; i < offsets[u + 1]; i++) out[i] = ((long) u << 32) | (items[i] & 0xFFFFFFFFL);
            }
            return out;
        }

        public boolean contains(int user, int item) {
            return Arrays.binarySearch(items, offsets[user], offsets[user + 1], item) >= 0;
        }

        /** Calls {@code action} with each of {@code user}'s items, ascending. */
        public void forEach(int user, java.util.function.IntConsumer action) {
            for (int i = offsets[user]; i < offsets[user + 1]; i++) action.accept(items[i]);
        }

        /** How many distinct items {@code user} has. */
        public int count(int user) {
            return offsets[user + 1] - offsets[user];
        }
    }
}
