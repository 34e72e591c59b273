package dev.feedrank.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/**
 * Test-only endpoint (it exists in the tests' application only) that fails with an unexpected exception whose message
 * holds {@link #SECRET}: {@code SecurityTest} checks that a 500 shows neither the message nor the exception class.
 */
@Path("/api/test/failing")
public class FailingProbeResource {

    static final String SECRET = "internal-detail-5bd1";

    @GET
    public String fail() {
        throw new IllegalStateException("database password is " + SECRET);
    }
}
