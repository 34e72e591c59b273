package dev.feedrank.rest;

import dev.feedrank.config.RunConfigFactory;
import dev.feedrank.orchestration.RunLauncher;
import dev.feedrank.orchestration.RunStatus;
import dev.feedrank.orchestration.RunSummary;
import dev.feedrank.orchestration.Trigger;
import dev.feedrank.reporting.RunReport;
import dev.feedrank.reporting.RunReportService;
import jakarta.ws.rs.*;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;

@Path("/api/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {

    private static final Logger LOG = Logger.getLogger(RunResource.class);

    /** Body of {@code POST /api/runs}; all fields optional. {@code cache: false} recomputes the prepared dataset. */
    public record StartRunRequest(String dataset, Map<String, String> overrides, Boolean cache) {
    }

    private final RunLauncher launcher;
    private final RunReportService reports;
    private final CallerIdentity caller;

    public RunResource(RunLauncher launcher, RunReportService reports, CallerIdentity caller) {
        this.launcher = launcher;
        this.reports = reports;
        this.caller = caller;
    }

    /**
     * Continues a FAILED, CANCELLED or interrupted run from its first unfinished stage (completed stages are
     * reused; training continues from its last checkpoint): 202, 404 unknown run, 409 when the run is not
     * resumable or the pipeline is busy.
     */
    @POST
    @Path("{id}/resume")
    public Response resume(@PathParam("id") long id) {
        RunSummary s = launcher.resume(id, false);
        return Response.accepted(Map.of("runId", s.runId(), "status", s.status().name())).build();
    }

    /** Asks a queued or running run to stop (training stops between batches and checkpoints): 202, 404, 409 when it already ended. */
    @POST
    @Path("{id}/cancel")
    public Response cancel(@PathParam("id") long id) {
        String done = launcher.cancel(id, caller.who());
        return Response.accepted(Map.of("runId", id, "message", done)).build();
    }

    /** Starts a run in the background: 202 with its id, or 409 when another run is in progress (recorded as skipped). */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(StartRunRequest request) {
        StartRunRequest r = request == null ? new StartRunRequest(null, null, null) : request;
        Map<String, String> overrides = new LinkedHashMap<>(r.overrides() == null ? Map.of() : r.overrides());
        RunConfigFactory.requireRunOverridable(overrides); // runs.*, storage.*, auth.* ... are process configuration
        if (r.cache() != null) overrides.put("cache", r.cache().toString());
        RunSummary s = launcher.submit(Trigger.API, r.dataset(), overrides);
        LOG.infof("run %d requested through the API by %s: %s", s.runId(), caller.who(), s.status());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("runId", s.runId());
        body.put("status", s.status().name());
        if (s.status() == RunStatus.SKIPPED) {
            body.put("message", "skipped: " + s.error());
            return Response.status(Response.Status.CONFLICT).entity(body).build();
        }
        return Response.accepted(body).build();
    }

    @GET
    public RunReportService.Page list(@QueryParam("status") String status,
                                      @QueryParam("page") @DefaultValue("0") int page,
                                      @QueryParam("size") @DefaultValue("20") int size) {
        if (page < 0 || size < 1 || size > 500) throw new BadRequestException("page must be >= 0 and size within 1..500");
        if (status != null && !status.isBlank()) {
            try {
                RunStatus.valueOf(status.toUpperCase());
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("unknown status '" + status + "'; one of QUEUED, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED");
            }
        }
        return reports.list(status, page, size);
    }

    /** Metrics of runs a and b side by side with differences (b - a), and the config keys that differ. */
    @GET
    @Path("compare")
    public RunReportService.Comparison compare(@QueryParam("a") Long a, @QueryParam("b") Long b) {
        if (a == null || b == null) throw new BadRequestException("compare needs two run ids: ?a=<run id>&b=<run id>");
        return reports.compare(a, b).orElseThrow(() -> new NotFoundException("no run " + a + " or no run " + b));
    }

    @GET
    @Path("{id}")
    public RunReport get(@PathParam("id") long id) {
        return reports.report(id).orElseThrow(() -> new NotFoundException("no run " + id));
    }

    @GET
    @Path("{id}/metrics")
    public Map<String, Object> metrics(@PathParam("id") long id) {
        return reports.metrics(id).orElseThrow(() -> new NotFoundException("no run " + id));
    }
}
