package dev.feedrank.rest;

import io.quarkus.oidc.IdTokenCredential;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * {@code /api} takes bearer tokens only. The console's single sign-on session (quarkus-oidc's code flow, an encrypted
 * cookie with {@code Path=/ui}) is never sent there by a browser, but a client that sends it on purpose would otherwise
 * be authenticated by it: refused with 401 and the Bearer challenge, so {@code /api}'s protection against cross-site
 * requests stays "no ambient credentials" whatever mechanisms the app has.
 */
public class BearerOnlyApi {

    private final SecurityIdentity identity;

    public BearerOnlyApi(SecurityIdentity identity) {
        this.identity = identity;
    }

    @ServerRequestFilter
    public Response refuseConsoleSessions(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        boolean api = path.equals("/api") || path.startsWith("/api/");
        if (api && identity != null && !identity.isAnonymous() && identity.getCredential(IdTokenCredential.class) != null) {
            return Response.status(Response.Status.UNAUTHORIZED).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
        }
        return null;
    }
}
