package dev.feedrank.evaluation;

import dev.feedrank.data.Examples;
import dev.feedrank.data.PreparedDataset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The classical baselines evaluate computes beside the model, on the same split and protocol: fit on the train
 * split's observed positives (the information the model trained on), the hyperparameter chosen by validation
 * NDCG@10 (ranking validation positives, train items masked), then ranked on test exactly like the model (the
 * user's train and validation items masked). Scores use the user's train row, as the model's user embedding does.
 * <ul>
 *   <li>{@code puresvd}: {@link PureSvd} (rank from {@code eval.puresvd-ranks}; ranks whose fit would need more than
 *       half the free heap are not tried, and the chosen rank says so; skipped with the reason when none fits);</li>
 *   <li>{@code ease}: {@link EaseR} (lambda from {@code eval.ease-lambdas}) over at most {@code eval.ease-max-items}
 *       items and at most as many as its memory budget holds ({@link #easeItemsWithin}): on a larger catalogue it is fitted
 *       on that many of the most popular items (most train positives) and ranks the others after them, and the chosen
 *       hyperparameter says so; skipped with the reason when the budget holds fewer than {@value #MIN_EASE_ITEMS}
 *       (or than those two bounds, when smaller).</li>
 * </ul>
 */
public final class StrongBaselines {

    public static final List<String> NAMES = List.of("puresvd", "ease");

    /** What to compute and the grids to choose from. */
    public record Settings(List<String> baselines, List<Integer> ranks, List<Double> lambdas, int easeMaxItems,
                           int selectionUsers, long seed) {
        public Settings {
            List<String> b = new ArrayList<>();
            for (String name : baselines) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (n.isEmpty() || n.equals("none") || n.equals("popularity")) continue;
                if (!NAMES.contains(n)) {
                    throw new IllegalArgumentException("eval.baselines must list popularity, puresvd, ease (or none), got '" + name + "'");
                }
                if (!b.contains(n)) b.add(n);
            }
            baselines = List.copyOf(b);
            if (b.contains("puresvd") && (ranks.isEmpty() || ranks.stream().anyMatch(r -> r < 1))) {
                throw new IllegalArgumentException("eval.puresvd-ranks must be positive integers, got " + ranks);
            }
            if (b.contains("ease") && easeMaxItems < 1) {
                throw new IllegalArgumentException("eval.ease-max-items must be >= 1, got " + easeMaxItems);
            }
            if (b.contains("ease") && (lambdas.isEmpty() || lambdas.stream().anyMatch(l -> !(l > 0) || l.isInfinite()))) {
                throw new IllegalArgumentException("eval.ease-lambdas must be positive numbers, got " + lambdas);
            }
        }
    }

    /**
     * One baseline's outcome: its test evaluation (null when skipped), the chosen hyperparameter and the validation
     * NDCG@10 of every candidate, or why it was skipped. {@code fit} holds what was fitted, as numbers evaluate records
     * (split {@code train}): the chosen hyperparameter ({@code rank} or {@code lambda}), {@code fit_items} (the items
     * the fit covers: fewer than {@code catalogue_items} when EASE^R was fitted on the most popular ones) and
     * {@code catalogue_items}; empty when skipped.
     */
    public record Result(String name, ModelEvaluation.Scored scored, String chosen, Map<String, Double> validationNdcg,
                         String skipped, double seconds, Map<String, Double> fit) {

        /** Items the fit covers (0 when skipped). */
        public int items() {
            return fit.getOrDefault("fit_items", 0.0).intValue();
        }
    }

    private static Map<String, Double> fit(String hyperparameter, double value, int fitItems, int catalogueItems) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(hyperparameter, value);
        out.put("fit_items", (double) fitItems);
        out.put("catalogue_items", (double) catalogueItems);
        return out;
    }

    private StrongBaselines() {
    }

    /** The train split's observed positives as a binary users x items matrix. */
    public static UserItemMatrix trainMatrix(PreparedDataset data) {
        Examples t = data.train();
        return UserItemMatrix.of(data.users().rows(), data.items().rows(), t.user(), t.item(),
                i -> t.click()[i] > 0.5f && !t.sampled()[i]);
    }

    public static List<Result> compute(PreparedDataset data, ModelEvaluation test, Settings s) {
        return compute(data, test, s, line -> { });
    }

    /**
     * {@link #compute(PreparedDataset, ModelEvaluation, Settings)}, saying what it is doing through {@code progress}
     * (a line per fit and per hyperparameter tried: a large catalogue takes minutes).
     */
    public static List<Result> compute(PreparedDataset data, ModelEvaluation test, Settings s,
                                       java.util.function.Consumer<String> progress) {
        List<Result> out = new ArrayList<>();
        if (s.baselines().isEmpty()) return out;
        RankingEvaluation validation = RankingEvaluation.validation(data, List.of(10), s.selectionUsers(), s.seed());
        UserItemMatrix train = trainMatrix(data);
        int items = data.items().rows();
        int[] users = validation.userRows();
        java.util.BitSet[] relevant = new java.util.BitSet[users.length];
        java.util.BitSet[] exclude = new java.util.BitSet[users.length];
        for (int j = 0; j < users.length; j++) {
            relevant[j] = validation.relevantOf(j);
            exclude[j] = validation.historyOf(j);
        }
        for (String name : s.baselines()) {
            long t0 = System.nanoTime();
            if (users.length == 0) {
                out.add(new Result(name, null, null, Map.of(), "no validation user to choose its hyperparameter on", 0, Map.of()));
                continue;
            }
            if (name.equals("puresvd")) {
                int threads = Runtime.getRuntime().availableProcessors();
                List<Integer> fitting = pureSvdRanksWithin(s.ranks(), items, threads, freeHeap(items, s.ranks(), threads));
                if (fitting.isEmpty()) {
                    int smallest = s.ranks().stream().mapToInt(Integer::intValue).min().orElseThrow();
                    out.add(new Result(name, null, null, Map.of(), String.format(Locale.ROOT,
                            "not enough heap: a rank-%d fit over %d items needs about %d MB, %d MB are free",
                            smallest, items, pureSvdBytes(items, smallest, threads) >> 20, freeHeap(0, List.of(), 0) >> 20), 0, Map.of()));
                    continue;
                }
                int maxRank = fitting.stream().mapToInt(Integer::intValue).max().orElseThrow();
                progress.accept(String.format(Locale.ROOT, "baseline puresvd: fitting rank %d over %d users x %d items, "
                        + "then choosing among ranks %s on %d validation users", maxRank, train.rows(), items, fitting, users.length));
                PureSvd svd = PureSvd.fit(train, maxRank, s.seed());
                List<Integer> ranks = fitting.stream().map(r -> Math.min(r, svd.rank())).distinct().toList();
                BaselineSelection.Selected<Integer> chosen = BaselineSelection.best(ranks, r -> svd.scorer(r, train), users,
                        relevant, exclude, items, 10);
                UserScorer scorer = svd.scorer(chosen.best(), train);
                progress.accept("baseline puresvd: rank " + chosen.best() + " chosen; ranking the test users");
                String note = fitting.size() < s.ranks().size()
                        ? " (ranks above " + maxRank + " not tried: not enough heap)" : "";
                out.add(new Result(name, test.baseline(task -> scorer), "rank=" + chosen.best() + note, grid("rank=", chosen),
                        null, (System.nanoTime() - t0) / 1e9, fit("rank", chosen.best(), items, items)));
            } else {
                int wanted = Math.min(items, s.easeMaxItems());
                long free = freeHeap();
                long max = Runtime.getRuntime().maxMemory();
                int fit = easeItemsWithin(train.rows(), wanted, free, max);
                int floor = Math.min(wanted, MIN_EASE_ITEMS);
                if (fit < floor) {
                    out.add(new Result(name, null, null, Map.of(), String.format(Locale.ROOT,
                            "not enough memory: EASE^R over %d items needs about %d MB of heap (%d MB are free) and "
                                    + "%d MB of native memory (at most an eighth of the %d MB max heap)", floor,
                            easeHeapBytes(train.rows(), floor) >> 20, free >> 20,
                            easeNativeBytes(train.rows(), floor) >> 20, max >> 20), 0, Map.of()));
                    continue;
                }
                // on a larger catalogue: the most popular items (train positives), the others ranked after them
                int[] head = fit < items ? train.mostFrequentColumns(fit) : null;
                UserItemMatrix x = head == null ? train : train.selectColumns(head);
                // one B (items^2 floats) at a time: each lambda's fit is scored and dropped before the next one, and
                // the best is fitted again at the end unless it was the last
                EaseR.Gram gram = EaseR.gram(x);
                Map<String, Double> grid = new LinkedHashMap<>();
                double bestLambda = Double.NaN;
                double bestNdcg = Double.NEGATIVE_INFINITY;
                EaseFit last = null;
                String over = head == null ? "all " + items + " items" : "the " + fit + " most popular of " + items + " items";
                int tried = 0;
                for (double lambda : s.lambdas()) {
                    progress.accept(String.format(Locale.ROOT, "baseline ease: lambda %s (%d of %d) on %s", fmt(lambda),
                            ++tried, s.lambdas().size(), over));
                    last = null; // unreachable before the next inverse
                    last = easeOnValidation(gram, lambda, x, train, head, users, relevant, exclude, items);
                    grid.put("lambda=" + fmt(lambda), last.ndcg());
                    if (last.ndcg() > bestNdcg) {
                        bestNdcg = last.ndcg();
                        bestLambda = lambda;
                    }
                }
                EaseR best = last.model().lambda() == bestLambda ? last.model() : null;
                last = null;
                progress.accept("baseline ease: lambda " + fmt(bestLambda) + " chosen; ranking the test users");
                if (best == null) best = gram.fit(bestLambda);
                gram = null;
                UserScorer scorer = head == null ? best.scorer(x) : best.scorer(train, head);
                String note = head == null ? "" : String.format(Locale.ROOT,
                        " on the %d most popular of %d items (%s)", fit, items, fit < s.easeMaxItems()
                                ? "the most the memory budget holds" : "eval.ease-max-items");
                out.add(new Result(name, test.baseline(task -> scorer), "lambda=" + fmt(best.lambda()) + note, grid, null,
                        (System.nanoTime() - t0) / 1e9, fit("lambda", best.lambda(), fit, items)));
            }
        }
        return out;
    }

    /** When the memory budget holds fewer items than this (or the catalogue or the cap, when smaller), EASE^R is skipped. */
    static final int MIN_EASE_ITEMS = 1_000;

    /** One lambda's fit and its validation NDCG@10. */
    private record EaseFit(EaseR model, double ndcg) {
    }

    private static EaseFit easeOnValidation(EaseR.Gram gram, double lambda, UserItemMatrix x, UserItemMatrix train,
                                            int[] head, int[] users, java.util.BitSet[] relevant,
                                            java.util.BitSet[] exclude, int items) {
        EaseR model = gram.fit(lambda);
        UserScorer scorer = head == null ? model.scorer(x) : model.scorer(train, head);
        return new EaseFit(model, BaselineSelection.meanNdcg(scorer, users, relevant, exclude, items, 10));
    }

    /**
     * Heap an EASE^R selection over {@code n} items (of {@code users} rows) holds at most: one fit ({@code n^2}
     * floats) plus, on the direct path ({@code users >= n}), {@code X^T X} ({@code n^2} floats), or, on the Woodbury
     * path, {@code Y} ({@code users x n} doubles) and {@code X X^T} and {@code K} ({@code users^2} doubles each).
     */
    static long easeHeapBytes(int users, int n) {
        long square = 4L * n * n;
        if (users < n) return square + 8L * users * n + 16L * users * users;
        return 2 * square;
    }

    /**
     * Native memory the direct path's inverse holds for a moment, beside the heap: the copy of {@code X^T X + lambda I},
     * the LU factors and the result ({@code n^2} floats each). The Woodbury path needs none.
     */
    static long easeNativeBytes(int users, int n) {
        return users < n ? 0 : 12L * n * n;
    }

    /**
     * The largest item count up to {@code cap} whose EASE^R selection needs at most half of {@code freeHeap} on the
     * heap and at most an eighth of {@code maxHeap} of native memory (the JVM's own, libtorch's and DuckDB's memory
     * live beside the heap too: with {@code -Xmx3g} the 10M-impression pipeline stays under 4 GiB).
     */
    static int easeItemsWithin(int users, int cap, long freeHeap, long maxHeap) {
        int lo = 0;
        int hi = cap;
        while (lo < hi) {
            int mid = (int) (((long) lo + hi + 1) / 2);
            if (easeHeapBytes(users, mid) <= freeHeap / 2 && easeNativeBytes(users, mid) <= maxHeap / 8) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /** Heap free for a fit after a full GC (max heap minus what is live). */
    private static long freeHeap() {
        System.gc();
        return freeHeapNow();
    }

    /** Max heap minus what is in use now (garbage included). */
    private static long freeHeapNow() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /**
     * Heap a PureSVD fit over {@code items} items up to {@code rank} holds at most: its items x l double arrays
     * ({@code l = rank + oversample}): the subspace, its Gram product, one accumulator per thread, and the QR's
     * copy and thin Q.
     */
    static long pureSvdBytes(int items, int rank, int threads) {
        return 8L * items * (rank + PureSvd.DEFAULT_OVERSAMPLE) * (4L + threads);
    }

    /** The ranks of the grid whose fit needs at most half of {@code freeBytes} (the rest is for scoring). */
    static List<Integer> pureSvdRanksWithin(List<Integer> grid, int items, int threads, long freeBytes) {
        return grid.stream().filter(r -> pureSvdBytes(items, r, threads) <= freeBytes / 2).toList();
    }

    /**
     * Heap free for a fit (max heap minus what is in use). When the largest fit of the grid would not obviously fit,
     * a full GC first, so garbage is not counted as in use.
     */
    private static long freeHeap(int items, List<Integer> grid, int threads) {
        long free = freeHeapNow();
        int max = grid.stream().mapToInt(Integer::intValue).max().orElse(0);
        return items > 0 && pureSvdBytes(items, max, threads) > free / 2 ? freeHeap() : free;
    }

    private static <T> Map<String, Double> grid(String prefix, BaselineSelection.Selected<T> s) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int c = 0; c < s.candidates().size(); c++) {
            T v = s.candidates().get(c);
            out.put(prefix + (v instanceof Double d ? fmt(d) : String.valueOf(v)), s.ndcg()[c]);
        }
        return out;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
