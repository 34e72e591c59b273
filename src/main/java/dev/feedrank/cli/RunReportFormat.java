package dev.feedrank.cli;

import dev.feedrank.reporting.BaselineFits;
import dev.feedrank.reporting.RunReport;
import dev.feedrank.reporting.RunReport.CheckView;
import dev.feedrank.reporting.RunReport.StageView;
import dev.feedrank.reporting.RunReport.ValidationCheckView;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The CLI's two renderings of a run: a readable summary, and the one-object JSON of {@code run --json}. */
public final class RunReportFormat {

    private RunReportFormat() {
    }

    /**
     * {@code {runId, status, error, stages, metrics, baseline, baselines, skippedBaselines, baselineFits, intervals,
     * rankedUsers, splitStrategy, gate, model}}; status is SUCCEEDED, CANCELLED or FAILED. {@code baselineFits}: what
     * each strong baseline fitted ({@link dev.feedrank.reporting.RunReport#baselineFits()}). {@code baseline} is the popularity
     * baseline (kept for compatibility), {@code baselines} every computed baseline by name ({@code popularity},
     * {@code puresvd}, {@code ease}); a skipped baseline is absent from it and named in {@code skippedBaselines}.
     * {@code intervals}: subject ({@code model}, {@code champion}, a baseline name) → metric → {@code [low, high]}.
     * Each stage attempt carries its cost ({@code cpuMs}, {@code peakRssBytes}, {@code peakHeapBytes},
     * {@code samplesPerSecond}: null where not measured, samples/s for train only), and {@code cost} the run's
     * ({@code wallMs}, {@code cpuMs}, {@code peakRssBytes}, {@code trainSamplesPerSecond}).
     */
    public static Map<String, Object> cliJson(RunReport r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runId", r.runId());
        out.put("status", "SUCCEEDED".equals(r.status()) || "CANCELLED".equals(r.status()) ? r.status() : "FAILED");
        out.put("resumeCount", r.resumeCount());
        out.put("cacheHit", r.cacheHit());
        out.put("error", r.error());
        List<Map<String, Object>> stages = new ArrayList<>();
        for (StageView s : r.stages()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("attempt", s.attempt());
            m.put("status", s.status());
            m.put("durationMs", s.durationMs());
            m.put("error", s.error());
            m.put("cpuMs", s.cpuMs());
            m.put("peakRssBytes", s.peakRssBytes());
            m.put("peakHeapBytes", s.peakHeapBytes());
            m.put("samplesPerSecond", s.samplesPerSecond());
            m.put("executor", s.executor());
            m.put("worker", s.worker());
            m.put("workerPid", s.workerPid());
            stages.add(m);
        }
        out.put("stages", stages);
        RunReport.RunCost cost = r.cost() == null ? RunReport.RunCost.of(r.stages()) : r.cost();
        Map<String, Object> costJson = new LinkedHashMap<>();
        costJson.put("wallMs", cost.wallMs());
        costJson.put("cpuMs", cost.cpuMs());
        costJson.put("peakRssBytes", cost.peakRssBytes());
        costJson.put("trainSamplesPerSecond", cost.trainSamplesPerSecond());
        out.put("cost", costJson);
        out.put("metrics", r.metrics());
        out.put("baseline", r.baseline());
        out.put("championVersion", r.championVersion());
        out.put("champion", r.champion());
        out.put("baselines", r.baselines() == null ? Map.of() : r.baselines());
        out.put("skippedBaselines", r.skippedBaselines() == null ? List.of() : r.skippedBaselines());
        out.put("baselineFits", r.baselineFits() == null ? Map.of() : r.baselineFits());
        out.put("intervals", r.intervals() == null ? Map.of() : r.intervals());
        out.put("rankedUsers", r.rankedUsers());
        out.put("splitStrategy", r.splitStrategy());
        Map<String, Object> gate = new LinkedHashMap<>();
        gate.put("passed", r.gate() == null ? null : r.gate().passed());
        gate.put("summary", r.gate() == null ? null : r.gate().summary());
        List<Map<String, Object>> checks = new ArrayList<>();
        if (r.gate() != null) {
            for (CheckView c : r.gate().checks()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("metric", c.metric());
                m.put("op", c.op());
                m.put("threshold", c.threshold());
                m.put("direction", c.direction());
                m.put("candidate", c.candidate());
                m.put("champion", c.champion());
                m.put("baseline", c.baseline());
                m.put("passed", c.passed());
                m.put("kind", c.kind());
                checks.add(m);
            }
        }
        gate.put("checks", checks);
        out.put("gate", gate);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("version", r.model() == null ? null : r.model().version());
        model.put("promoted", r.model() != null && r.model().promoted());
        model.put("artifacts", r.model() == null ? List.of() : r.model().artifacts());
        out.put("model", model);
        Map<String, Object> training = new java.util.TreeMap<>();
        if (r.config() != null) r.config().forEach((k, v) -> {
            if (k.startsWith("train.")) training.put(k.substring("train.".length()), v);
        });
        out.put("training", training);
        if (r.validation() != null) {
            Map<String, Object> validation = new LinkedHashMap<>();
            validation.put("passed", r.validation().passed());
            validation.put("comparedWithRun", r.validation().comparedWithRun());
            validation.put("checks", r.validation().checks());
            out.put("validation", validation);
        }
        return out;
    }

    /** Prints a finished run as {@code run} and {@code resume} do; the exit code: 0 succeeded, 1 otherwise. */
    static int print(RunReport r, boolean json, com.fasterxml.jackson.databind.ObjectMapper mapper) throws java.io.IOException {
        if (json) System.out.println(mapper.writeValueAsString(cliJson(r)));
        else System.out.print(text(r));
        System.out.flush();
        return "SUCCEEDED".equals(r.status()) ? 0 : 1;
    }

    public static String text(RunReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "run %d  %s  (trigger %s, dataset %s)%n", r.runId(), r.status(), r.trigger(), r.dataset()));
        if (r.error() != null) sb.append("error: ").append(r.error()).append('\n');
        sb.append("\nstages\n");
        for (StageView s : r.stages()) {
            sb.append(String.format(Locale.ROOT, "  %-13s %-9s attempt %d  %8s%s%s%n", s.name(), s.status(), s.attempt(),
                    s.durationMs() == null ? "-" : String.format(Locale.ROOT, "%.1fs", s.durationMs() / 1000.0),
                    s.worker() == null ? "" : "  [" + s.executor() + " " + s.worker() + "]",
                    s.error() == null ? "" : "  " + s.error()));
        }
        sb.append(costTable(r));
        if (r.validation() != null) {
            sb.append(String.format(Locale.ROOT, "%ndata validation: %s (%d checks, %d failed, %d warnings%s)%n",
                    r.validation().passed() ? "PASSED" : "FAILED", r.validation().checks().size(), r.validation().errors(),
                    r.validation().warnings(), r.validation().comparedWithRun() == null ? ""
                            : ", compared with run " + r.validation().comparedWithRun()));
            for (ValidationCheckView c : r.validation().checks()) {
                if (c.passed()) continue;
                sb.append(String.format(Locale.ROOT, "  %-7s %-28s observed %s, expected %s%s%n",
                        "error".equals(c.severity()) ? "FAIL" : "WARN",
                        c.scope() == null ? c.name() : c.name() + "[" + c.scope() + "]", fmtValue(c.observed()),
                        c.expected(), c.previousRunId() == null ? ""
                                : ", previous " + fmtValue(c.previous()) + " (run " + c.previousRunId() + ")"));
                if (c.detail() != null) sb.append("          ").append(c.detail()).append('\n');
            }
        }
        if (!r.metrics().isEmpty()) sb.append(metricsTable(r));
        if (r.gate() != null) {
            sb.append("\ngate: ").append(Boolean.TRUE.equals(r.gate().passed()) ? "PASSED" : "FAILED");
            if (r.gate().summary() != null) sb.append(" (").append(r.gate().summary()).append(')');
            sb.append('\n');
            sb.append(String.format(Locale.ROOT, "  %-6s %-24s %-18s %-6s %-3s %10s %10s %10s %10s%n",
                    "result", "check", "metric", "better", "op", "threshold", "candidate", "champion", "baseline"));
            for (CheckView c : r.gate().checks()) {
                sb.append(String.format(Locale.ROOT, "  %-6s %-24s %-18s %-6s %-3s %10s %10s %10s %10s%n",
                        c.passed() ? "pass" : "FAIL", c.kind(), c.metric(), c.direction() == null ? "" : c.direction(),
                        c.op(), fmt(c.threshold()), fmt(c.candidate()), fmt(c.champion()), fmt(c.baseline())));
                if (!c.passed() && c.detail() != null) sb.append("         ").append(c.detail()).append('\n');
            }
        }
        if (r.model() != null) {
            sb.append("\nmodel ").append(r.model().version()).append(": ")
                    .append(r.model().promoted() ? "PROMOTED to production" : "not promoted (" + r.model().status() + ")").append('\n');
            sb.append("artifacts\n");
            for (String a : r.model().artifacts()) sb.append("  ").append(a).append('\n');
        }
        return sb.toString();
    }

    /**
     * One line per stage attempt with what it cost (wall and CPU seconds, peak RSS and heap in MB, samples/s) and the
     * run's total; empty when no attempt was measured (runs recorded before run cost existed).
     */
    static String costTable(RunReport r) {
        boolean measured = r.stages().stream().anyMatch(s -> s.cpuMs() != null || s.peakRssBytes() != null || s.peakHeapBytes() != null);
        if (!measured) return "";
        StringBuilder sb = new StringBuilder();
        String format = "  %-13s %-7s %8s %8s %12s %13s %10s%n";
        sb.append(String.format(Locale.ROOT, "%ncost%n"));
        sb.append(String.format(Locale.ROOT, format, "stage", "attempt", "wall s", "CPU s", "peak RSS MB", "peak heap MB", "samples/s"));
        for (StageView s : r.stages()) {
            sb.append(String.format(Locale.ROOT, format, s.name(), s.attempt(), seconds(s.durationMs()), seconds(s.cpuMs()),
                    megabytes(s.peakRssBytes()), megabytes(s.peakHeapBytes()), rate(s.samplesPerSecond())));
        }
        RunReport.RunCost c = r.cost() == null ? RunReport.RunCost.of(r.stages()) : r.cost();
        sb.append(String.format(Locale.ROOT, format, "run", "", seconds(c.wallMs()), seconds(c.cpuMs()),
                megabytes(c.peakRssBytes()), "", rate(c.trainSamplesPerSecond())));
        return sb.toString();
    }

    private static String seconds(Long ms) {
        return ms == null ? "-" : String.format(Locale.ROOT, "%.1f", ms / 1000.0);
    }

    private static String megabytes(Long bytes) {
        return bytes == null ? "-" : String.format(Locale.ROOT, "%.0f", bytes / (1024.0 * 1024.0));
    }

    private static String rate(Double perSecond) {
        return perSecond == null ? "-" : String.format(Locale.ROOT, "%.0f", perSecond);
    }

    /** Candidate metrics that get a line of their own instead of a table row. */
    private static final java.util.Set<String> OWN_LINE = java.util.Set.of("ranked_users", "eligible_users", "churn@10");

    /**
     * The test metrics: candidate (with its 95% interval), champion and every computed baseline side by side, then
     * the split and the number of ranked users, churn@10 against the champion, and any skipped baseline.
     */
    private static String metricsTable(RunReport r) {
        StringBuilder sb = new StringBuilder();
        Map<String, Map<String, Double>> baselines = new LinkedHashMap<>();
        if (r.baselines() != null && !r.baselines().isEmpty()) baselines.putAll(r.baselines());
        else if (r.baseline() != null && !r.baseline().isEmpty()) baselines.put("popularity", r.baseline());
        Map<String, List<Double>> candidateIntervals = r.intervals() == null ? Map.of()
                : r.intervals().getOrDefault("model", Map.of());
        Map<String, Double> champion = r.champion() == null ? Map.of() : r.champion();
        sb.append(String.format(Locale.ROOT, "%n%-24s %-24s %10s", "metrics (test split)", "candidate [95% interval]", "champion"));
        for (String name : baselines.keySet()) sb.append(String.format(Locale.ROOT, "  %10s", name));
        sb.append('\n');
        for (var e : r.metrics().entrySet()) {
            if (OWN_LINE.contains(e.getKey())) continue;
            List<Double> ci = candidateIntervals.get(e.getKey());
            String candidate = fmt(e.getValue()) + (ci == null || ci.size() != 2 ? ""
                    : String.format(Locale.ROOT, " [%.3f,%.3f]", ci.get(0), ci.get(1)));
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-22s %-24s %10s", e.getKey(), candidate,
                    fmtOrBlank(champion.get(e.getKey()))));
            for (Map<String, Double> b : baselines.values()) row.append(String.format(Locale.ROOT, "  %10s", fmtOrBlank(b.get(e.getKey()))));
            sb.append(row.toString().stripTrailing()).append('\n');
        }
        sb.append("  split ").append(r.splitStrategy() == null ? "global-time" : r.splitStrategy());
        Double users = r.rankedUsers() != null ? Double.valueOf(r.rankedUsers()) : r.metrics().get("ranked_users");
        if (users != null) sb.append(", ").append(users.longValue()).append(" users ranked");
        Double eligible = r.metrics().get("eligible_users");
        if (users != null && eligible != null && eligible > users) {
            sb.append(" (a seeded sample of ").append(eligible.longValue()).append(" eligible, eval.max-users)");
        }
        sb.append(r.championVersion() == null ? "; no champion" : "; champion " + r.championVersion()).append('\n');
        Double churn = r.metrics().get("churn@10");
        if (churn != null) {
            sb.append(String.format(Locale.ROOT, "  churn@10 %.4f (1 - mean Jaccard of the candidate's and the champion's top-10 lists)%n", churn));
        }
        if (r.baselineFits() != null) {
            r.baselineFits().forEach((name, fit) -> sb.append("  fitted ").append(BaselineFits.describe(name, fit)).append('\n'));
        }
        if (r.skippedBaselines() != null && !r.skippedBaselines().isEmpty()) {
            sb.append("  baselines skipped: ").append(String.join(", ", r.skippedBaselines()))
                    .append(" (the reason is in the evaluate stage's log)\n");
        }
        return sb.toString();
    }

    /** A count as an integer, any other value with 4 decimals. */
    private static String fmtValue(Double d) {
        if (d == null) return "-";
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf(d.longValue()) : fmt(d);
    }

    private static String fmtOrBlank(Double d) {
        return d == null ? "" : fmt(d);
    }

    private static String fmt(Double d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.4f", d);
    }
}
