package dev.feedrank.reporting;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Everything known about one run, as shown by the REST API and the CLI. */
public record RunReport(long runId, String trigger, String status, String dataset, String outcome, String error,
                        Instant createdAt, Instant startedAt, Instant finishedAt,
                        List<StageView> stages, Map<String, Double> metrics, Map<String, Double> baseline,
                        GateView gate, ModelView model, Map<String, Object> config) {

    public record StageView(String name, int attempt, String status, Instant startedAt, Instant finishedAt,
                            Long durationMs, String error, Map<String, String> outputs, String progress) {
    }

    public record CheckView(String kind, String metric, String op, Double threshold, Double value, Double reference,
                            boolean passed, String detail) {
    }

    public record GateView(Boolean passed, String summary, List<CheckView> checks) {
    }

    public record ModelView(String version, boolean promoted, String status, List<String> artifacts) {
    }

    public record CurvePoint(int epoch, Double trainLoss, Double validationAuc, Double learningRate) {
    }
}
