package dev.feedrank.rest;

import dev.feedrank.orchestration.ScheduledRetraining;
import dev.feedrank.orchestration.ScheduledRetraining.ScheduleView;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The retraining schedule: cron, next fire time, and a suspend switch persisted for every replica. */
@Path("/api/schedule")
@Produces(MediaType.APPLICATION_JSON)
public class ScheduleResource {

    /** Optional body of suspend and resume. */
    public record ScheduleChange(String reason) {
    }

    private final ScheduledRetraining schedule;
    private final CallerIdentity caller;

    public ScheduleResource(ScheduledRetraining schedule, CallerIdentity caller) {
        this.schedule = schedule;
        this.caller = caller;
    }

    @GET
    public ScheduleView get() {
        return schedule.view();
    }

    @POST
    @Path("suspend")
    @Consumes(MediaType.WILDCARD)
    public ScheduleView suspend(ScheduleChange body) {
        return schedule.suspend(caller.who(), body == null ? null : body.reason());
    }

    @POST
    @Path("resume")
    @Consumes(MediaType.WILDCARD)
    public ScheduleView resume(ScheduleChange body) {
        return schedule.resume(caller.who(), body == null ? null : body.reason());
    }
}
