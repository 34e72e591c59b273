package dev.feedrank.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.orchestration.StageExecutor;
import dev.feedrank.reporting.BaselineFits;
import dev.feedrank.reporting.RunReport;
import dev.feedrank.reporting.RunReport.StageView;
import dev.feedrank.reporting.RunReportService;
import dev.feedrank.reporting.RunReportService.Curves;
import io.quarkus.qute.TemplateData;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The view models of the runs table, the run page and the compare page: everything pre-formatted as text. */
final class RunPages {

    private RunPages() {
    }

    @TemplateData
    record RunRow(long id, String status, String statusClass, boolean live, String trigger, String dataset, String started,
                  String startedIso, String duration, String gate, String gateClass, String ndcg, String ndcgBaseline,
                  String auc, String aucBaseline, String version, String wall, String cpu, String samplesPerSecond) {
    }

    /** A column header: sortable ones link to the table sorted by them, {@code ariaSort} says the current order. */
    @TemplateData
    record Column(String label, String url, String ariaSort, String arrow) {
    }

    @TemplateData
    record Option(String value, String label, boolean selected) {
    }

    @TemplateData
    record RunsPage(List<RunRow> rows, List<Column> columns, List<Option> statuses, List<Option> datasets, String status,
                    String dataset, String sort, String dir, int page, int pages, long total, String prevUrl,
                    String nextUrl, boolean anyLive, String notice) {
    }

    static RunRow row(RunReport r) {
        Long wall = Fmt.between(r.startedAt(), r.finishedAt());
        String gate;
        String gateClass;
        if (r.gate() == null || r.gate().passed() == null) {
            gate = Fmt.NONE;
            gateClass = "";
        } else {
            gate = (r.gate().passed() ? "passed" : "failed") + (r.outcome() == null ? "" : " · " + r.outcome().toLowerCase().replace('_', ' '));
            gateClass = r.gate().passed() ? "st-succeeded" : "st-failed";
        }
        Map<String, Double> b = r.baseline() == null ? Map.of() : r.baseline();
        Map<String, Double> m = r.metrics() == null ? Map.of() : r.metrics();
        Cost cost = Cost.of(r);
        return new RunRow(r.runId(), r.status(), Fmt.statusClass(r.status()), Fmt.live(r.status()), Fmt.text(r.trigger()),
                Fmt.text(r.dataset()), Fmt.shortTime(r.startedAt()), Fmt.iso(r.startedAt()), Fmt.duration(wall), gate, gateClass,
                Fmt.num(m.get("ndcg@10")), Fmt.num(b.get("ndcg@10")), Fmt.num(m.get("auc")), Fmt.num(b.get("auc")),
                r.model() == null ? Fmt.NONE : r.model().version(), cost.wall(), cost.cpu(), cost.samplesPerSecond());
    }

    /** A run's cost as text (wall time, CPU time, peak memory, training throughput); "—" where not recorded. */
    record Cost(String wall, String cpu, String peakRss, String samplesPerSecond) {
        static Cost of(RunReport r) {
            RunReport.RunCost c = r.cost();
            if (c == null) return new Cost(Fmt.NONE, Fmt.NONE, Fmt.NONE, Fmt.NONE);
            return new Cost(Fmt.duration(c.wallMs()), Fmt.cpu(c.cpuMs()), Fmt.bytes(c.peakRssBytes()), Fmt.rate(c.trainSamplesPerSecond()));
        }
    }

    // ---------------------------------------------------------------- the run page

    /** One stage attempt as a bar: {@code left} and {@code width} in percent of the run's time span. */
    @TemplateData
    record StageBar(String name, int attempt, boolean retry, String status, String statusClass, String started,
                    String duration, String left, String width, String progress, String error, String cpu, String peakRss,
                    String peakHeap, String samplesPerSecond, String worker, String executor) {
    }

    @TemplateData
    record Cell(String value, String interval) {
    }

    @TemplateData
    record MetricRow(String name, List<Cell> cells) {
    }

    @TemplateData
    record CheckRow(String kind, String metric, String op, String threshold, String candidate, String champion,
                    String baseline, boolean passed, String detail) {
    }

    @TemplateData
    record ValidationRow(String name, String scope, String severity, boolean passed, String observed, String expected,
                         String previous, String detail) {
    }

    @TemplateData
    record Pair(String key, String value) {
    }

    @TemplateData
    record RunPage(long id, String status, String statusClass, boolean live, String trigger, String dataset,
                   String outcome, String error, String created, String started, String finished, String duration,
                   String progress, String eta, List<Pair> facts, List<StageBar> stages, boolean hasCurves,
                   String curvesJson, String bestEpoch, String selectionSeries, String validationSummary,
                   List<ValidationRow> validation, List<String> subjects, List<MetricRow> metrics,
                   List<String> baselineFits, String gateSummary,
                   String gateVerdict, String gateClass, List<CheckRow> checks, String modelVersion, List<Pair> artifacts,
                   List<Pair> config, boolean canCancel, boolean canResume, List<Pair> cost, String notice, String problem) {
    }

    static RunPage runPage(RunReport r, Curves curves, ObjectMapper json, String notice, String problem) {
        List<Pair> facts = new ArrayList<>();
        facts.add(new Pair("Trigger", Fmt.text(r.trigger())));
        facts.add(new Pair("Dataset", Fmt.text(r.dataset())));
        facts.add(new Pair("Split strategy", Fmt.text(r.splitStrategy())));
        facts.add(new Pair("Ranked test users", Fmt.text(r.rankedUsers())));
        facts.add(new Pair("Champion at start", Fmt.text(r.championVersion())));
        facts.add(new Pair("Prepared dataset from cache", r.cacheHit() == null ? Fmt.NONE : r.cacheHit() ? "yes" : "no"));
        facts.add(new Pair("Resumed", r.resumeCount() + " time" + (r.resumeCount() == 1 ? "" : "s")));
        if (r.stopRequested() != null) facts.add(new Pair("Stop requested", r.stopRequested()));

        String progress = "";
        for (StageView s : r.stages()) if ("RUNNING".equals(s.status()) && s.progress() != null) progress = s.name() + ": " + s.progress();
        if (progress.isEmpty() && !r.stages().isEmpty()) {
            StageView last = r.stages().get(r.stages().size() - 1);
            if (last.progress() != null) progress = last.name() + ": " + last.progress();
        }

        // metrics side by side: candidate, champion, every baseline
        List<String> subjects = new ArrayList<>();
        List<Map<String, Double>> columns = new ArrayList<>();
        List<Map<String, List<Double>>> ci = new ArrayList<>();
        Map<String, Map<String, List<Double>>> intervals = r.intervals() == null ? Map.of() : r.intervals();
        if (r.metrics() != null && !r.metrics().isEmpty()) {
            subjects.add("candidate");
            columns.add(r.metrics());
            ci.add(intervals.getOrDefault("model", Map.of()));
        }
        if (r.champion() != null && !r.champion().isEmpty()) {
            subjects.add("champion " + Fmt.text(r.championVersion()));
            columns.add(r.champion());
            ci.add(intervals.getOrDefault("champion", Map.of()));
        }
        if (r.baselines() != null) {
            r.baselines().forEach((name, values) -> {
                subjects.add("baseline: " + name);
                columns.add(values);
                ci.add(intervals.getOrDefault(name, Map.of()));
            });
        }
        Set<String> names = new LinkedHashSet<>();
        for (Map<String, Double> c : columns) names.addAll(c.keySet());
        List<MetricRow> metrics = new ArrayList<>();
        for (String n : names) {
            List<Cell> cells = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) cells.add(new Cell(Fmt.num(columns.get(i).get(n)), Fmt.interval(ci.get(i).get(n))));
            metrics.add(new MetricRow(n, cells));
        }

        List<String> baselineFits = new ArrayList<>();
        if (r.baselineFits() != null) r.baselineFits().forEach((name, fit) -> baselineFits.add(BaselineFits.describe(name, fit)));

        List<CheckRow> checks = new ArrayList<>();
        String gateSummary = "";
        String gateVerdict = "not gated yet";
        String gateClass = "";
        if (r.gate() != null) {
            gateSummary = Fmt.text(r.gate().summary());
            gateVerdict = Boolean.TRUE.equals(r.gate().passed()) ? "passed" : "failed";
            gateClass = Boolean.TRUE.equals(r.gate().passed()) ? "st-succeeded" : "st-failed";
            for (RunReport.CheckView c : r.gate().checks()) {
                checks.add(new CheckRow(Fmt.text(c.kind()), Fmt.text(c.metric()), Fmt.text(c.op()), Fmt.num(c.threshold()),
                        Fmt.num(c.candidate()), Fmt.num(c.champion()), Fmt.num(c.baseline()), c.passed(), Fmt.text(c.detail())));
            }
        }
        List<ValidationRow> validation = new ArrayList<>();
        String validationSummary = "Data validation has not run (yet) for this run.";
        if (r.validation() != null) {
            validationSummary = (r.validation().passed() ? "passed" : "failed") + ": " + r.validation().errors() + " error(s), "
                    + r.validation().warnings() + " warning(s)"
                    + (r.validation().comparedWithRun() == null ? "" : "; changes compared with run " + r.validation().comparedWithRun());
            for (RunReport.ValidationCheckView v : r.validation().checks()) {
                validation.add(new ValidationRow(v.name(), Fmt.text(v.scope()), Fmt.text(v.severity()), v.passed(),
                        Fmt.num(v.observed()), Fmt.text(v.expected()), Fmt.num(v.previous()), v.detail() == null ? "" : v.detail()));
            }
        }
        List<Pair> artifacts = new ArrayList<>();
        for (StageView s : r.stages()) {
            if (s.outputs() == null || !"SUCCEEDED".equals(s.status())) continue;
            s.outputs().forEach((k, v) -> artifacts.add(new Pair(s.name() + " · " + k, v)));
        }
        List<Pair> config = new ArrayList<>();
        if (r.config() != null) new TreeMap<>(r.config()).forEach((k, v) -> config.add(new Pair(k, Fmt.text(v))));

        String curvesJson = curvesJson(curves, json);
        boolean hasCurves = curves != null && !curves.epochs().isEmpty();
        String best = curves == null || curves.bestEpoch() == null ? Fmt.NONE : curves.bestEpoch().toString();
        return new RunPage(r.runId(), r.status(), Fmt.statusClass(r.status()), Fmt.live(r.status()), Fmt.text(r.trigger()),
                Fmt.text(r.dataset()), r.outcome() == null ? Fmt.NONE : r.outcome(), r.error() == null ? "" : r.error(),
                Fmt.time(r.createdAt()), Fmt.time(r.startedAt()), Fmt.time(r.finishedAt()),
                Fmt.duration(Fmt.between(r.startedAt(), r.finishedAt())), progress, Fmt.eta(progress), facts, bars(r),
                hasCurves, curvesJson, best, curves == null ? "" : curves.selectionSeries(), validationSummary, validation,
                subjects, metrics, baselineFits, gateSummary, gateVerdict, gateClass, checks,
                r.model() == null ? "" : r.model().version(), artifacts, config,
                canCancel(r), stopped(r), costFacts(r),
                notice == null ? "" : notice, problem == null ? "" : problem);
    }

    /** FAILED or CANCELLED: resume is offered. */
    private static boolean stopped(RunReport r) {
        return "FAILED".equals(r.status()) || "CANCELLED".equals(r.status());
    }

    /**
     * Cancel is offered while the run is live, and on a stopped run one of whose stage workers still runs detached (a
     * Kubernetes Job left going on when its orchestrator stopped: its attempt is still RUNNING).
     */
    static boolean canCancel(RunReport r) {
        return Fmt.live(r.status()) || stopped(r) && r.stages() != null && r.stages().stream()
                .anyMatch(s -> "RUNNING".equals(s.status()) && StageExecutor.KUBERNETES.equals(s.executor()));
    }

    /** The run's cost as facts: wall time and CPU time summed over its stage attempts, peak memory, train throughput. */
    static List<Pair> costFacts(RunReport r) {
        Cost c = Cost.of(r);
        return List.of(new Pair("Cost: wall time (all attempts)", c.wall()), new Pair("Cost: CPU time", c.cpu()),
                new Pair("Cost: peak RSS", c.peakRss()), new Pair("Cost: train samples/s", c.samplesPerSecond()));
    }

    static List<StageBar> bars(RunReport r) {
        Instant first = null;
        Instant last = null;
        Instant now = Instant.now();
        for (StageView s : r.stages()) {
            if (s.startedAt() == null) continue;
            if (first == null || s.startedAt().isBefore(first)) first = s.startedAt();
            Instant end = s.finishedAt() == null ? now : s.finishedAt();
            if (last == null || end.isAfter(last)) last = end;
        }
        double span = first == null ? 1 : Math.max(1, last.toEpochMilli() - first.toEpochMilli());
        List<StageBar> bars = new ArrayList<>();
        for (StageView s : r.stages()) {
            Long ms = s.durationMs() != null ? s.durationMs() : Fmt.between(s.startedAt(), s.finishedAt());
            double left = s.startedAt() == null || first == null ? 0 : (s.startedAt().toEpochMilli() - first.toEpochMilli()) / span * 100;
            double width = ms == null ? 0 : ms / span * 100;
            width = Math.max(0.6, Math.min(width, 100 - left));
            bars.add(new StageBar(s.name(), s.attempt(), s.attempt() > 1, s.status(), Fmt.statusClass(s.status()),
                    Fmt.time(s.startedAt()), Fmt.duration(ms), String.format(java.util.Locale.ROOT, "%.2f", left),
                    String.format(java.util.Locale.ROOT, "%.2f", width), s.progress() == null ? "" : s.progress(),
                    s.error() == null ? "" : s.error(), Fmt.cpu(s.cpuMs()), Fmt.bytes(s.peakRssBytes()),
                    Fmt.bytes(s.peakHeapBytes()), Fmt.rate(s.samplesPerSecond()),
                    s.worker() == null ? "" : s.worker(), s.executor() == null ? "" : s.executor()));
        }
        return bars;
    }

    /** The curves as the JSON the page's charts are drawn from ({@code <} escaped: it sits in a script element). */
    static String curvesJson(Curves c, ObjectMapper json) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runId", c == null ? null : c.runId());
        out.put("epochs", c == null ? List.of() : c.epochs());
        out.put("series", c == null ? Map.of() : c.series());
        out.put("bestEpoch", c == null ? null : c.bestEpoch());
        out.put("selection", c == null ? null : c.selectionSeries());
        return safeJson(out, json);
    }

    static String safeJson(Object o, ObjectMapper json) {
        try {
            return json.writeValueAsString(o).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- compare

    @TemplateData
    record CompareRow(String subject, String name, List<String> values, List<String> deltas) {
    }

    @TemplateData
    record ConfigDiffRow(String key, List<String> values) {
    }

    @TemplateData
    record ComparedRunView(long id, String status, String statusClass, String dataset, String version) {
    }

    @TemplateData
    record ComparePage(List<ComparedRunView> runs, List<ConfigDiffRow> config, List<CompareRow> metrics, String curvesJson,
                       String idsText, String problem) {
    }

    static ComparePage comparePage(RunReportService.MultiComparison c, ObjectMapper json, String idsText) {
        List<ComparedRunView> runs = new ArrayList<>();
        List<Map<String, Object>> curves = new ArrayList<>();
        for (RunReportService.ComparedRun r : c.runs()) {
            runs.add(new ComparedRunView(r.runId(), r.status(), Fmt.statusClass(r.status()), Fmt.text(r.dataset()),
                    Fmt.text(r.modelVersion())));
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("runId", r.runId());
            one.put("epochs", r.curves().epochs());
            one.put("series", r.curves().series());
            one.put("bestEpoch", r.curves().bestEpoch());
            one.put("selection", r.curves().selectionSeries());
            curves.add(one);
        }
        List<ConfigDiffRow> config = new ArrayList<>();
        for (RunReportService.ConfigRow d : c.configDifferences()) {
            config.add(new ConfigDiffRow(d.key(), d.values().stream().map(v -> v == null ? "(not set)" : v.toString()).toList()));
        }
        List<CompareRow> metrics = new ArrayList<>();
        for (RunReportService.MetricRow m : c.metrics()) {
            List<String> deltas = new ArrayList<>();
            for (int i = 1; i < m.differences().size(); i++) deltas.add(Fmt.signed(m.differences().get(i)));
            metrics.add(new CompareRow(m.subject(), m.name(), m.values().stream().map(Fmt::num).toList(), deltas));
        }
        return new ComparePage(runs, config, metrics, safeJson(curves, json), idsText, "");
    }
}
