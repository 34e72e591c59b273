package dev.feedrank.reporting;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.gating.GatePolicy;
import dev.feedrank.persistence.DataValidationCheckEntity;
import dev.feedrank.persistence.GateCheckEntity;
import dev.feedrank.persistence.ModelVersionEntity;
import dev.feedrank.persistence.PipelineRunEntity;
import dev.feedrank.persistence.RunMetricEntity;
import dev.feedrank.persistence.StageExecutionEntity;
import dev.feedrank.reporting.RunReport.CheckView;
import dev.feedrank.reporting.RunReport.CurvePoint;
import dev.feedrank.reporting.RunReport.GateView;
import dev.feedrank.reporting.RunReport.ModelView;
import dev.feedrank.reporting.RunReport.StageView;
import dev.feedrank.reporting.RunReport.ValidationCheckView;
import dev.feedrank.reporting.RunReport.ValidationView;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Reads runs back from PostgreSQL into {@link RunReport}s. */
@ApplicationScoped
public class RunReportService {

    private final ObjectMapper json;

    public RunReportService(ObjectMapper json) {
        this.json = json;
    }

    public Optional<RunReport> report(long runId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            PipelineRunEntity run = PipelineRunEntity.findById(runId);
            return run == null ? Optional.<RunReport>empty() : Optional.of(toReport(run));
        });
    }

    public record Page(List<RunReport> items, int page, int size, long total) {
    }

    public Page list(String status, int page, int size) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var query = status == null || status.isBlank()
                    ? PipelineRunEntity.find("order by id desc")
                    : PipelineRunEntity.find("status = ?1 order by id desc", status.toUpperCase());
            long total = query.count();
            List<PipelineRunEntity> rows = query.page(page, size).list();
            List<RunReport> items = new ArrayList<>();
            for (PipelineRunEntity r : rows) items.add(toReport(r));
            return new Page(items, page, size, total);
        });
    }

    /** One metric of two runs side by side; {@code difference} is b minus a (null when either is missing). */
    public record MetricComparison(String subject, String name, Double a, Double b, Double difference) {
    }

    /** A configuration value that differs between the two runs. */
    public record ConfigDifference(String key, Object a, Object b) {
    }

    public record Comparison(long a, long b, String datasetA, String datasetB, String modelVersionA, String modelVersionB,
                             List<MetricComparison> metrics, List<ConfigDifference> configDifferences) {
    }

    /**
     * The test metrics of two runs side by side (every subject: {@code model}, {@code champion}, {@code baseline}
     * (popularity), the strong baselines {@code puresvd} and {@code ease}, {@code dataset}), and where their
     * configs differ.
     */
    public Optional<Comparison> compare(long a, long b) {
        return QuarkusTransaction.requiringNew().call(() -> {
            PipelineRunEntity ra = PipelineRunEntity.findById(a);
            PipelineRunEntity rb = PipelineRunEntity.findById(b);
            if (ra == null || rb == null) return Optional.<Comparison>empty();
            Map<String, Double> ma = testMetrics(a);
            Map<String, Double> mb = testMetrics(b);
            java.util.Set<String> keys = new java.util.LinkedHashSet<>(ma.keySet());
            keys.addAll(mb.keySet());
            List<MetricComparison> rows = new ArrayList<>();
            for (String key : keys) {
                int slash = key.indexOf('/');
                Double va = ma.get(key);
                Double vb = mb.get(key);
                rows.add(new MetricComparison(key.substring(0, slash), key.substring(slash + 1), va, vb,
                        va == null || vb == null ? null : vb - va));
            }
            Map<String, Object> ca = readConfig(ra.configSnapshot);
            Map<String, Object> cb = readConfig(rb.configSnapshot);
            java.util.Set<String> configKeys = new java.util.TreeSet<>();
            if (ca != null) configKeys.addAll(ca.keySet());
            if (cb != null) configKeys.addAll(cb.keySet());
            List<ConfigDifference> diffs = new ArrayList<>();
            for (String k : configKeys) {
                Object va = ca == null ? null : ca.get(k);
                Object vb = cb == null ? null : cb.get(k);
                if (!java.util.Objects.equals(va, vb)) diffs.add(new ConfigDifference(k, va, vb));
            }
            return Optional.of(new Comparison(a, b, ra.dataset, rb.dataset, ra.modelVersion, rb.modelVersion, rows, diffs));
        });
    }

    /** subject/name -> value of a run's test metrics (epoch-less rows). */
    private static Map<String, Double> testMetrics(long runId) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (RunMetricEntity m : RunMetricEntity.<RunMetricEntity>list("runId = ?1 and split = 'test' and epoch is null order by id", runId)) {
            out.put(m.subject + "/" + m.name, m.value);
        }
        return out;
    }

    /**
     * All metric rows of a run and the per-epoch training curve; each row carries its 95% bootstrap interval
     * ({@code ciLow}, {@code ciHigh}; null for metrics without one).
     */
    public Optional<Map<String, Object>> metrics(long runId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            if (PipelineRunEntity.findById(runId) == null) return Optional.<Map<String, Object>>empty();
            List<RunMetricEntity> rows = RunMetricEntity.list("runId = ?1 order by id", runId);
            Map<Integer, Map<String, Double>> byEpoch = new TreeMap<>();
            List<Map<String, Object>> flat = new ArrayList<>();
            for (RunMetricEntity m : rows) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("stage", m.stage);
                row.put("subject", m.subject);
                row.put("name", m.name);
                row.put("value", m.value);
                row.put("split", m.split);
                row.put("epoch", m.epoch);
                row.put("ciLow", m.ciLow);
                row.put("ciHigh", m.ciHigh);
                flat.add(row);
                if (m.epoch != null) byEpoch.computeIfAbsent(m.epoch, e -> new LinkedHashMap<>()).put(m.name, m.value);
            }
            List<CurvePoint> curve = new ArrayList<>();
            byEpoch.forEach((epoch, v) -> curve.add(new CurvePoint(epoch, v.get("train_loss"), v.get("val_auc"), v.get("learning_rate"))));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("runId", runId);
            out.put("curve", curve);
            out.put("metrics", flat);
            return Optional.of(out);
        });
    }

    private RunReport toReport(PipelineRunEntity run) {
        List<StageView> stages = new ArrayList<>();
        for (StageExecutionEntity s : StageExecutionEntity.<StageExecutionEntity>list("runId = ?1 order by id", run.id)) {
            stages.add(new StageView(s.stage, s.attempt, s.status, s.startedAt, s.finishedAt, s.durationMs, s.error,
                    readMap(s.outputs), s.progress, s.cpuMs, s.peakRssBytes, s.peakHeapBytes, s.samplesPerSecond));
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> champion = new LinkedHashMap<>();
        // baselines in canonical order: popularity, then the strong baselines
        Map<String, Map<String, Double>> baselines = new LinkedHashMap<>();
        for (String name : BASELINE_NAMES) baselines.put(name, new LinkedHashMap<>());
        List<String> skipped = new ArrayList<>();
        Map<String, Map<String, List<Double>>> intervals = new LinkedHashMap<>();
        for (String name : INTERVAL_SUBJECTS) intervals.put(name, new LinkedHashMap<>());
        Integer rankedUsers = null;
        Integer modelRankedUsers = null;
        for (RunMetricEntity m : RunMetricEntity.<RunMetricEntity>list("runId = ?1 and split = 'test' and epoch is null order by id", run.id)) {
            String name = reportName(m.subject);
            if ("dataset".equals(m.subject)) {
                if ("ranked_users".equals(m.name)) rankedUsers = (int) Math.round(m.value);
                continue;
            }
            if ("model".equals(m.subject)) {
                metrics.put(m.name, m.value);
                if ("ranked_users".equals(m.name)) modelRankedUsers = (int) Math.round(m.value);
            } else if ("champion".equals(m.subject)) {
                champion.put(m.name, m.value);
            } else if (baselines.containsKey(name)) {
                if (SKIPPED.equals(m.name)) {
                    if (!skipped.contains(name)) skipped.add(name);
                    continue;
                }
                baselines.get(name).put(m.name, m.value);
            }
            if (m.ciLow != null && m.ciHigh != null && intervals.containsKey(name)) {
                intervals.get(name).put(m.name, List.of(m.ciLow, m.ciHigh));
            }
        }
        if (rankedUsers == null) rankedUsers = modelRankedUsers;
        for (String name : skipped) baselines.remove(name);
        baselines.values().removeIf(Map::isEmpty);
        intervals.values().removeIf(Map::isEmpty);
        Map<String, Double> baseline = baselines.getOrDefault(POPULARITY, new LinkedHashMap<>());
        List<CheckView> checks = new ArrayList<>();
        for (GateCheckEntity c : GateCheckEntity.<GateCheckEntity>list("runId = ?1 order by id", run.id)) {
            checks.add(new CheckView(c.kind, c.metric, c.direction, c.op, c.threshold, c.candidateValue,
                    c.championValue, c.baselineValue, c.passed, c.detail));
        }
        GateView gate = run.gatePassed == null ? null : new GateView(run.gatePassed, run.gateSummary, checks);
        ModelView model = null;
        if (run.modelVersion != null) {
            ModelVersionEntity v = ModelVersionEntity.findById(run.modelVersion);
            List<String> artifacts = new ArrayList<>();
            for (StageView s : stages) if (s.outputs() != null && "SUCCEEDED".equals(s.status())) artifacts.addAll(s.outputs().values());
            model = new ModelView(run.modelVersion, "PROMOTED".equals(run.outcome), v == null ? null : v.status, artifacts);
        }
        Map<String, Object> config = readConfig(run.configSnapshot);
        return new RunReport(run.id, run.trigger, run.status, run.dataset, run.outcome, run.error, run.createdAt,
                run.startedAt, run.finishedAt, stages, metrics, baseline, run.championVersion, champion, gate, model, config,
                run.cacheHit, run.resumeCount, run.stopRequested == null ? null : run.stopRequested + " by " + run.stopRequestedBy,
                validation(run.id), baselines, List.copyOf(skipped), intervals, rankedUsers, splitStrategy(config),
                RunReport.RunCost.of(stages));
    }

    static final String POPULARITY = "popularity";
    /** The metric row evaluate stores for a baseline it skipped (value 1). */
    static final String SKIPPED = "skipped";
    static final String DEFAULT_SPLIT_STRATEGY = "global-time";
    /** Baselines by report name, in report order. */
    static final List<String> BASELINE_NAMES;
    /** Subjects that carry intervals, by report name, in report order. */
    static final List<String> INTERVAL_SUBJECTS;

    static {
        List<String> names = new ArrayList<>(List.of(POPULARITY));
        for (String n : GatePolicy.BASELINES) if (!names.contains(n)) names.add(n);
        BASELINE_NAMES = List.copyOf(names);
        List<String> subjects = new ArrayList<>(List.of("model", "champion"));
        subjects.addAll(names);
        INTERVAL_SUBJECTS = List.copyOf(subjects);
    }

    /** The name a metric subject has in reports: the popularity baseline is stored as subject {@code baseline}. */
    static String reportName(String subject) {
        return "baseline".equals(subject) ? POPULARITY : subject;
    }

    /** The run's {@code split.strategy} from its config snapshot; {@code global-time} (the default) when absent. */
    static String splitStrategy(Map<String, Object> config) {
        Object v = config == null ? null : config.get("split.strategy");
        return v == null || v.toString().isBlank() ? DEFAULT_SPLIT_STRATEGY : v.toString().trim();
    }

    private static ValidationView validation(long runId) {
        List<ValidationCheckView> checks = new ArrayList<>();
        Long compared = null;
        int errors = 0;
        int warnings = 0;
        for (DataValidationCheckEntity c : DataValidationCheckEntity.<DataValidationCheckEntity>list("runId = ?1 order by id", runId)) {
            checks.add(new ValidationCheckView(c.name, c.scope, c.severity, c.passed, c.observed, c.expected, c.previous,
                    c.previousRunId, c.detail));
            if (c.previousRunId != null) compared = c.previousRunId;
            if (!c.passed && "error".equals(c.severity)) errors++;
            if (!c.passed && "warning".equals(c.severity)) warnings++;
        }
        return checks.isEmpty() ? null : new ValidationView(errors == 0, compared, errors, warnings, checks);

    }

    private Map<String, String> readMap(String text) {
        if (text == null) return null;
        try {
            return json.readValue(text, new TypeReference<LinkedHashMap<String, String>>() { });
        } catch (IOException e) {
            return Map.of("unreadable", text);
        }
    }

    private Map<String, Object> readConfig(String text) {
        if (text == null) return null;
        try {
            return json.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            return Map.of("unreadable", text);
        }
    }
}
