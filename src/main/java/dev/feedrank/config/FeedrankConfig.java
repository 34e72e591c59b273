package dev.feedrank.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import org.eclipse.microprofile.config.spi.Converter;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * All of feedrank's settings ({@code feedrank.*}). Every key can be set for the process with {@code --set key=value}
 * (CLI); a run started through the API may override only the families in
 * {@link RunConfigFactory#RUN_OVERRIDABLE} ({@code "overrides"}, without the {@code feedrank.} prefix).
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

    Ann ann();

    Runs runs();

    Stages stages();

    /** Reuse a prepared dataset whose content hash (input bytes + preparation config) is unchanged. */
    @WithDefault("true")
    boolean cache();

    Auth auth();

    Validation validation();

    Data data();

    /** Where datasets may be read from (checked when a run is triggered and again when prepare-data opens it). */
    interface Data {
        /**
         * Allowed dataset locations: local folders (a dataset must lie inside one, symlinks resolved) and
         * {@code s3://bucket/prefix} entries (same bucket, key under the prefix). Unset: {@code <work-dir>/datasets/}
         * and {@code s3://<storage.bucket>/datasets/}. {@code synthetic} needs no location.
         */
        @WithName("allowed-locations")
        Optional<List<String>> allowedLocations();

        /** Also allow the process's current directory ({@code --local} sets it). */
        @WithName("allow-working-directory")
        @WithDefault("false")
        boolean allowWorkingDirectory();

        /**
         * DuckDB's {@code memory_limit} for prepare-data's connections (e.g. {@code 2GB}, {@code 512MB}); beyond it
         * DuckDB spills to {@code <work-dir>/run-<id>/duckdb-tmp-<pid>-<n>} (its {@code temp_directory}, one per
         * connection, removed when it closes) instead of growing.
         */
        @WithName("duckdb-memory-limit")
        @WithDefault("2GB")
        String duckdbMemoryLimit();

        /** DuckDB's {@code threads} for prepare-data's connections; unset: DuckDB's default (the cores it sees). */
        @WithName("duckdb-threads")
        Optional<Integer> duckdbThreads();

        /** Rows per Parquet shard of a prepared train split (what training streams and holds a few of at a time). */
        @WithName("train-shard-rows")
        @WithDefault("1000000")
        int trainShardRows();
    }

    Serving serving();

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
        /**
         * {@code global-time} (train / validation / test windows by time; scheduled retraining), {@code per-user-time}
         * (each user's latest {@code test-fraction} is test, the latest {@code validation-fraction} of the rest
         * validation) or {@code leave-last-out} (each user's last click is test, the one before validation).
         */
        @WithDefault("global-time")
        String strategy();

        /** per-user-time: share of each user's interactions (its latest) held out for test. */
        @WithName("test-fraction")
        @WithDefault("0.2")
        double testFraction();

        @WithName("train-fraction")
        @WithDefault("0.8")
        double trainFraction();

        @WithName("validation-fraction")
        @WithDefault("0.1")
        double validationFraction();
    }

    interface Negatives {
        @WithName("per-positive")
        @WithDefault("16")
        int perPositive();

        /** uniform or popularity */
        @WithDefault("uniform")
        String sampling();
    }

    interface Train {
        /** Maximum epochs (early stopping on the selection metric usually ends sooner); docs/training.md has the evidence. */
        @WithDefault("20")
        int epochs();

        @WithName("batch-size")
        @WithDefault("1024")
        int batchSize();

        @WithName("learning-rate")
        @WithDefault("0.001")
        double learningRate();

        /**
         * A streamed train split (prepared datasets, kept as shards) is shuffled within a window of this many view rows
         * (a positive and its negatives' slots); at least the split's size, it is a full shuffle.
         */
        @WithName("shuffle-window")
        @WithDefault("1000000")
        int shuffleWindow();

        /** Train shards read ahead of the one being trained on (each held whole in memory). */
        @WithName("prefetch-shards")
        @WithDefault("2")
        int prefetchShards();

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
        /*
         * Unset (auto): 0.5 with split.strategy=global-time, whose test window (like tomorrow's feed) holds users and
         * items unseen in training, so their OOV rows must be trained; 0 with the per-user splits, where every judged
         * user trained (docs/training.md has the evidence for both).
         */
        @WithName("cold-start-rate")
        Optional<Double> coldStartRate();

        /**
         * What early stopping, the plateau LR schedule and the best checkpoint follow: {@code ndcg@10} (full-corpus
         * ranking of a sample of validation users, the metric the gate uses) or {@code auc} (validation examples).
         */
        @WithName("selection-metric")
        @WithDefault("ndcg@10")
        String selectionMetric();

        /** Validation users ranked per epoch for a ranking selection metric (a seeded sample when there are more). */
        @WithName("selection-users")
        @WithDefault("2000")
        int selectionUsers();

        /**
         * Normalisation of both towers' output: {@code l2} (unit length; the dot product is a cosine, scaled by
         * 1/temperature in the in-batch softmax) or {@code layernorm} (the design document's LayerNorm(d));
         * {@code auto}: l2 for {@code in-batch-softmax}, layernorm for the pointwise and pairwise losses (their
         * sigmoid needs logits beyond [-1, 1]).
         */
        @WithName("output-norm")
        @WithDefault("auto")
        String outputNorm();

        /**
         * {@code true}: update the ID-embedding tables row-wise, only the rows a batch touched, with a lazy Adam
         * (moments of untouched rows are left as they are), so a step costs O(batch) instead of O(vocabulary);
         * {@code false}: DJL's dense Adam over the whole tables; {@code auto}: row-wise from 100,000 ID-embedding rows
         * (users + items) on, dense below (docs/training.md has the evidence for the default).
         */
        @WithName("sparse-embedding-updates")
        @WithDefault("auto")
        String sparseEmbeddingUpdates();

        /** Log a progress line every this many batches. */
        @WithName("log-every-batches")
        @WithDefault("50")
        int logEveryBatches();

        /**
         * The training objective: {@code bce}, {@code weighted-bce}, {@code pairwise}, {@code batch-hard-triplet} or
         * {@code in-batch-softmax} (docs/training.md compares them).
         */
        @WithDefault("in-batch-softmax")
        String loss();

        /** weighted-bce: weight of the positive term. */
        @WithName("pos-weight")
        @WithDefault("2.0")
        double posWeight();

        /** Margin of pairwise (on probabilities, the document's 0.5) and batch-hard-triplet (on distances, 0.3). */
        Optional<Double> margin();

        /**
         * in-batch-softmax: logits are dot products divided by this; unset: 0.1 with unit-length outputs
         * ({@code output-norm} l2, where dot products are cosines), 1.0 with LayerNorm outputs.
         */
        Optional<Double> temperature();

        /** in-batch-softmax: subtract log(item frequency among train positives) from in-batch logits (logQ). */
        @WithName("logq-correction")
        @WithDefault("true")
        boolean logqCorrection();

        /** in-batch-softmax: mask in-batch columns holding the row's own positive item (other than the diagonal). */
        @WithName("remove-accidental-hits")
        @WithDefault("true")
        boolean removeAccidentalHits();

        /**
         * After model selection, train the final (exported) model on train + validation + test for the selected
         * number of epochs: {@code auto} (on for {@code split.strategy=global-time}, off for the offline-evaluation
         * splits), {@code true} or {@code false}.
         */
        @WithDefault("auto")
        String refit();

        /**
         * Where training runs: {@code auto} (a GPU when the PyTorch engine sees one, else the CPU), {@code cpu}, or
         * {@code gpu} (a train stage without a GPU fails before training, not retried). The engine sees a GPU only
         * with a CUDA libtorch (docs/training.md, "Training on a GPU").
         */
        @WithDefault("auto")
        String device();

        @WithName("hard-negatives")
        HardNegatives hardNegatives();

        @WithName("multi-task")
        MultiTask multiTask();
    }

    /**
     * Hard negative mining: every {@code refresh-every-epochs} epochs (from {@code start-epoch}), each user's
     * {@code top-k} highest-scoring items that are not among its train positives, from the current model; a
     * {@code mix-ratio} share of the sampled negatives is then replaced by one of them.
     */
    interface HardNegatives {
        @WithDefault("false")
        boolean enabled();

        @WithName("mix-ratio")
        @WithDefault("0.5")
        double mixRatio();

        @WithName("top-k")
        @WithDefault("10")
        int topK();

        @WithName("refresh-every-epochs")
        @WithDefault("1")
        int refreshEveryEpochs();

        /** First epoch that trains with mined negatives (mining needs a model that has learnt something). */
        @WithName("start-epoch")
        @WithDefault("2")
        int startEpoch();
    }

    /**
     * The design document's MultiTaskTwoTower: click, like and share heads on the towers' embeddings, trained
     * together with BCE (loss {@code bce} or {@code weighted-bce}), weighted per task.
     */
    interface MultiTask {
        @WithDefault("false")
        boolean enabled();

        /**
         * {@code concat} (the document: Linear over [user, item]) or {@code concat-product} (Linear over
         * [user, item, user*item], which lets a head rank items differently per user).
         */
        @WithName("head-input")
        @WithDefault("concat-product")
        String headInput();

        @WithName("click-weight")
        @WithDefault("1.0")
        double clickWeight();

        @WithName("like-weight")
        @WithDefault("1.0")
        double likeWeight();

        @WithName("share-weight")
        @WithDefault("1.0")
        double shareWeight();
    }

    interface Eval {
        @WithDefault("10,50")
        List<Integer> ks();

        /**
         * Classical baselines computed beside the model on the same split (fit on train, hyperparameter chosen on
         * validation): {@code popularity} is always computed; add {@code puresvd} and/or {@code ease}, or {@code none}.
         */
        @WithDefault("puresvd,ease")
        List<String> baselines();

        /** PureSVD ranks tried on the validation split. */
        @WithName("puresvd-ranks")
        @WithDefault("16,32,64,128,256")
        List<Integer> puresvdRanks();

        /** EASE^R L2 weights tried on the validation split (one dense items x items inverse each). */
        @WithName("ease-lambdas")
        @WithDefault("100,300,1000,3000")
        List<Double> easeLambdas();

        /**
         * EASE^R fits at most this many items (it holds items^2 floats), and at most as many as its memory budget
         * holds ({@code StrongBaselines.easeItemsWithin}): on a larger catalogue it is fitted on that many of the most
         * popular items and ranks the others after them (the run report's {@code baselineFits} says so).
         */
        @WithName("ease-max-items")
        @WithDefault("20000")
        int easeMaxItems();

        /** Bootstrap resamples over the ranked users for the 95% intervals of ranking metrics. */
        @WithName("bootstrap-resamples")
        @WithDefault("1000")
        int bootstrapResamples();

        /** Validation users ranked to choose the baselines' hyperparameters (a seeded sample when there are more). */
        @WithName("selection-users")
        @WithDefault("2000")
        int selectionUsers();

        /**
         * Test users ranked over the full corpus, per task: when more users are eligible (a new test positive), a
         * sample seeded by {@code train.seed}, the same users for the candidate, the champion, every baseline, churn
         * and the ANN recall queries. Reported as {@code ranked_users} beside {@code eligible_users}. Pointwise
         * metrics (AUC, logloss, ...) always use the whole test split.
         */
        @WithName("max-users")
        @WithDefault("20000")
        int maxUsers();
    }

    /**
     * The promotion gate. Threshold maps are keyed by metric name ({@code auc}, {@code ndcg@10}, or a task's metric
     * such as {@code like.auc}; quote keys that contain dots: {@code gate.min."like.auc"}); a value of {@code off}
     * removes an entry set by default. Defaults live in application.properties.
     */
    interface Gate {
        /** Value lower bounds on the candidate: {@code gate.min.auc=0.70}. */
        Map<String, String> min();

        /** Value upper bounds on the candidate: {@code gate.max.logloss=0.60}. */
        Map<String, String> max();

        /** Largest absolute worsening against the champion on the same split, in the metric's direction. */
        @WithName("max-regression")
        Map<String, String> maxRegression();

        /** Largest worsening against the champion as a fraction of the champion's value. */
        @WithName("max-relative-regression")
        Map<String, String> maxRelativeRegression();

        /**
         * Baselines the candidate must beat on {@code baseline-metric} (same split): {@code true} (popularity),
         * {@code false}, or a comma-separated list of {@code popularity}, {@code puresvd}, {@code ease}.
         */
        @WithName("beat-baseline")
        @WithDefault("true")
        String beatBaseline();

        /**
         * How change checks against the champion decide: {@code threshold} (the allowance alone) or {@code bootstrap}
         * (a check fails only when the candidate is also worse than the champion beyond the 95% bootstrap interval
         * of their paired per-user difference, so seed noise does not flip promotions).
         */
        @WithName("regression-test")
        @WithDefault("threshold")
        String regressionTest();

        @WithName("baseline-metric")
        @WithDefault("ndcg@10")
        String baselineMetric();

        /** Metrics for which lower is better (every other metric: higher is better). */
        @WithName("lower-is-better")
        @WithDefault("logloss,churn@10")
        List<String> lowerIsBetter();

        /** A gate without any check refuses to promote unless this is true. */
        @WithName("allow-no-checks")
        @WithDefault("false")
        boolean allowNoChecks();
    }

    /**
     * The ANN index of the item embeddings (jvector graph, maximum inner product through the MIPS-to-cosine
     * reduction): built and measured in evaluate on the candidate (recall@10/@100 against the exact top k for the
     * test users, latency), rebuilt with the same parameters on the exported embeddings in export and shipped in the
     * bundle. {@code gate.min."ann.recall@10"} (default 0.95) gates it.
     */
    interface Ann {
        /** false: no index, no ann.* metrics (then also set gate.min."ann.recall@10"=off). */
        @WithDefault("true")
        boolean enabled();

        /** Largest out-degree of a graph node (jvector's M). */
        @WithDefault("32")
        int m();

        /** Beam width of the construction search (HNSW's efConstruction). */
        @WithName("beam-width")
        @WithDefault("100")
        int beamWidth();

        /** Beam width of a query (HNSW's ef), raised to k when k is larger. */
        @WithName("search-beam-width")
        @WithDefault("200")
        int searchBeamWidth();

        /** How far a node's neighbour list may overflow M during construction before it is pruned. */
        @WithName("neighbor-overflow")
        @WithDefault("1.2")
        double neighborOverflow();

        /**
         * Vamana's diversity factor of the neighbour selection (1.0 = HNSW's heuristic; 1.2 prunes more edges:
         * recall@10 0.76 against 0.94 at beam 100 on clustered 16-d vectors of unequal norm).
         */
        @WithDefault("1.0")
        double alpha();

        /** HNSW-style upper layers above the base graph. */
        @WithDefault("true")
        boolean hierarchy();

        /** Test users the recall and latency are measured on (a seeded sample when there are more). */
        @WithName("recall-queries")
        @WithDefault("2000")
        int recallQueries();
    }

    interface Runs {
        /** Heartbeat period of a running run; runs whose heartbeat is older than stale-after are interrupted. */
        @WithName("heartbeat-seconds")
        @WithDefault("10")
        int heartbeatSeconds();

        @WithName("stale-after-seconds")
        @WithDefault("45")
        int staleAfterSeconds();

        /** Name of the pipeline whose runs exclude each other (one lease per pipeline, across replicas). */
        @WithDefault("default")
        String pipeline();

        /**
         * What a trigger does while another run of the pipeline executes anywhere: {@code forbid} (the new trigger
         * is recorded as SKIPPED) or {@code replace} (the running one is cancelled and the new one starts).
         */
        @WithName("concurrency-policy")
        @WithDefault("forbid")
        String concurrencyPolicy();

        /** How long a {@code replace} waits for the cancelled run to let go of the pipeline. */
        @WithName("replace-wait-seconds")
        @WithDefault("120")
        int replaceWaitSeconds();

        /** Resume runs found interrupted (dead process) automatically. */
        @WithName("resume-interrupted")
        @WithDefault("false")
        boolean resumeInterrupted();

        /** On SIGTERM, how long to wait for the running stage to checkpoint and stop (keep below the pod's grace period). */
        @WithName("shutdown-grace-seconds")
        @WithDefault("20")
        int shutdownGraceSeconds();
    }

    /** Retries and timeouts of stage attempts. */
    interface Stages {
        /** Attempts per stage for transient errors (S3 / PostgreSQL unreachable, timeouts); data errors never retry. */
        @WithName("max-attempts")
        @WithDefault("3")
        int maxAttempts();

        /** Per-stage override of max-attempts, e.g. {@code stages.max-attempts-of.train=1}. */
        @WithName("max-attempts-of")
        Map<String, Integer> maxAttemptsOf();

        /** Backoff before attempt n+1: initial * 2^(n-1), capped, with full jitter. */
        @WithName("backoff-initial-ms")
        @WithDefault("2000")
        long backoffInitialMs();

        @WithName("backoff-max-ms")
        @WithDefault("60000")
        long backoffMaxMs();

        /** Stage timeout in seconds (0 = none); the stage is stopped and fails with reason {@code timeout}. */
        @WithName("timeout-seconds")
        @WithDefault("21600")
        long timeoutSeconds();

        /** Per-stage override, e.g. {@code stages.timeout-seconds-of.train=7200}. */
        @WithName("timeout-seconds-of")
        Map<String, Long> timeoutSecondsOf();

        /**
         * Where each stage attempt executes: {@code in-process} (this JVM; the default), {@code process} (a child JVM
         * per attempt, {@code feedrank stage RUN_ID STAGE ATTEMPT}) or {@code kubernetes} (a Job per attempt).
         */
        @WithName("executor")
        @WithDefault("in-process")
        String executor();

        /** The {@code process} executor. */
        @WithName("process")
        Process process();

        interface Process {
            /**
             * The worker's program, e.g. {@code /app/bin/feedrank} or {@code java,-Xmx3g,-jar,/app/quarkus-run.jar}
             * (comma-separated); the arguments {@code stage RUN_ID STAGE ATTEMPT} are appended. Default: this JVM's
             * java binary, its JVM options and its jar (or class path and main class).
             */
            @WithName("command")
            java.util.Optional<List<String>> command();

            /** JVM options appended to the default command (e.g. {@code -Xmx3g}); ignored with {@code command}. */
            @WithName("java-options")
            java.util.Optional<List<String>> javaOptions();
        }

        /** The {@code kubernetes} executor: every stage attempt is a Kubernetes Job ({@code dev.feedrank.kubernetes}). */
        @WithName("kubernetes")
        Kubernetes kubernetes();

        /**
         * What a stage's worker pod gets under the {@code kubernetes} executor, by stage name, e.g.
         * {@code stages.resources.train.gpu=1}; stages not listed get no requests or limits of their own.
         */
        @WithName("resources")
        Map<String, Resources> resources();

        interface Kubernetes {
            /** Namespace of the stage Jobs; default: the client's (in a pod: the pod's own namespace). */
            @WithName("namespace")
            java.util.Optional<String> namespace();

            /** Image of the stage Jobs: the server's own image (required with the kubernetes executor). */
            @WithName("image")
            java.util.Optional<String> image();

            /**
             * The container's command; default: the image's entrypoint (which passes its arguments to the CLI). The
             * arguments are always {@code stage RUN_ID STAGE ATTEMPT}.
             */
            @WithName("command")
            java.util.Optional<List<String>> command();

            @WithName("image-pull-policy")
            @WithDefault("IfNotPresent")
            String imagePullPolicy();

            @WithName("image-pull-secrets")
            java.util.Optional<List<String>> imagePullSecrets();

            /** ServiceAccount of the worker pods (they need no Kubernetes API access; the token is not mounted). */
            @WithName("service-account")
            java.util.Optional<String> serviceAccount();

            /** ConfigMaps loaded into the worker with envFrom: the server's own settings (e.g. feedrank-config). */
            @WithName("env-from-config-maps")
            java.util.Optional<List<String>> envFromConfigMaps();

            /** Secrets loaded into the worker with envFrom: the server's own credentials (e.g. feedrank-secrets). */
            @WithName("env-from-secrets")
            java.util.Optional<List<String>> envFromSecrets();

            /** How long a finished Job (and its pod, with its log) stays before Kubernetes deletes it. */
            @WithName("ttl-seconds-after-finished")
            @WithDefault("86400")
            int ttlSecondsAfterFinished();

            /** Look at the Job at least this often (a watch wakes the orchestrator up sooner). */
            @WithName("poll-millis")
            @WithDefault("1000")
            long pollMillis();
        }

        /** A stage's worker pod: requests and limits, GPU, scheduling. */
        interface Resources {
            /** CPU request and limit, e.g. {@code 4} or {@code 500m}. */
            @WithName("cpu")
            java.util.Optional<String> cpu();

            /** Memory request and limit, e.g. {@code 8Gi} (the JVM heap takes a share of it, see the image). */
            @WithName("memory")
            java.util.Optional<String> memory();

            /** GPUs ({@code nvidia.com/gpu} limit). */
            @WithName("gpu")
            java.util.OptionalInt gpu();

            /** Node labels the pod must match, {@code key=value} each, e.g. {@code nvidia.com/gpu.present=true}. */
            @WithName("node-selector")
            java.util.Optional<List<String>> nodeSelector();

            /**
             * Taints the pod tolerates, {@code key[=value][:effect]} each, e.g. {@code nvidia.com/gpu:NoSchedule}
             * (without a value: operator Exists).
             */
            @WithName("tolerations")
            java.util.Optional<List<String>> tolerations();

            /** Another image for this stage (e.g. one with CUDA natives for a GPU train); default: stages.kubernetes.image. */
            @WithName("image")
            java.util.Optional<String> image();
        }

        default int maxAttemptsOf(String stage) {
            return Math.max(1, maxAttemptsOf().getOrDefault(stage, maxAttempts()));
        }

        default long timeoutSecondsOf(String stage) {
            return timeoutSecondsOf().getOrDefault(stage, timeoutSeconds());
        }
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

    /**
     * The validate-data stage: checks of the prepared dataset and of its change against the last successful run on
     * the same dataset spec. A failed check of severity error fails the run; a warning is recorded only.
     */
    interface Validation {
        /** false: the stage only records the dataset's profile (for later comparisons) and checks nothing. */
        @WithDefault("true")
        boolean enabled();

        /** Fewest distinct users with at least one interaction. */
        @WithName("min-users")
        @WithDefault("10")
        int minUsers();

        /** Fewest distinct items with at least one interaction. */
        @WithName("min-items")
        @WithDefault("10")
        int minItems();

        /** Fewest examples in each of the train, validation and test splits. */
        @WithName("min-examples-per-split")
        @WithDefault("50")
        int minExamplesPerSplit();

        /** Bounds on the positive (click) rate of each split's examples, sampled negatives included. */
        @WithName("label-rate")
        ValidationBounds labelRate();

        /** Largest relative change of the interaction count against the last successful run (0.5 = ±50%). */
        @WithName("max-row-count-change")
        @WithDefault("0.5")
        double maxRowCountChange();

        /** Largest absolute change of each source label rate (click, like, share) against the last successful run. */
        @WithName("max-label-rate-change")
        @WithDefault("0.1")
        double maxLabelRateChange();

        /** Largest share of interactions repeating an earlier one exactly (same user, item and timestamp). */
        @WithName("max-duplicate-rate")
        @WithDefault("0.01")
        double maxDuplicateRate();

        /** How far past now an example's timestamp may be. */
        @WithName("future-tolerance-seconds")
        @WithDefault("86400")
        long futureToleranceSeconds();

        /** Severity of the change checks (row-count-change, label-rate-change): error or warning. */
        @WithName("drift-severity")
        @WithDefault("error")
        String driftSeverity();

        /** Severity per check name ({@code error}, {@code warning} or {@code off}), over the defaults. */
        Map<String, String> severity();
    }

    /** Where promoted models are served from. */
    interface Serving {
        Redis redis();
    }

    /**
     * The publish stage: the production version's item (and optionally user) embeddings written to Redis under a
     * versioned prefix, then a pointer moved to it (docs/serving.md). Off while {@code url} is unset.
     */
    interface Redis {
        /** {@code redis://[:password@]host:port[/db]} or {@code rediss://…} (TLS); unset: publishing is off. */
        Optional<String> url();

        /** Password (e.g. from a Secret); overrides one in the URL. */
        Optional<String> password();

        /** Use TLS even with a {@code redis://} URL. */
        @WithDefault("false")
        boolean tls();

        /** Time to live of every published key; the live version's is refreshed by every run and schedule tick. */
        @WithDefault("24h")
        @WithConverter(io.quarkus.runtime.configuration.DurationConverter.class)
        Duration ttl();

        /** Published versions kept (the live one always, then the most recently live); older ones are deleted. */
        @WithName("keep-versions")
        @WithDefault("2")
        int keepVersions();

        /** Also publish the user embeddings (same layout, {@code user:<id>}). */
        @WithName("publish-users")
        @WithDefault("false")
        boolean publishUsers();

        /** Commands per pipelined chunk (every reply of a chunk is checked before the next is sent). */
        @WithName("chunk-size")
        @WithDefault("1000")
        int chunkSize();

        /** First segment of every key: {@code <key-prefix>:<pipeline>:…}. */
        @WithName("key-prefix")
        @WithDefault("feedrank")
        String keyPrefix();

        /** Connect and command timeout. */
        @WithDefault("10s")
        @WithConverter(io.quarkus.runtime.configuration.DurationConverter.class)
        Duration timeout();
    }

    interface ValidationBounds {
        @WithDefault("0.01")
        double min();

        @WithDefault("0.95")
        double max();
    }
}
