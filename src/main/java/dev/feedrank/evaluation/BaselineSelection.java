package dev.feedrank.evaluation;

import java.util.BitSet;
import java.util.List;
import java.util.function.Function;

/**
 * Hyperparameter selection for the baselines on the validation split: the candidate (a rank, a lambda, ...) whose
 * scorer has the best mean {@code ndcg@k} over the users with at least one relevant item; ties go to the first
 * candidate in list order. Each user's items in {@code exclude} (e.g. the training history) are never ranked, as
 * in the evaluation ({@link TopK}, {@link RankingMetrics#ndcg}). Plain Java, single-threaded.
 */
public final class BaselineSelection {

    private BaselineSelection() {
    }

    /**
     * The chosen candidate and the mean {@code ndcg@k} of every candidate (for logging), in candidate order.
     *
     * @param best      the chosen value
     * @param bestIndex its position in {@link #candidates}
     * @param ndcg      {@code ndcg[c]} = mean {@code ndcg@k} of {@code candidates.get(c)}
     */
    public record Selected<T>(T best, int bestIndex, List<T> candidates, double[] ndcg, int k) {
        /** Mean {@code ndcg@k} of the chosen candidate. */
        public double bestNdcg() {
            return ndcg[bestIndex];
        }
    }

    /**
     * Evaluates every candidate and returns the best.
     *
     * @param candidates values to try, in preference order for ties (non-empty)
     * @param scorer     builds the scorer of one candidate (e.g. {@code r -> svd.scorer(r, train)}); called once
     *                   per candidate, and the scorer is dropped before the next one is built
     * @param users      row indices of the users to rank
     * @param relevant   per position in {@code users}, the relevant (held-out) items; users with none are skipped
     * @param exclude    per position in {@code users}, items never ranked; the array or an element may be
     *                   {@code null} (= none)
     * @param items      number of items
     * @param k          the cutoff of ndcg (e.g. 10)
     * @throws IllegalArgumentException if no user has a relevant item, or the arrays do not line up
     */
    public static <T> Selected<T> best(List<T> candidates, Function<? super T, ? extends UserScorer> scorer,
                                       int[] users, BitSet[] relevant, BitSet[] exclude, int items, int k) {
        if (candidates == null || candidates.isEmpty()) {
            throw new IllegalArgumentException("at least one candidate is required");
        }
        double[] ndcg = new double[candidates.size()];
        int best = 0;
        for (int c = 0; c < ndcg.length; c++) {
            ndcg[c] = meanNdcg(scorer.apply(candidates.get(c)), users, relevant, exclude, items, k);
            if (ndcg[c] > ndcg[best]) {
                best = c;
            }
        }
        return new Selected<>(candidates.get(best), best, List.copyOf(candidates), ndcg, k);
    }

    /** Mean {@code ndcg@k} of one scorer over the users with a relevant item (see {@link #best}). */
    public static double meanNdcg(UserScorer scorer, int[] users, BitSet[] relevant, BitSet[] exclude, int items,
                                  int k) {
        if (users == null || relevant == null || relevant.length != users.length
                || (exclude != null && exclude.length != users.length)) {
            throw new IllegalArgumentException("users, relevant and exclude must line up");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1: " + k);
        }
        double sum = 0;
        int counted = 0;
        if (scorer instanceof FactorScorer f && f.items() == items) {
            // the users with a relevant item, ranked in blocks in the engine
            int n = 0;
            for (BitSet rel : relevant) if (rel != null && !rel.isEmpty()) n++;
            int[] judged = new int[n];
            BitSet[] ex = exclude == null ? null : new BitSet[n];
            BitSet[] rels = new BitSet[n];
            for (int j = 0, p = 0; j < users.length; j++) {
                if (relevant[j] == null || relevant[j].isEmpty()) continue;
                judged[p] = users[j];
                rels[p] = relevant[j];
                if (ex != null) ex[p] = exclude[j];
                p++;
            }
            int[][] ranked = f.topK(judged, ex, k);
            for (int p = 0; p < n; p++) {
                sum += RankingMetrics.ndcg(ranked[p], rels[p], k);
                counted++;
            }
        } else {
            float[] scores = new float[items];
            for (int j = 0; j < users.length; j++) {
                BitSet rel = relevant[j];
                if (rel == null || rel.isEmpty()) {
                    continue;
                }
                scorer.score(users[j], scores);
                int[] ranked = TopK.topK(scores, k, exclude == null ? null : exclude[j]);
                sum += RankingMetrics.ndcg(ranked, rel, k);
                counted++;
            }
        }
        if (counted == 0) {
            throw new IllegalArgumentException("no user with a relevant item: ndcg is undefined");
        }
        return sum / counted;
    }
}
