package dev.feedrank.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import org.eclipse.microprofile.config.spi.Converter;

import java.util.List;
import java.util.Optional;

/**
 * All of feedrank's settings ({@code feedrank.*}). Every key can be overridden per run with
 * {@code --set key=value} (CLI) or {@code "overrides"} (REST), without the {@code feedrank.} prefix.
 */
@ConfigMapping(prefix = "feedrank")
public interface FeedrankConfig {

    /** Dataset spec used when a trigger names none: synthetic, movielens:PATH, csv:PATH, parquet:PATH. */
    @WithDefault("synthetic")
    String dataset();

    /** Scratch folder for preparation and training files. */
    @WithName("work-dir")
    @WithDefault("${java.io.tmpdir}/feedrank-work")
    String workDir();

    Storage storage();

    Schedule schedule();

    Synthetic synthetic();

    Split split();

    Negatives negatives();

    Train train();

    Eval eval();

    Gate gate();

    Runs runs();

    Auth auth();

    interface Storage {
        /** S3 endpoint, e.g. http://minio:9000. Empty in local mode until the embedded server starts. */
        Optional<String> endpoint();

        @WithName("access-key")
        @WithDefault("feedrank")
        String accessKey();

        @WithName("secret-key")
        @WithDefault("feedrank-secret")
        String secretKey();

        @WithDefault("feedrank")
        String bucket();

        @WithDefault("us-east-1")
        String region();

        /** Attempts for one S3 call before it counts as failed (transient errors only). */
        @WithDefault("3")
        int attempts();
    }

    interface Schedule {
        /** Quartz-style cron of scheduled retraining, or "off". */
        @WithDefault("off")
        String cron();
    }

    interface Synthetic {
        @WithDefault("2000")
        int users();

        @WithDefault("1000")
        int items();

        @WithDefault("200000")
        int impressions();
    }

    interface Split {
        @WithName("train-fraction")
        @WithDefault("0.8")
        double trainFraction();

        @WithName("validation-fraction")
        @WithDefault("0.1")
        double validationFraction();
    }

    interface Negatives {
        @WithName("per-positive")
        @WithDefault("8")
        int perPositive();

        /** uniform or popularity */
        @WithDefault("uniform")
        String sampling();
    }

    interface Train {
        @WithDefault("10")
        int epochs();

        @WithName("batch-size")
        @WithDefault("1024")
        int batchSize();

        @WithName("learning-rate")
        @WithDefault("0.001")
        double learningRate();

        @WithName("embedding-dim")
        @WithDefault("64")
        int embeddingDim();

        /** Width of the ID embedding concatenated with each tower's dense features. */
        @WithName("id-embedding-dim")
        @WithDefault("32")
        int idEmbeddingDim();

        @WithDefault("42")
        long seed();

        /** Epochs without validation-AUC improvement before training stops. */
        @WithName("early-stopping-patience")
        @WithDefault("5")
        int earlyStoppingPatience();

        @WithName("lr-patience")
        @WithDefault("3")
        int lrPatience();

        @WithName("lr-factor")
        @WithDefault("0.5")
        double lrFactor();

        /**
         * Share of training examples shown as coming from a user unseen in training, with the item ID dropped to the
         * out-of-vocabulary bucket, so that new users and items get learned embeddings rather than random ones.
         */
        @WithName("cold-start-rate")
        @WithDefault("0.5")
        double coldStartRate();

        /** Log a progress line every this many batches. */
        @WithName("log-every-batches")
        @WithDefault("50")
        int logEveryBatches();
    }

    interface Eval {
        @WithDefault("10,50")
        List<Integer> ks();
    }

    interface Gate {
        /** Minimum test AUC; negative disables the check. */
        @WithName("min-auc")
        @WithDefault("0.70")
        double minAuc();

        /** Minimum test NDCG@10; negative disables the check. */
        @WithName("min-ndcg-at-10")
        @WithDefault("-1")
        double minNdcgAt10();

        /** The candidate's NDCG@10 must be above the popularity baseline's on the same split. */
        @WithName("beat-baseline")
        @WithDefault("true")
        boolean beatBaseline();

        /** Metrics that must not regress against the production model. */
        @WithName("regression-metrics")
        @WithDefault("auc,ndcg@10")
        List<String> regressionMetrics();

        /** Allowed drop below production: absolute (value units) or relative (fraction of production's value). */
        @WithName("regression-tolerance")
        @WithDefault("0.01")
        double regressionTolerance();

        /** absolute or relative */
        @WithName("regression-mode")
        @WithDefault("absolute")
        String regressionMode();
    }

    interface Runs {
        /** Heartbeat period of a running run; runs whose heartbeat is older than stale-after are interrupted. */
        @WithName("heartbeat-seconds")
        @WithDefault("10")
        int heartbeatSeconds();

        @WithName("stale-after-seconds")
        @WithDefault("45")
        int staleAfterSeconds();
    }

    interface Auth {
        /** The value of {@code feedrank.auth.read-policy} that needs a token with role viewer or operator. */
        String VIEWER = "viewer";
        /** The value of {@code feedrank.auth.read-policy} that lets anyone read. */
        String PERMIT = "permit";

        /**
         * Who may read the API (GET/HEAD under /api): {@code viewer} (a bearer JWT with role viewer or operator) or
         * {@code permit} (anyone). It names the HTTP permission policy of those requests (application.properties);
         * every other method under /api always needs role operator. Process-wide: a per-run override has no effect.
         */
        @WithName("read-policy")
        @WithDefault(VIEWER)
        @WithConverter(ReadPolicyConverter.class)
        String readPolicy();
    }

    /** Accepts exactly {@code viewer} or {@code permit}, so that a typo fails the start rather than locking /api. */
    final class ReadPolicyConverter implements Converter<String> {
        @Override
        public String convert(String value) {
            if (Auth.VIEWER.equals(value) || Auth.PERMIT.equals(value)) return value;
            throw new IllegalArgumentException("feedrank.auth.read-policy must be '" + Auth.VIEWER
                    + "' (reading /api needs a token with role viewer or operator) or '" + Auth.PERMIT
                    + "' (anyone may read /api), not '" + value + "'");
        }
    }
}
