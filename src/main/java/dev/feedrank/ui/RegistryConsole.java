package dev.feedrank.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedrank.orchestration.ScheduledRetraining;
import dev.feedrank.orchestration.ScheduledRetraining.ScheduleView;
import dev.feedrank.persistence.ModelAliasEntity;
import dev.feedrank.persistence.ModelVersionEntity;
import dev.feedrank.registry.BundleFiles;
import dev.feedrank.registry.ModelRegistry;
import dev.feedrank.registry.ModelRegistry.AliasMove;
import dev.feedrank.registry.RegistryException;
import dev.feedrank.rest.ErrorMappers;
import dev.feedrank.rest.Reasons;
import dev.feedrank.storage.ObjectStorage;
import dev.feedrank.ui.UiSession.Chrome;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The console's registry and schedule pages: model versions, a version with its manifest, an alias with its history,
 * and the operator forms promote / archive / rollback / suspend / resume, which call the same {@link ModelRegistry}
 * and {@link ScheduledRetraining} methods with the same rules ({@link Reasons}) as {@code /api}; a refused move shows
 * the registry's message on the page with the status the API would answer.
 */
@Path("/ui")
@Produces(MediaType.TEXT_HTML)
public class RegistryConsole {

    @CheckedTemplate(basePath = "ui", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance models(Chrome chrome, ModelsPage p);

        static native TemplateInstance model(Chrome chrome, ModelPage p);

        static native TemplateInstance alias(Chrome chrome, AliasPage p);

        static native TemplateInstance schedule(Chrome chrome, SchedulePage p);
    }

    @TemplateData
    record VersionRow(String version, long runId, String status, String statusClass, String aliases, String gate,
                      String auc, String ndcg, String created, String changed) {
    }

    @TemplateData
    record AliasRow(String alias, String version, String updated) {
    }

    @TemplateData
    record ModelsPage(List<VersionRow> versions, List<AliasRow> aliases, String notice) {
    }

    @TemplateData
    record ModelPage(VersionRow v, String bundlePrefix, String dataHash, List<RunPages.Pair> metrics, String manifest,
                     String manifestProblem, boolean archivable, boolean needsForce, String reason, String alias,
                     String notice, String problem) {
    }

    @TemplateData
    record MoveRow(String at, String action, String from, String to, String actor, String reason, boolean forced,
                   boolean automatic, String runId) {
    }

    @TemplateData
    record AliasPage(String alias, String version, String updated, List<MoveRow> history, boolean canRollback,
                     String reason, String notice, String problem) {
    }

    @TemplateData
    record SchedulePage(String pipeline, String cron, String next, boolean suspended, String changedAt, String changedBy,
                        String reason, String notice, String problem) {
    }

    @Inject
    ModelRegistry registry;
    @Inject
    ScheduledRetraining schedule;
    @Inject
    ObjectStorage storage;
    @Inject
    ObjectMapper json;
    @Inject
    UiSession session;

    private Response error(int status, String title, String message) {
        return RunConsole.html(status, RunConsole.Templates.error(session.chrome(""), title, message));
    }

    private static VersionRow row(ModelVersionEntity v) {
        List<String> aliases = ModelAliasEntity.<ModelAliasEntity>list("version", v.version).stream().map(a -> a.alias).sorted().toList();
        Map<String, Double> m = ModelRegistry.testMetrics(v.runId);
        String changed = v.statusChangedAt == null ? "" : Fmt.time(v.statusChangedAt) + " by " + Fmt.text(v.statusChangedBy)
                + (v.statusReason == null ? "" : ": " + v.statusReason);
        return new VersionRow(v.version, v.runId, v.status, Fmt.statusClass(v.status), String.join(", ", aliases),
                v.gatePassed ? "passed" : "failed", Fmt.num(m.get("auc")), Fmt.num(m.get("ndcg@10")), Fmt.time(v.createdAt), changed);
    }

    @GET
    @Path("models")
    public Response models(@QueryParam("notice") String notice) {
        ModelsPage page = QuarkusTransaction.requiringNew().call(() -> {
            List<VersionRow> versions = registry.versions().stream().map(RegistryConsole::row).toList();
            List<AliasRow> aliases = ModelAliasEntity.<ModelAliasEntity>listAll().stream()
                    .map(a -> new AliasRow(a.alias, a.version, Fmt.time(a.updatedAt))).toList();
            return new ModelsPage(versions, aliases, notice == null ? "" : notice);
        });
        return RunConsole.html(200, Templates.models(session.chrome("models"), page));
    }

    @GET
    @Path("models/{version}")
    public Response model(@PathParam("version") String version, @QueryParam("notice") String notice) {
        return modelPage(version, 200, notice, null, "", "production");
    }

    private Response modelPage(String version, int status, String notice, String problem, String reason, String alias) {
        var found = QuarkusTransaction.requiringNew().call(() -> registry.version(version).map(v -> {
            VersionRow row = row(v);
            List<RunPages.Pair> metrics = new ArrayList<>();
            ModelRegistry.testMetrics(v.runId).forEach((k, val) -> metrics.add(new RunPages.Pair(k, Fmt.num(val))));
            return new Object[]{row, v.bundlePrefix, v.dataHash, metrics, v.status};
        }));
        if (found.isEmpty()) return error(404, "No such model version", "There is no model version " + version + ".");
        Object[] f = found.get();
        VersionRow row = (VersionRow) f[0];
        String manifest = "";
        String manifestProblem = "";
        try {
            byte[] bytes = storage.get(f[1] + BundleFiles.MANIFEST);
            manifest = json.writerWithDefaultPrettyPrinter().writeValueAsString(json.readTree(bytes));
        } catch (Exception e) {
            manifestProblem = "The manifest could not be read from " + f[1] + BundleFiles.MANIFEST + ".";
        }
        String st = (String) f[4];
        @SuppressWarnings("unchecked")
        List<RunPages.Pair> metrics = (List<RunPages.Pair>) f[3];
        ModelPage page = new ModelPage(row, Fmt.text(f[1]), Fmt.text(f[2]), metrics, manifest, manifestProblem,
                row.aliases().isEmpty() && !"archived".equals(st), "rejected".equals(st) || "archived".equals(st),
                reason == null ? "" : reason, alias == null || alias.isBlank() ? "production" : alias,
                notice == null ? "" : notice, problem == null ? "" : problem);
        return RunConsole.html(status, Templates.model(session.chrome("models"), page));
    }

    @POST
    @Path("models/{version}/promote")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response promote(@PathParam("version") String version, @FormParam(UiSession.CSRF_FIELD) String csrf,
                            @FormParam("alias") String alias, @FormParam("reason") String reason, @FormParam("force") String force) {
        if (!session.csrfValid(csrf)) return RunConsole.csrfRefused(session);
        try {
            AliasMove move = registry.promote(version, alias, session.who(), Reasons.check(reason), force != null);
            return Response.seeOther(URI.create("/ui/aliases/" + RunConsole.enc(move.alias()) + "?notice="
                    + RunConsole.enc("Promoted " + version + " to " + move.alias() + (move.forced() ? " (forced)" : "") + "."))).build();
        } catch (RegistryException e) {
            return modelPage(version, ErrorMappers.status(e), null, e.getMessage(), reason, alias);
        } catch (WebApplicationException e) {
            return modelPage(version, e.getResponse().getStatus(), null, e.getMessage(), "", alias);
        }
    }

    @POST
    @Path("models/{version}/archive")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response archive(@PathParam("version") String version, @FormParam(UiSession.CSRF_FIELD) String csrf,
                            @FormParam("reason") String reason) {
        if (!session.csrfValid(csrf)) return RunConsole.csrfRefused(session);
        try {
            registry.archive(version, session.who(), reason == null ? null : Reasons.check(reason));
            return Response.seeOther(URI.create("/ui/models/" + RunConsole.enc(version) + "?notice=" + RunConsole.enc("Archived."))).build();
        } catch (RegistryException e) {
            return modelPage(version, ErrorMappers.status(e), null, e.getMessage(), "", null);
        } catch (WebApplicationException e) {
            return modelPage(version, e.getResponse().getStatus(), null, e.getMessage(), "", null);
        }
    }

    @GET
    @Path("aliases/{alias}")
    public Response alias(@PathParam("alias") String alias, @QueryParam("notice") String notice) {
        return aliasPage(alias, 200, notice, null, "");
    }

    private Response aliasPage(String alias, int status, String notice, String problem, String reason) {
        AliasPage page = QuarkusTransaction.requiringNew().call(() -> {
            ModelAliasEntity a = ModelAliasEntity.findById(alias);
            List<AliasMove> history = registry.history(alias);
            List<MoveRow> rows = new ArrayList<>();
            for (int i = history.size() - 1; i >= 0; i--) {
                AliasMove m = history.get(i);
                rows.add(new MoveRow(Fmt.time(m.at()), Fmt.text(m.action()), Fmt.text(m.from()), Fmt.text(m.to()),
                        Fmt.text(m.actor()), Fmt.text(m.reason()), m.forced(), m.automatic(), m.runId() == null ? "" : m.runId().toString()));
            }
            boolean canRollback = !history.isEmpty() && history.get(history.size() - 1).from() != null;
            return new AliasPage(alias, a == null ? Fmt.NONE : a.version, a == null ? Fmt.NONE : Fmt.time(a.updatedAt), rows,
                    canRollback, reason == null ? "" : reason, notice == null ? "" : notice, problem == null ? "" : problem);
        });
        if (page.history().isEmpty() && "—".equals(page.version()) && status == 200) {
            return error(404, "No such alias", "Alias " + alias + " has never pointed at a model version.");
        }
        return RunConsole.html(status, Templates.alias(session.chrome("models"), page));
    }

    @POST
    @Path("aliases/{alias}/rollback")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response rollback(@PathParam("alias") String alias, @FormParam(UiSession.CSRF_FIELD) String csrf,
                             @FormParam("reason") String reason) {
        if (!session.csrfValid(csrf)) return RunConsole.csrfRefused(session);
        try {
            AliasMove move = registry.rollback(alias, session.who(), reason == null ? null : Reasons.check(reason));
            return Response.seeOther(URI.create("/ui/aliases/" + RunConsole.enc(alias) + "?notice="
                    + RunConsole.enc("Rolled back to " + move.to() + "."))).build();
        } catch (RegistryException e) {
            return aliasPage(alias, ErrorMappers.status(e), null, e.getMessage(), reason);
        } catch (WebApplicationException e) {
            return aliasPage(alias, e.getResponse().getStatus(), null, e.getMessage(), "");
        }
    }

    // ---------------------------------------------------------------- schedule

    @GET
    @Path("schedule")
    public Response schedule(@QueryParam("notice") String notice) {
        return schedulePage(200, notice, null);
    }

    private Response schedulePage(int status, String notice, String problem) {
        ScheduleView v = schedule.view();
        boolean off = v.cron() == null || v.cron().isBlank() || "off".equalsIgnoreCase(v.cron().trim());
        SchedulePage page = new SchedulePage(Fmt.text(v.pipeline()), off ? "off (no cron configured)" : v.cron(),
                v.nextFireTime() == null ? (v.suspended() ? "none while suspended" : Fmt.NONE) : Fmt.time(v.nextFireTime()),
                v.suspended(), Fmt.time(v.changedAt()), Fmt.text(v.changedBy()), Fmt.text(v.reason()),
                notice == null ? "" : notice, problem == null ? "" : problem);
        return RunConsole.html(status, Templates.schedule(session.chrome("schedule"), page));
    }

    @POST
    @Path("schedule/{action: suspend|resume}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response changeSchedule(@PathParam("action") String action, @FormParam(UiSession.CSRF_FIELD) String csrf,
                                   @FormParam("reason") String reason) {
        if (!session.csrfValid(csrf)) return RunConsole.csrfRefused(session);
        try {
            String r = reason == null || reason.isBlank() ? null : Reasons.check(reason);
            if ("suspend".equals(action)) schedule.suspend(session.who(), r);
            else schedule.resume(session.who(), r);
        } catch (WebApplicationException e) {
            return schedulePage(e.getResponse().getStatus(), null, e.getMessage());
        }
        return Response.seeOther(URI.create("/ui/schedule?notice=" + RunConsole.enc("suspend".equals(action) ? "Schedule suspended." : "Schedule resumed."))).build();
    }
}
