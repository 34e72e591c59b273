package dev.feedrank.reporting;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one run, as shown by the REST API and the CLI. {@code champion} holds the metrics of the
 * production model ({@code championVersion}) evaluated on this run's test split. {@code validation} is null when
 * the run did not reach (or disabled) data validation.
 * <p>
 * {@code metrics} are the candidate's test metrics (with {@code ranked_users}, and {@code churn@10} against the
 * champion when there is one); {@code baseline} is the popularity baseline's, kept for compatibility.
 * {@code baselines} holds every baseline computed on the test split by name, in the order {@code popularity},
 * {@code puresvd}, {@code ease} ({@code popularity} is the same map as {@code baseline}); a baseline evaluate skipped
 * (e.g. EASE^R when its memory budget holds too few items) is not in {@code baselines} but named in
 * {@code skippedBaselines} (the reason is in the evaluate stage's progress and log). {@code intervals} holds the
 * 95% bootstrap interval over the ranked users of each ranking metric, as {@code [low, high]}, per subject:
 * {@code model} (the candidate), {@code champion} and the baselines by the names used in {@code baselines}.
 * {@code rankedUsers} is the number of test users ranked (null for runs that did not reach evaluate or predate it);
 * {@code splitStrategy} is the run's {@code split.strategy} ({@code global-time} when its config does not say).
 * {@code cost} sums what the run's stage attempts consumed ({@link RunCost}); each {@link StageView} has its attempt's.
 * {@code baselineFits} says, per strong baseline evaluate fitted ({@code puresvd}, {@code ease}), what it fitted: the
 * hyperparameter chosen on validation ({@code rank}, {@code lambda}), {@code fit_items} and {@code catalogue_items}
 * (fewer items than the catalogue: EASE^R fitted on the most popular ones, within {@code eval.ease-max-items} and its
 * memory budget) and {@code fit_seconds}; {@link BaselineFits#describe} puts one in words.
 */
public record RunReport(long runId, String trigger, String status, String dataset, String outcome, String error,
                        Instant createdAt, Instant startedAt, Instant finishedAt,
                        List<StageView> stages, Map<String, Double> metrics, Map<String, Double> baseline,
                        String championVersion, Map<String, Double> champion, GateView gate, ModelView model, Map<String, Object> config,
                        Boolean cacheHit, int resumeCount, String stopRequested,
                        ValidationView validation, Map<String, Map<String, Double>> baselines,
                        List<String> skippedBaselines, Map<String, Map<String, List<Double>>> intervals,
                        Integer rankedUsers, String splitStrategy, RunCost cost,
                        Map<String, Map<String, Double>> baselineFits) {

    /**
     * One stage attempt. Its cost (null where not measured, and on attempts recorded before run cost existed):
     * {@code cpuMs} is the CPU time of the whole process during the attempt (one run executes per process),
     * {@code peakRssBytes} the process's peak resident set size (sampled; null without {@code /proc}),
     * {@code peakHeapBytes} the peak Java heap in use, {@code samplesPerSecond} a train attempt's training throughput
     * (null for the other stages). With a remote executor ({@code executor} {@code process} or {@code kubernetes}) the
     * cost is the worker's own, the JVM that executed the attempt alone: {@code worker} ({@code host:pid}, the host a
     * Job's pod name) and {@code workerPid}; both null for in-process attempts.
     */
    public record StageView(String name, int attempt, String status, Instant startedAt, Instant finishedAt,
                            Long durationMs, String error, Map<String, String> outputs, String progress,
                            Long cpuMs, Long peakRssBytes, Long peakHeapBytes, Double samplesPerSecond,
                            String executor, String worker, Long workerPid) {
    }

    /**
     * What the run cost, over every stage attempt (retries and earlier executions of a resumed run included):
     * {@code wallMs} and {@code cpuMs} are sums, {@code peakRssBytes} the maximum, {@code trainSamplesPerSecond} the
     * training throughput of the train stage's latest successful attempt. Null when no attempt has the value.
     */
    public record RunCost(Long wallMs, Long cpuMs, Long peakRssBytes, Double trainSamplesPerSecond) {

        public static RunCost of(java.util.List<StageView> stages) {
            Long wall = null;
            Long cpu = null;
            Long rss = null;
            Double train = null;
            for (StageView s : stages) {
                if (s.durationMs() != null) wall = (wall == null ? 0 : wall) + s.durationMs();
                if (s.cpuMs() != null) cpu = (cpu == null ? 0 : cpu) + s.cpuMs();
                if (s.peakRssBytes() != null) rss = rss == null ? s.peakRssBytes() : Math.max(rss, s.peakRssBytes());
                if ("train".equals(s.name()) && "SUCCEEDED".equals(s.status()) && s.samplesPerSecond() != null) {
                    train = s.samplesPerSecond(); // stages are in attempt order: the latest success wins
                }
            }
            return new RunCost(wall, cpu, rss, train);
        }
    }

    /** One gate check: the candidate's value against the threshold, with the champion's and baseline's values. */
    public record CheckView(String kind, String metric, String direction, String op, Double threshold, Double candidate,
                            Double champion, Double baseline, boolean passed, String detail) {
    }

    public record GateView(Boolean passed, String summary, List<CheckView> checks) {
    }

    public record ModelView(String version, boolean promoted, String status, List<String> artifacts) {
    }

    /**
     * The validate-data report: {@code passed} is false when a check of severity error failed (the run failed at
     * validate-data); {@code comparedWithRun} is the earlier successful run the change checks compared with.
     */
    public record ValidationView(boolean passed, Long comparedWithRun, int errors, int warnings,
                                 List<ValidationCheckView> checks) {
    }

    /** One data-validation check: its values, the bound, and the compared run's value for a change check. */
    public record ValidationCheckView(String name, String scope, String severity, boolean passed, Double observed,
                                      String expected, Double previous, Long previousRunId, String detail) {
    }

    public record CurvePoint(int epoch, Double trainLoss, Double validationAuc, Double learningRate) {
    }
}
