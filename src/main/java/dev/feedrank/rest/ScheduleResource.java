package dev.feedrank.rest;

import dev.feedrank.orchestration.ScheduledRetraining;
import dev.feedrank.orchestration.ScheduledRetraining.ScheduleView;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.BadRequestException;
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

    /** Optional body of suspend and resume: {@code {"reason": "..."}}. */
    public record ScheduleChange(String reason) {
    }

    private final ScheduledRetraining schedule;
    private final CallerIdentity caller;
    private final ObjectMapper json;

    public ScheduleResource(ScheduledRetraining schedule, CallerIdentity caller, ObjectMapper json) {
        this.schedule = schedule;
        this.caller = caller;
        this.json = json;
    }

    /** The reason from an optional JSON body (an empty body is fine). */
    private String reason(String body) {
        if (body == null || body.isBlank()) return null;
        try {
            return Reasons.check(json.readValue(body, ScheduleChange.class).reason());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequestException("malformed JSON body: " + e.getOriginalMessage());
        }
    }

    @GET
    public ScheduleView get() {
        return schedule.view();
    }

    @POST
    @Path("suspend")
    @Consumes(MediaType.WILDCARD)
    public ScheduleView suspend(String body) {
        return schedule.suspend(caller.who(), reason(body));
    }

    @POST
    @Path("resume")
    @Consumes(MediaType.WILDCARD)
    public ScheduleView resume(String body) {
        return schedule.resume(caller.who(), reason(body));
    }
}
