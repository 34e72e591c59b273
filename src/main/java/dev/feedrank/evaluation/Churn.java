package dev.feedrank.evaluation;

import java.util.Arrays;

/**
 * Recommendation churn between two models: {@code 1 - mean over users of Jaccard(A_u, B_u)} with {@code A_u},
 * {@code B_u} the sets of the first {@code k} items of each model's top list for user {@code u} (a list shorter
 * than {@code k} is used whole; repeated items count once; two empty lists have Jaccard 1). 0 = identical top-k
 * sets, 1 = disjoint. Plain Java.
 */
public final class Churn {

    private Churn() {
    }

    /**
     * @param topA per user, model A's ranked items (e.g. {@link UserScorer#topK})
     * @param topB per user (same order), model B's ranked items
     * @throws IllegalArgumentException if the user counts differ, there is no user, or {@code k < 1}
     */
    public static double atK(int[][] topA, int[][] topB, int k) {
        if (topA == null || topB == null || topA.length != topB.length) {
            throw new IllegalArgumentException("both models need a top list for the same users");
        }
        if (topA.length == 0) {
            throw new IllegalArgumentException("no user: churn is undefined");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1: " + k);
        }
        double sum = 0;
        for (int u = 0; u < topA.length; u++) {
            sum += jaccard(prefixSet(topA[u], k), prefixSet(topB[u], k));
        }
        return 1.0 - sum / topA.length;
    }

    /** Jaccard similarity of two sorted distinct arrays; 1 when both are empty. */
    static double jaccard(int[] a, int[] b) {
        if (a.length == 0 && b.length == 0) {
            return 1.0;
        }
        int i = 0;
        int j = 0;
        int common = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                common++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return (double) common / (a.length + b.length - common);
    }

    private static int[] prefixSet(int[] ranked, int k) {
        int[] s = Arrays.copyOf(ranked, Math.min(k, ranked.length));
        Arrays.sort(s);
        return Arrays.stream(s).distinct().toArray();
    }
}
