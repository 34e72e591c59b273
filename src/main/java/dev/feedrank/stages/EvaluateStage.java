package dev.feedrank.stages;

import dev.feedrank.ann.AnnIndex;
import dev.feedrank.ann.AnnRecall;
import dev.feedrank.ann.AnnSettings;
import dev.feedrank.ann.ClickQuery;
import dev.feedrank.data.PreparedDataset;
import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.evaluation.Churn;
import dev.feedrank.evaluation.Interval;
import dev.feedrank.evaluation.ModelEvaluation;
import dev.feedrank.evaluation.StrongBaselines;
import dev.feedrank.gating.Champion;
import dev.feedrank.model.TwoTowerModel;
import dev.feedrank.orchestration.Stage;
import dev.feedrank.orchestration.StageContext;
import dev.feedrank.registry.BundleLoader;
import dev.feedrank.registry.ChampionInputs;
import dev.feedrank.registry.ModelRegistry;
import dev.feedrank.storage.ObjectStorage;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * evaluate: pointwise and full-corpus ranking metrics on the test split, per task (click unprefixed, then
 * {@code like.*} and {@code share.*}), with 95% bootstrap intervals over the ranked users, for the candidate, the
 * popularity baseline, the strong classical baselines ({@link StrongBaselines}: PureSVD, EASE^R, hyperparameters
 * chosen on validation) and the champion (the model aliased {@code production}, loaded from its bundle in S3 and
 * scored on this very split; ids it never saw use its out-of-vocabulary rows), plus the candidate's churn against
 * the champion ({@code churn@10}: 1 - mean Jaccard of the two top-10 lists of each ranked user).
 */
@ApplicationScoped
public class EvaluateStage implements Stage {

    private static final Logger LOG = Logger.getLogger(EvaluateStage.class);
    /** Seed of the bootstrap resamples: the same for every model, so their intervals are comparable. */
    static final long BOOTSTRAP_SEED = 20261130L;

    /**
     * The test metrics of this run, handed to the gate and export stages; {@code champion} null when there is none.
     * {@code baseline} is popularity's (kept for compatibility); {@code baselines} holds every computed baseline by
     * name ({@code popularity}, {@code puresvd}, {@code ease}).
     */
    public record Evaluation(Map<String, Double> model, Map<String, Double> baseline, Champion champion, int rankedUsers,
                             Map<String, Map<String, Double>> baselines, String splitStrategy) {
        public Evaluation {
            baselines = baselines == null ? Map.of("popularity", baseline) : baselines;
        }
    }

    private final DatasetHandoff datasets;
    private final ModelHandoff models;
    private final ModelRegistry registry;
    private final ObjectStorage storage;
    private final StageResults results;

    public EvaluateStage(DatasetHandoff datasets, ModelHandoff models, ModelRegistry registry, ObjectStorage storage,
                         StageResults results) {
        this.datasets = datasets;
        this.models = models;
        this.registry = registry;
        this.storage = storage;
        this.results = results;
    }

    static final String RESULT = "evaluation";

    @Override
    public String name() {
        return "evaluate";
    }

    @Override
    public int order() {
        return 30;
    }

    @Override
    public void execute(StageContext ctx) throws Exception {
        PreparedDataset data = datasets.dataset(ctx);
        TwoTowerModel model = models.model(ctx, data);
        FeedrankConfig.Eval ec = ctx.config().eval();
        ModelEvaluation ranking = testRanking(data, ctx.config());
        if (ranking.users() == 0) {
            throw new IllegalStateException("no test user has a positive it had not seen before the test window: nothing to rank ("
                    + ctx.config().split().strategy() + " split)");
        }
        if (ranking.users() < ranking.eligibleUsers()) {
            LOG.infof("run %d: ranking a sample of %d of the %d eligible test users (eval.max-users=%d, seed %d)",
                    ctx.runId(), ranking.users(), ranking.eligibleUsers(), ec.maxUsers(), ctx.config().train().seed());
        }
        ctx.progress(String.format(Locale.ROOT, "ranking all %d items for %d test users: the candidate", data.items().rows(),
                ranking.users()));
        float[] userEmb = model.embedUsers(data.users());
        float[] itemEmb = model.embedItems(data.items());
        ModelEvaluation.Scored candidate = ranking.score(userEmb, itemEmb, model.scores());
        Map<String, Double> metrics = new LinkedHashMap<>(candidate.metrics());
        metrics.put("ranked_users", (double) ranking.users());
        metrics.put("eligible_users", (double) ranking.eligibleUsers());
        record(ctx, "model", candidate);
        AnnSettings ann = AnnSettings.from(ctx.config().ann());
        if (ann.enabled()) {
            ctx.progress(String.format(Locale.ROOT, "candidate NDCG@10 %.4f; measuring the ANN index against the exact top k",
                    candidate.metrics().getOrDefault("ndcg@10", Double.NaN)));
            Map<String, Double> annMetrics = annRecall(model, userEmb, itemEmb, data.items().rows(),
                    ranking.clickRanking().userRows(), ann, ctx.config().train().seed());
            annMetrics.forEach((k, v) -> ctx.metric("model", k, v, "test", null));
            metrics.putAll(annMetrics);
            LOG.infof("run %d: ANN index (%s, %s) on the candidate's %d item embeddings: %s", ctx.runId(), AnnIndex.LIBRARY,
                    ann.parameters(), data.items().rows(), annMetrics);
        }
        ctx.metric("model", "ranked_users", ranking.users(), "test", null);
        ctx.metric("dataset", "ranked_users", ranking.users(), "test", null);
        ctx.metric("model", "eligible_users", ranking.eligibleUsers(), "test", null);
        ctx.metric("dataset", "eligible_users", ranking.eligibleUsers(), "test", null);
        ModelEvaluation.Scored popularity = ranking.popularityScored();
        record(ctx, "baseline", popularity);
        Map<String, Map<String, Double>> baselines = new LinkedHashMap<>();
        baselines.put("popularity", popularity.metrics());
        StringBuilder line = new StringBuilder();
        StrongBaselines.Settings bs = baselineSettings(ctx.config());
        for (StrongBaselines.Result r : StrongBaselines.compute(data, ranking, bs, ctx::progress)) {
            if (r.skipped() != null) {
                ctx.metric(r.name(), "skipped", 1, "test", null);
                LOG.infof("run %d: baseline %s skipped: %s", ctx.runId(), r.name(), r.skipped());
                line.append(String.format(Locale.ROOT, ", %s skipped (%s)", r.name(), r.skipped()));
                continue;
            }
            record(ctx, r.name(), r.scored());
            r.validationNdcg().forEach((k, v) -> ctx.metric(r.name(), "val_ndcg@10[" + k + "]", v, "validation", null));
            ctx.metric(r.name(), "fit_seconds", r.seconds(), "train", null);
            r.fit().forEach((k, v) -> ctx.metric(r.name(), k, v, "train", null)); // rank or lambda, fit and catalogue items
            baselines.put(r.name(), r.scored().metrics());
            LOG.infof("run %d: baseline %s (%s chosen on validation, NDCG@10 %s) in %.1fs", ctx.runId(), r.name(), r.chosen(),
                    r.validationNdcg(), r.seconds());
            line.append(String.format(Locale.ROOT, ", %s %.4f (%s)", r.name(), r.scored().metrics().getOrDefault("ndcg@10", Double.NaN), r.chosen()));
        }

        Champion champion = registry.resolve(ModelRegistry.PRODUCTION)
                .map(production -> evaluateChampion(ctx, production, data, ranking, candidate, metrics))
                .orElse(null);
        results.put(ctx, RESULT, Evaluation.class, new Evaluation(metrics, popularity.metrics(), champion, ranking.users(),
                baselines, ctx.config().split().strategy()));
        ctx.progress(String.format(Locale.ROOT, "test AUC %.4f, NDCG@10 %.4f (popularity %.4f%s%s) over %s users (%s split)",
                metrics.get("auc"), metrics.getOrDefault("ndcg@10", Double.NaN), popularity.metrics().getOrDefault("ndcg@10", Double.NaN), line,
                champion == null ? "; no champion"
                        : champion.available() ? String.format(Locale.ROOT, "; champion %s %.4f, churn@10 %.3f", champion.version(),
                                champion.metrics().getOrDefault("ndcg@10", Double.NaN), metrics.getOrDefault("churn@10", Double.NaN))
                        : "; champion " + champion.version() + " not comparable",
                ranking.users() < ranking.eligibleUsers() ? ranking.users() + " sampled of " + ranking.eligibleUsers()
                        : String.valueOf(ranking.users()), ctx.config().split().strategy()));
    }

    /**
     * The test ranking every model and baseline of this run is scored on: at most {@code eval.max-users} users per
     * task, a sample seeded by {@code train.seed} when more are eligible.
     */
    static ModelEvaluation testRanking(PreparedDataset data, FeedrankConfig config) {
        FeedrankConfig.Eval ec = config.eval();
        return new ModelEvaluation(data, ec.ks(), ec.bootstrapResamples(), BOOTSTRAP_SEED, ec.maxUsers(),
                config.train().seed());
    }

    /**
     * Builds the ANN index of the item embeddings with the run's parameters and measures its recall against the
     * exact top k and its latency for the test users' queries ({@link AnnRecall}); plus the build time.
     */
    static Map<String, Double> annRecall(TwoTowerModel model, float[] userEmb, float[] itemEmb, int items, int[] queryRows,
                                         AnnSettings settings, long seed) {
        int d = model.spec().embeddingDim();
        long t0 = System.nanoTime();
        AnnIndex index = AnnIndex.build(itemEmb, items, d, settings);
        double buildSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> out = new LinkedHashMap<>(AnnRecall.measure(index, itemEmb, userEmb, queryRows,
                ClickQuery.of(d, model.heads()), settings.recallQueries(), seed));
        out.put(AnnRecall.BUILD_SECONDS, buildSeconds);
        return out;
    }

    /**
     * Why a refit champion's scores on this split are optimistic: it trained on interactions up to {@code trainedUntil},
     * at or after the earliest interaction of this run's test split; null when it did not.
     */
    static String overlap(Map<String, Object> refit, PreparedDataset data) {
        if (refit == null || !Boolean.TRUE.equals(refit.get("enabled")) || refit.get("trainedUntil") == null) return null;
        long until;
        try {
            until = java.time.Instant.parse(refit.get("trainedUntil").toString()).getEpochSecond();
        } catch (RuntimeException e) {
            return null;
        }
        long first = Long.MAX_VALUE;
        dev.feedrank.data.Examples test = data.test();
        for (int i = 0; i < test.size(); i++) if (!test.sampled()[i]) first = Math.min(first, test.ts()[i]);
        if (first == Long.MAX_VALUE || until < first) return null;
        return "refit on interactions up to " + refit.get("trainedUntil") + ", this test split starts at "
                + java.time.Instant.ofEpochSecond(first);
    }

    /** Stores a subject's test metrics, ranking metrics with their 95% interval. */
    private static void record(StageContext ctx, String subject, ModelEvaluation.Scored s) {
        s.metrics().forEach((k, v) -> {
            Interval ci = s.intervals().get(k);
            if (ci == null) ctx.metric(subject, k, v, "test", null);
            else ctx.metric(subject, k, v, "test", ci.low(), ci.high());
        });
    }

    private static ModelEvaluation.Scored evaluate(TwoTowerModel model, dev.feedrank.data.FeatureTable users,
                                                   dev.feedrank.data.FeatureTable items, ModelEvaluation ranking) {
        return ranking.score(model.embedUsers(users), model.embedItems(items), model.scores());
    }

    /**
     * Scores the production model on this run's split; a bundle that cannot be loaded or cannot score the data is
     * reported, not fatal. Adds the candidate's {@code churn@10} against it to {@code candidateMetrics}.
     */
    private Champion evaluateChampion(StageContext ctx, ModelRegistry.AliasedVersion production, PreparedDataset data,
                                      ModelEvaluation ranking, ModelEvaluation.Scored candidate,
                                      Map<String, Double> candidateMetrics) {
        ctx.progress("champion " + production.version() + ": loading its bundle and ranking the same users");
        try (BundleLoader.LoadedBundle bundle = new BundleLoader().load(production.bundlePrefix(), storage)) {
            ChampionInputs.Remapped inputs = ChampionInputs.remap(bundle, data.users(), data.items());
            ModelEvaluation.Scored scored = evaluate(bundle.model(), inputs.users(), inputs.items(), ranking);
            record(ctx, "champion", scored);
            ctx.metric("champion", "oov_users", inputs.oovUsers(), "test", null);
            ctx.metric("champion", "oov_items", inputs.oovItems(), "test", null);
            ctx.metric("champion", "new_users", inputs.newUsers(), "test", null);
            ctx.metric("champion", "new_items", inputs.newItems(), "test", null);
            double churn = Churn.atK(candidate.top(), scored.top(), ModelEvaluation.CHURN_K);
            candidateMetrics.put("churn@10", churn);
            ctx.metric("model", "churn@10", churn, "test", null);
            Map<String, Champion.Difference> differences = new LinkedHashMap<>();
            candidate.differences(scored, ctx.config().eval().bootstrapResamples(), BOOTSTRAP_SEED)
                    .forEach((k, v) -> differences.put(k, new Champion.Difference(v.low(), v.high())));
            LOG.infof("run %d: champion %s scored on this split; %d of %d users and %d of %d items use its OOV rows"
                            + " (%d users and %d items are new since it was trained); churn@10 %.3f",
                    ctx.runId(), production.version(), inputs.oovUsers(), inputs.users().rows(), inputs.oovItems(),
                    inputs.items().rows(), inputs.newUsers(), inputs.newItems(), churn);
            Champion champion = Champion.evaluated(production.version(), scored.metrics(), differences);
            String overlap = overlap(bundle.manifest().refit(), data);
            if (overlap != null) {
                ctx.metric("champion", "trained_on_test_window", 1, "test", null);
                LOG.infof("run %d: champion %s %s: its comparison is optimistic", ctx.runId(), production.version(), overlap);
            }
            return overlap == null ? champion : champion.withOverlap(overlap);
        } catch (ChampionInputs.IncompatibleException e) {
            return Champion.unavailable(production.version(), e.getMessage());
        } catch (Exception e) {
            LOG.warnf(e, "run %d: champion %s could not be loaded from %s", ctx.runId(), production.version(), production.bundlePrefix());
            return Champion.unavailable(production.version(), "its bundle " + production.bundlePrefix()
                    + " could not be loaded: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The strong baselines' settings of a run ({@code eval.*}); refuses unknown baselines and bad ranks or lambdas. */
    static StrongBaselines.Settings baselineSettings(FeedrankConfig c) {
        FeedrankConfig.Eval ec = c.eval();
        return new StrongBaselines.Settings(ec.baselines(), ec.puresvdRanks(), ec.easeLambdas(), ec.easeMaxItems(),
                ec.selectionUsers(), c.train().seed());
    }
}
