package dev.feedrank.evaluation;

import java.util.BitSet;

/**
 * Scores every item for one user: the common shape of the classical baselines ({@link PureSvd}, {@link EaseR}) so
 * that {@link BaselineSelection} and the evaluation can rank with any of them.
 *
 * <p>Implementations in this package are stateless (scratch buffers are per call), so one scorer may be used from
 * several threads at once.
 */
@FunctionalInterface
public interface UserScorer {

    /**
     * Fills {@code out[0..items)} with the score of every item for {@code user} (a row index of the history matrix
     * the scorer was built with); higher is better.
     */
    void score(int user, float[] out);

    /**
     * Top-{@code k} items of each user, best first (via {@link TopK}, ties by lower index; a {@link FactorScorer}
     * ranks in blocks of users in the engine).
     *
     * @param users   row indices to rank
     * @param exclude per position in {@code users}, items never returned (e.g. the training history); the array or
     *                any element may be {@code null} (= nothing excluded)
     * @param items   number of items (length of the score vector)
     * @return {@code out[j]} = the top list of {@code users[j]}
     */
    static int[][] topK(UserScorer scorer, int[] users, BitSet[] exclude, int items, int k) {
        if (exclude != null && exclude.length != users.length) {
            throw new IllegalArgumentException("exclude has " + exclude.length + " entries for " + users.length
                    + " users");
        }
        if (scorer instanceof FactorScorer f && f.items() == items) return f.topK(users, exclude, k);
        float[] scores = new float[items];
        int[][] out = new int[users.length][];
        for (int j = 0; j < users.length; j++) {
            scorer.score(users[j], scores);
            out[j] = TopK.topK(scores, k, exclude == null ? null : exclude[j]);
        }
        return out;
    }
}
