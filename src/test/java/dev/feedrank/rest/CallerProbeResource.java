package dev.feedrank.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Test-only endpoint (it exists in the tests' application only): reports {@link CallerIdentity#who()}, injected
 * through the constructor as a real resource would, so the tests can see whom a request is attributed to.
 */
@Path("/api/test/caller")
public class CallerProbeResource {

    private final CallerIdentity caller;

    public CallerProbeResource(CallerIdentity caller) {
        this.caller = caller;
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String who() {
        return caller.who();
    }
}
