package dev.feedrank.cli;

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

    /** {@code {runId, status, error, stages, metrics, baseline, gate, model}}; status is SUCCEEDED, CANCELLED or FAILED. */
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
            stages.add(m);
        }
        out.put("stages", stages);
        out.put("metrics", r.metrics());
        out.put("baseline", r.baseline());
        out.put("championVersion", r.championVersion());
        out.put("champion", r.champion());
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
            sb.append(String.format(Locale.ROOT, "  %-13s %-9s attempt %d  %8s%s%n", s.name(), s.status(), s.attempt(),
                    s.durationMs() == null ? "-" : String.format(Locale.ROOT, "%.1fs", s.durationMs() / 1000.0),
                    s.error() == null ? "" : "  " + s.error()));
        }
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
        if (!r.metrics().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nmetrics (test split)      candidate   champion   baseline%s%n",
                    r.championVersion() == null ? "" : "   (champion " + r.championVersion() + ")"));
            for (var e : r.metrics().entrySet()) {
                sb.append(String.format(Locale.ROOT, "  %-22s %10s %10s %10s%n", e.getKey(), fmt(e.getValue()),
                        fmtOrBlank(r.champion().get(e.getKey())), fmtOrBlank(r.baseline().get(e.getKey()))));
            }
        }
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
