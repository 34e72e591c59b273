package dev.feedrank.reporting;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one run, as shown by the REST API and the CLI. {@code champion} holds the metrics of the
 * production model ({@code championVersion}) evaluated on this run's test split. {@code validation} is null when
 * the run did not reach (or disabled) data validation.
 */
public record RunReport(long runId, String trigger, String status, String dataset, String outcome, String error,
                        Instant createdAt, Instant startedAt, Instant finishedAt,
                        List<StageView> stages, Map<String, Double> metrics, Map<String, Double> baseline,
                        String championVersion, Map<String, Double> champion, GateView gate, ModelView model, Map<String, Object> config,
                        Boolean cacheHit, int resumeCount, String stopRequested,
                        ValidationView validation) {

    public record StageView(String name, int attempt, String status, Instant startedAt, Instant finishedAt,
                            Long durationMs, String error, Map<String, String> outputs, String progress) {
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
