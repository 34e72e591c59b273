package dev.feedrank.bench;

import dev.feedrank.evaluation.FactorScorer;
import dev.feedrank.evaluation.PureSvd;
import dev.feedrank.evaluation.RankingEvaluation;
import dev.feedrank.evaluation.UserItemMatrix;
import dev.feedrank.evaluation.UserScorer;
import dev.feedrank.model.DjlRuntime;
import dev.feedrank.model.EmbeddingScores;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Full-corpus ranking of evaluate, per user (a Java dot product per item and a {@code TopK} heap: the path before
 * {@link FactorScorer}) against batched (blocks of users times all items in PyTorch, masking and top-k per block),
 * on random embeddings: {@code users x items}, dimension {@code dim}, about {@code history} masked items per user,
 * top {@code k}. Also PureSVD (fitted on the random history, rank {@code rank}) both ways. Prints seconds per path,
 * the ratio and how many users' lists differ (near-ties). Usage:
 * {@code RankingBench [--users 5000] [--items 20000] [--dim 64] [--history 20] [--k 50] [--rank 64] [--no-svd]}.
 * Run: {@code java -cp "target/classes:$(cat CP)" dev.feedrank.bench.RankingBench} (CP from
 * {@code mvn dependency:build-classpath}).
 */
public final class RankingBench {

    public static void main(String[] args) {
        DjlRuntime.ensureOffline();
        int users = 5000;
        int items = 20_000;
        int dim = 64;
        int history = 20;
        int k = 50;
        int rank = 64;
        boolean svd = true;
        for (int a = 0; a < args.length; a++) {
            switch (args[a]) {
                case "--users" -> users = Integer.parseInt(args[++a]);
                case "--items" -> items = Integer.parseInt(args[++a]);
                case "--dim" -> dim = Integer.parseInt(args[++a]);
                case "--history" -> history = Integer.parseInt(args[++a]);
                case "--k" -> k = Integer.parseInt(args[++a]);
                case "--rank" -> rank = Integer.parseInt(args[++a]);
                case "--no-svd" -> svd = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[a]);
            }
        }
        SplittableRandom r = new SplittableRandom(7);
        float[] u = gauss(r, users * dim);
        float[] it = gauss(r, items * dim);
        int[] rows = new int[users];
        Arrays.setAll(rows, i -> i);
        BitSet[] exclude = new BitSet[users];
        int[] hu = new int[users * history];
        int[] hi = new int[users * history];
        for (int j = 0; j < users; j++) {
            exclude[j] = new BitSet(items);
            for (int t = 0; t < history; t++) {
                int item = (int) (items * Math.pow(r.nextDouble(), 2)); // skewed, like real histories
                exclude[j].set(item);
                hu[j * history + t] = j;
                hi[j * history + t] = item;
            }
        }
        System.out.printf(Locale.ROOT, "ranking %d users x %d items, dim %d, top %d, ~%d masked per user, %d cores%n",
                users, items, dim, k, history, Runtime.getRuntime().availableProcessors());

        FactorScorer emb = RankingEvaluation.embeddingScorer(u, it, dim, EmbeddingScores.dotProduct(dim).task("click"));
        compare("embeddings (dot, float32)", emb, rows, exclude, items, k);

        if (svd) {
            UserItemMatrix x = UserItemMatrix.of(users, items, hu, hi);
            long t0 = System.nanoTime();
            PureSvd fit = PureSvd.fit(x, rank, 10, 2, Runtime.getRuntime().availableProcessors(), 7L);
            System.out.printf(Locale.ROOT, "puresvd fit rank %d: %.1f s%n", rank, (System.nanoTime() - t0) / 1e9);
            compare("puresvd rank " + rank + " (float64)", fit.scorer(rank, x), rows, exclude, items, k);
        }
    }

    private static void compare(String what, UserScorer scorer, int[] rows, BitSet[] exclude, int items, int k) {
        UserScorer perUser = scorer::score; // not a FactorScorer: the per-user path
        // warm-up on a slice (JIT, engine start)
        int[] warm = Arrays.copyOf(rows, Math.min(rows.length, 200));
        BitSet[] warmEx = Arrays.copyOf(exclude, warm.length);
        UserScorer.topK(perUser, warm, warmEx, items, k);
        UserScorer.topK(scorer, warm, warmEx, items, k);

        long t0 = System.nanoTime();
        int[][] old = UserScorer.topK(perUser, rows, exclude, items, k);
        double oldS = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        int[][] batched = UserScorer.topK(scorer, rows, exclude, items, k);
        double newS = (System.nanoTime() - t0) / 1e9;
        int differ = 0;
        for (int j = 0; j < rows.length; j++) if (!Arrays.equals(old[j], batched[j])) differ++;
        System.out.printf(Locale.ROOT, "%s: per-user %.2f s, batched %.2f s, ratio %.1fx; %d of %d users' top %d differ%n",
                what, oldS, newS, oldS / newS, differ, rows.length, k);
    }

    private static float[] gauss(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return a;
    }
}
