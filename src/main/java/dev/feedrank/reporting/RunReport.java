package dev.feedrank.reporting;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one run, as shown by the REST API and the CLI. {@code champion} holds the metrics of the
 * production model ({@code championVersion}) evaluated on this run's test split.
 */
public record RunReport(long runId, String trigger, String status, String dataset, String outcome, String error,
                        Instant createdAt, Instant startedAt, Instant finishedAt,
                        List<StageView> stages, Map<String, Double> metrics, Map<String, Double> baseline,
                        String championVersion, Map<String, Double> champion, GateView gate, ModelView model, Map<String, Object> config,
                        Boolean cacheHit, int resumeCount, String stopRequested) {

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

    public record CurvePoint(int epoch, Double trainLoss, Double validationAuc, Double learningRate) {
    }
}
