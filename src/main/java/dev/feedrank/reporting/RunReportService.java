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

    /** Columns the console's runs table may sort by (query parameter value → HQL). */
    public static final Map<String, String> SORTABLE = Map.ofEntries(
            Map.entry("id", "r.id"), Map.entry("status", "r.status"), Map.entry("trigger", "r.trigger"),
            Map.entry("dataset", "r.dataset"), Map.entry("started", "r.startedAt"), Map.entry("finished", "r.finishedAt"),
            Map.entry("version", "r.modelVersion"), Map.entry("duration", "(r.finishedAt - r.startedAt)"),
            Map.entry("gate", "r.gatePassed"), Map.entry("ndcg", testMetric("ndcg@10")), Map.entry("auc", testMetric("auc")));

    /** The model's test value of a metric for the run {@code r} (null when it has none), as an HQL subquery. */
    private static String testMetric(String name) {
        return "(select max(m.value) from RunMetricEntity m where m.runId = r.id and m.subject = 'model' and m.name = '"
                + name + "' and m.split = 'test' and m.epoch is null)";
    }

    /**
     * A page of runs filtered by status and dataset (exact spec; either may be blank), ordered by one of
     * {@link #SORTABLE} (unknown or blank: newest first), ties broken by id descending.
     */
    public Page list(String status, String dataset, String sort, boolean ascending, int page, int size) {
        return QuarkusTransaction.requiringNew().call(() -> {
            StringBuilder where = new StringBuilder("from PipelineRunEntity r where 1 = 1");
            Map<String, Object> params = new LinkedHashMap<>();
            if (status != null && !status.isBlank()) {
                where.append(" and r.status = :status");
                params.put("status", status.trim().toUpperCase(java.util.Locale.ROOT));
            }
            if (dataset != null && !dataset.isBlank()) {
                where.append(" and r.dataset = :dataset");
                params.put("dataset", dataset.trim());
            }
            String column = sort == null ? null : SORTABLE.get(sort);
            String order = column == null ? " order by r.id desc"
                    : " order by " + column + (ascending ? " asc" : " desc") + " nulls last, r.id desc";
            var query = PipelineRunEntity.find(where + order, params);
            long total = query.count();
            List<RunReport> items = new ArrayList<>();
            for (PipelineRunEntity r : query.page(page, size).<PipelineRunEntity>list()) items.add(toReport(r));
            return new Page(items, page, size, total);
        });
    }

    /** The datasets runs were started on, most recent first (for the console's filter). */
    public List<String> datasets() {
        return QuarkusTransaction.requiringNew().call(() -> PipelineRunEntity.getEntityManager()
                .createQuery("select r.dataset from PipelineRunEntity r group by r.dataset order by max(r.id) desc", String.class)
                .setMaxResults(100).getResultList());
    }

    /**
     * A run's per-epoch series (every metric recorded with an epoch, by name: {@code train_loss}, {@code val_auc},
     * {@code val_<selection metric>}, {@code learning_rate}, {@code samples_per_second}; null where an epoch lacks
     * one), the best epoch and the selection metric's series name ({@code val_ndcg@10} by default).
     */
    public record Curves(long runId, List<Integer> epochs, Map<String, List<Double>> series, Integer bestEpoch,
                         String selectionSeries) {
    }

    public Optional<Curves> curves(long runId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            PipelineRunEntity run = PipelineRunEntity.findById(runId);
            if (run == null) return Optional.<Curves>empty();
            return Optional.of(curvesOf(run));
        });
    }

    private Curves curvesOf(PipelineRunEntity run) {
        TreeMap<Integer, Map<String, Double>> byEpoch = new TreeMap<>();
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        Integer best = null;
        // a resumed or retried training records an epoch again: the latest row wins
        for (RunMetricEntity m : RunMetricEntity.<RunMetricEntity>list("runId = ?1 and subject = 'model' order by id", run.id)) {
            if (m.epoch != null) {
                byEpoch.computeIfAbsent(m.epoch, e -> new LinkedHashMap<>()).put(m.name, m.value);
                names.add(m.name);
            } else if ("best_epoch".equals(m.name)) {
                best = (int) Math.round(m.value);
            }
        }
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String n : names) {
            List<Double> values = new ArrayList<>();
            for (Map<String, Double> e : byEpoch.values()) values.add(e.get(n));
            series.put(n, values);
        }
        Map<String, Object> config = readConfig(run.configSnapshot);
        Object metric = config == null ? null : config.get("train.selection-metric");
        String selection = "val_" + (metric == null || metric.toString().isBlank() ? "ndcg@10" : metric.toString().trim());
        if (!series.containsKey(selection)) selection = series.containsKey("val_ndcg@10") ? "val_ndcg@10" : "val_auc";
        return new Curves(run.id, List.copyOf(byEpoch.keySet()), series, best, selection);
    }

    /** One metric of several runs: values in the order of the runs, differences to the first run (null when missing). */
    public record MetricRow(String subject, String name, List<Double> values, List<Double> differences) {
    }

    /** A configuration key whose value is not the same in every run (null where a run's snapshot lacks it). */
    public record ConfigRow(String key, List<Object> values) {
    }

    /** One run of a comparison of several. */
    public record ComparedRun(long runId, String status, String dataset, String modelVersion, Curves curves) {
    }

    public record MultiComparison(List<ComparedRun> runs, List<MetricRow> metrics, List<ConfigRow> configDifferences) {
    }

    /**
     * Two or more runs side by side (the generalisation of {@link #compare}: test metrics of every subject with
     * differences to the first run, the config keys that differ, and each run's curves); empty when a run is unknown.
     */
    public Optional<MultiComparison> compare(List<Long> ids) {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<PipelineRunEntity> runs = new ArrayList<>();
            for (Long id : ids) {
                PipelineRunEntity r = PipelineRunEntity.findById(id);
                if (r == null) return Optional.<MultiComparison>empty();
                runs.add(r);
            }
            List<Map<String, Double>> metrics = new ArrayList<>();
            java.util.Set<String> keys = new java.util.LinkedHashSet<>();
            for (PipelineRunEntity r : runs) {
                Map<String, Double> m = testMetrics(r.id);
                metrics.add(m);
                keys.addAll(m.keySet());
            }
            List<MetricRow> rows = new ArrayList<>();
            for (String key : keys) {
                int slash = key.indexOf('/');
                List<Double> values = new ArrayList<>();
                List<Double> diffs = new ArrayList<>();
                for (Map<String, Double> m : metrics) {
                    Double v = m.get(key);
                    Double first = metrics.get(0).get(key);
                    values.add(v);
                    diffs.add(v == null || first == null ? null : v - first);
                }
                rows.add(new MetricRow(reportName(key.substring(0, slash)), key.substring(slash + 1), values, diffs));
            }
            List<Map<String, Object>> configs = new ArrayList<>();
            for (PipelineRunEntity r : runs) configs.add(readConfig(r.configSnapshot));
            List<ConfigRow> diffs = new ArrayList<>();
            configDifferences(configs).forEach((k, v) -> diffs.add(new ConfigRow(k, v)));
            List<ComparedRun> compared = new ArrayList<>();
            for (PipelineRunEntity r : runs) compared.add(new ComparedRun(r.id, r.status, r.dataset, r.modelVersion, curvesOf(r)));
            return Optional.of(new MultiComparison(compared, rows, diffs));
        });
    }

    /** Keys (sorted) whose values are not all equal across the snapshots, with each snapshot's value. */
    static Map<String, List<Object>> configDifferences(List<Map<String, Object>> configs) {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        for (Map<String, Object> c : configs) if (c != null) keys.addAll(c.keySet());
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (String k : keys) {
            List<Object> values = new ArrayList<>();
            for (Map<String, Object> c : configs) values.add(c == null ? null : c.get(k));
            if (values.stream().anyMatch(v -> !java.util.Objects.equals(v, values.get(0)))) out.put(k, values);
        }
        return out;
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
            List<Map<String, Object>> configs = new ArrayList<>();
            configs.add(readConfig(ra.configSnapshot));
            configs.add(readConfig(rb.configSnapshot));
            List<ConfigDifference> diffs = new ArrayList<>();
            configDifferences(configs).forEach((k, v) -> diffs.add(new ConfigDifference(k, v.get(0), v.get(1))));
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
                    readMap(s.outputs), s.progress, s.cpuMs, s.peakRssBytes, s.peakHeapBytes, s.samplesPerSecond,
                    s.executor, s.worker, s.workerPid));
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
        Map<String, Map<String, Double>> fits = new LinkedHashMap<>();
        for (RunMetricEntity m : RunMetricEntity.<RunMetricEntity>list(
                "runId = ?1 and stage = 'evaluate' and split = 'train' and epoch is null order by id", run.id)) {
            String name = reportName(m.subject);
            if (BASELINE_NAMES.contains(name) && !POPULARITY.equals(name) && FIT_METRICS.contains(m.name)) {
                fits.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(m.name, m.value);
            }
        }
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
                RunReport.RunCost.of(stages), fits);
    }

    /** What evaluate records of a strong baseline's fit (split {@code train}). */
    static final List<String> FIT_METRICS = List.of("rank", "lambda", "fit_items", "catalogue_items", "fit_seconds");

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
