package dev.feedrank.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.config.FeedrankConfig;
import dev.feedrank.config.RunConfigFactory;
import dev.feedrank.orchestration.RunLauncher;
import dev.feedrank.orchestration.RunStateException;
import dev.feedrank.rest.ErrorMappers;
import dev.feedrank.orchestration.RunStatus;
import dev.feedrank.orchestration.RunSummary;
import dev.feedrank.orchestration.Trigger;
import dev.feedrank.reporting.RunReport;
import dev.feedrank.reporting.RunReportService;
import dev.feedrank.ui.UiSession.Chrome;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The console's run pages: the runs table, a run, its live state (JSON), starting, cancelling and resuming, compare. */
@Path("/ui")
@Produces(MediaType.TEXT_HTML)
public class RunConsole {

    private static final Logger LOG = Logger.getLogger(RunConsole.class);
    static final int PAGE_SIZE = 20;

    @CheckedTemplate(basePath = "ui", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance runs(Chrome chrome, RunPages.RunsPage p);

        static native TemplateInstance run(Chrome chrome, RunPages.RunPage p);

        static native TemplateInstance compare(Chrome chrome, RunPages.ComparePage p);

        static native TemplateInstance start(Chrome chrome, StartForm p);

        static native TemplateInstance error(Chrome chrome, String title, String message);
    }

    @TemplateData
    record StartForm(String dataset, String overrides, boolean cache, String problem, List<String> families) {
    }

    @Inject
    RunReportService reports;
    @Inject
    RunLauncher launcher;
    @Inject
    UiSession session;
    @Inject
    ObjectMapper json;
    @Inject
    FeedrankConfig config;

    static Response html(int status, TemplateInstance page) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).header("Cache-Control", "no-store")
                .entity(page).build();
    }

    Response error(int status, String title, String message) {
        return html(status, Templates.error(session.chrome(""), title, message));
    }

    static Response csrfRefused(UiSession session) {
        return html(403, Templates.error(session.chrome(""), "Form refused",
                "This form did not carry this session's CSRF token (it was forged, or your session changed): nothing was done. "
                        + "Reload the page and submit it again."));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- runs table

    @GET
    @Path("runs")
    public Response runs(@QueryParam("status") String status, @QueryParam("dataset") String dataset,
                         @QueryParam("sort") String sort, @QueryParam("dir") String dir,
                         @QueryParam("page") @DefaultValue("0") int page, @QueryParam("notice") String notice) {
        String st = status == null ? "" : status.trim().toUpperCase(Locale.ROOT);
        if (!st.isEmpty()) {
            try {
                RunStatus.valueOf(st);
            } catch (IllegalArgumentException e) {
                return error(400, "Unknown status", "unknown status '" + status + "'; one of QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED");
            }
        }
        String ds = dataset == null ? "" : dataset.trim();
        String sortKey = sort != null && RunReportService.SORTABLE.containsKey(sort) ? sort : "";
        boolean asc = "asc".equals(dir);
        int p = Math.max(0, page);
        RunReportService.Page result = reports.list(st, ds, sortKey, asc, p, PAGE_SIZE);
        List<RunPages.RunRow> rows = result.items().stream().map(RunPages::row).toList();
        int pages = (int) Math.max(1, (result.total() + PAGE_SIZE - 1) / PAGE_SIZE);

        List<RunPages.Column> columns = new ArrayList<>();
        String[][] cols = {{"Run", "id"}, {"Status", "status"}, {"Trigger", "trigger"}, {"Dataset", "dataset"},
                {"Started (UTC)", "started"}, {"Duration", "duration"}, {"Gate", "gate"}, {"NDCG@10 model / pop.", "ndcg"},
                {"AUC model / pop.", "auc"}, {"Model version", "version"}, {"Wall · CPU", null}, {"Train samples/s", null}};
        for (String[] c : cols) {
            if (c[1] == null) {
                columns.add(new RunPages.Column(c[0], "", "", ""));
                continue;
            }
            boolean current = c[1].equals(sortKey) || (sortKey.isEmpty() && c[1].equals("id"));
            boolean currentAsc = current && (sortKey.isEmpty() ? false : asc);
            String nextDir = current && !currentAsc ? "asc" : "desc";
            String url = "/ui/runs?" + query(st, ds, c[1], nextDir, 0);
            columns.add(new RunPages.Column(c[0], url, current ? (currentAsc ? "ascending" : "descending") : "none",
                    current ? (currentAsc ? "▲" : "▼") : ""));
        }
        List<RunPages.Option> statuses = new ArrayList<>();
        statuses.add(new RunPages.Option("", "any status", st.isEmpty()));
        for (RunStatus s : RunStatus.values()) statuses.add(new RunPages.Option(s.name(), s.name(), s.name().equals(st)));
        List<RunPages.Option> datasets = new ArrayList<>();
        datasets.add(new RunPages.Option("", "any dataset", ds.isEmpty()));
        boolean found = false;
        for (String d : reports.datasets()) {
            datasets.add(new RunPages.Option(d, d, d.equals(ds)));
            found |= d.equals(ds);
        }
        if (!ds.isEmpty() && !found) datasets.add(new RunPages.Option(ds, ds, true));
        String prev = p > 0 ? "/ui/runs?" + query(st, ds, sortKey, dir, p - 1) : "";
        String next = p + 1 < pages ? "/ui/runs?" + query(st, ds, sortKey, dir, p + 1) : "";
        boolean anyLive = rows.stream().anyMatch(RunPages.RunRow::live);
        return html(200, Templates.runs(session.chrome("runs"), new RunPages.RunsPage(rows, columns, statuses, datasets, st, ds,
                sortKey, asc ? "asc" : "desc", p + 1, pages, result.total(), prev, next, anyLive, notice == null ? "" : notice)));
    }

    private static String query(String status, String dataset, String sort, String dir, int page) {
        StringBuilder q = new StringBuilder();
        if (!status.isEmpty()) q.append("status=").append(enc(status)).append('&');
        if (!dataset.isEmpty()) q.append("dataset=").append(enc(dataset)).append('&');
        if (sort != null && !sort.isEmpty()) q.append("sort=").append(enc(sort)).append("&dir=").append("asc".equals(dir) ? "asc" : "desc").append('&');
        q.append("page=").append(page);
        return q.toString();
    }

    // ---------------------------------------------------------------- one run

    @GET
    @Path("runs/{id}")
    public Response run(@PathParam("id") long id, @QueryParam("notice") String notice) {
        return runPage(id, 200, notice, null);
    }

    private Response runPage(long id, int status, String notice, String problem) {
        var report = reports.report(id);
        if (report.isEmpty()) return error(404, "No such run", "There is no run " + id + ".");
        var curves = reports.curves(id).orElse(null);
        return html(status, Templates.run(session.chrome("runs"), RunPages.runPage(report.get(), curves, json, notice, problem)));
    }

    /** What the run page polls while the run is live: status, the progress line and ETA, stage attempts, curves. */
    @GET
    @Path("runs/{id}/live")
    @Produces(MediaType.APPLICATION_JSON)
    public Response live(@PathParam("id") long id) {
        var report = reports.report(id);
        if (report.isEmpty()) return Response.status(404).type(MediaType.APPLICATION_JSON).entity(Map.of("message", "no run " + id)).build();
        RunReport r = report.get();
        var page = RunPages.runPage(r, reports.curves(id).orElse(null), json, null, null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runId", id);
        out.put("status", r.status());
        out.put("live", Fmt.live(r.status()));
        out.put("progress", page.progress());
        out.put("eta", page.eta());
        out.put("duration", page.duration());
        List<Map<String, Object>> stages = new ArrayList<>();
        for (RunPages.StageBar b : page.stages()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", b.name());
            s.put("attempt", b.attempt());
            s.put("status", b.status());
            s.put("duration", b.duration());
            s.put("left", b.left());
            s.put("width", b.width());
            s.put("cpu", b.cpu());
            s.put("peakRss", b.peakRss());
            s.put("peakHeap", b.peakHeap());
            s.put("samplesPerSecond", b.samplesPerSecond());
            stages.add(s);
        }
        out.put("stages", stages);
        out.put("curves", page.curvesJson());
        return Response.ok(out, MediaType.APPLICATION_JSON_TYPE).header("Cache-Control", "no-store").build();
    }

    @POST
    @Path("runs/{id}/cancel")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response cancel(@PathParam("id") long id, @FormParam(UiSession.CSRF_FIELD) String csrf) {
        if (!session.csrfValid(csrf)) return csrfRefused(session);
        String done;
        try {
            done = launcher.cancel(id, session.who());
        } catch (RunStateException e) {
            return runPage(id, ErrorMappers.status(e), null, e.getMessage());
        }
        return Response.seeOther(URI.create("/ui/runs/" + id + "?notice="
                + enc(Character.toUpperCase(done.charAt(0)) + done.substring(1) + "."))).build();
    }

    @POST
    @Path("runs/{id}/resume")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response resume(@PathParam("id") long id, @FormParam(UiSession.CSRF_FIELD) String csrf) {
        if (!session.csrfValid(csrf)) return csrfRefused(session);
        try {
            launcher.resume(id, false);
        } catch (RunStateException e) {
            return runPage(id, ErrorMappers.status(e), null, e.getMessage());
        }
        LOG.infof("run %d resumed from the console by %s", id, session.who());
        return Response.seeOther(URI.create("/ui/runs/" + id + "?notice=" + enc("Resumed."))).build();
    }

    // ---------------------------------------------------------------- start a run

    @GET
    @Path("runs/new")
    public Response startForm() {
        return html(200, Templates.start(session.chrome("start"), new StartForm(config.dataset(), "", true, "", RunConfigFactory.RUN_OVERRIDABLE)));
    }

    /**
     * Starts a run as {@code POST /api/runs} does: the same override families ({@code RunConfigFactory.requireRunOverridable}),
     * the dataset allow-list (checked by the launcher before a run is recorded), 409 when the pipeline is busy.
     */
    @POST
    @Path("runs")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response start(@FormParam(UiSession.CSRF_FIELD) String csrf, @FormParam("dataset") String dataset,
                          @FormParam("overrides") String overridesText, @FormParam("cache") String cache) {
        if (!session.csrfValid(csrf)) return csrfRefused(session);
        boolean useCache = cache != null;
        String text = overridesText == null ? "" : overridesText;
        StartForm again = new StartForm(dataset == null ? "" : dataset, text, useCache, "", RunConfigFactory.RUN_OVERRIDABLE);
        Map<String, String> overrides = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : text.split("\r?\n")) {
            lineNo++;
            String l = line.trim();
            if (l.isEmpty() || l.startsWith("#")) continue;
            int eq = l.indexOf('=');
            if (eq <= 0) return startProblem(again, "line " + lineNo + ": expected key=value, got '" + abbreviate(l) + "'");
            overrides.put(l.substring(0, eq).trim(), l.substring(eq + 1).trim());
        }
        try {
            RunConfigFactory.requireRunOverridable(overrides);
            if (!useCache) overrides.put("cache", "false");
            RunSummary s = launcher.submit(Trigger.API, dataset == null || dataset.isBlank() ? null : dataset.trim(), overrides);
            LOG.infof("run %d requested through the console by %s: %s", s.runId(), session.who(), s.status());
            if (s.status() == RunStatus.SKIPPED) {
                return html(409, Templates.start(session.chrome("start"), new StartForm(again.dataset(), again.overrides(), useCache,
                        "Run " + s.runId() + " was skipped: " + s.error(), RunConfigFactory.RUN_OVERRIDABLE)));
            }
            return Response.seeOther(URI.create("/ui/runs/" + s.runId() + "?notice=" + enc("Run " + s.runId() + " started."))).build();
        } catch (IllegalArgumentException e) {
            return startProblem(again, e.getMessage());
        }
    }

    private Response startProblem(StartForm form, String problem) {
        return html(400, Templates.start(session.chrome("start"), new StartForm(form.dataset(), form.overrides(), form.cache(),
                problem, RunConfigFactory.RUN_OVERRIDABLE)));
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    // ---------------------------------------------------------------- compare

    /** Two or more runs: {@code ?run=3&run=5} (or {@code ?ids=3,5}). */
    @GET
    @Path("compare")
    public Response compare(@QueryParam("run") List<String> runParams, @QueryParam("ids") String idsParam) {
        List<Long> ids = new ArrayList<>();
        List<String> raw = new ArrayList<>(runParams == null ? List.of() : runParams);
        if (idsParam != null) raw.addAll(List.of(idsParam.split("[,\\s]+")));
        for (String r : raw) {
            if (r == null || r.isBlank()) continue;
            try {
                long id = Long.parseLong(r.trim());
                if (!ids.contains(id)) ids.add(id);
            } catch (NumberFormatException e) {
                return error(400, "Bad run id", "'" + r + "' is not a run id.");
            }
        }
        // ticked on the runs table (newest first): the oldest run is the reference; typed ids keep their order
        if (idsParam == null || idsParam.isBlank()) java.util.Collections.sort(ids);
        String idsText = String.join(", ", ids.stream().map(String::valueOf).toList());
        if (ids.size() < 2) {
            RunPages.ComparePage empty = new RunPages.ComparePage(List.of(), List.of(), List.of(), "[]", idsText,
                    ids.isEmpty() ? "" : "Pick at least two runs to compare.");
            return html(200, Templates.compare(session.chrome("compare"), empty));
        }
        if (ids.size() > 8) return error(400, "Too many runs", "Compare at most 8 runs at a time.");
        var c = reports.compare(ids);
        if (c.isEmpty()) return error(404, "No such run", "One of the runs " + idsText + " does not exist.");
        return html(200, Templates.compare(session.chrome("compare"), RunPages.comparePage(c.get(), json, idsText)));
    }
}
