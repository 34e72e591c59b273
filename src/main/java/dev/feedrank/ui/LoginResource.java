package dev.feedrank.ui;

import dev.feedrank.rest.CallerIdentity;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import java.net.URI;
import java.util.Set;

/**
 * Signing in to the console: a user pastes a bearer token once (or opens the URL {@code --local} prints); the token
 * is verified exactly as {@code /api} verifies a bearer header (smallrye-jwt's parser with the same key and issuer),
 * must carry role viewer or operator, and is then kept in the {@value UiSession#COOKIE} cookie ({@code HttpOnly;
 * SameSite=Strict; Path=/ui}, {@code Secure} over https, expiring with the token), which smallrye-jwt reads like the
 * header ({@code mp.jwt.token.header=Cookie}). Where single sign-on is configured, {@code /ui/login/sso} runs
 * quarkus-oidc's authorization-code flow instead (docs/console.md). Signing out clears either session.
 */
@Path("/ui")
@Produces(MediaType.TEXT_HTML)
public class LoginResource {

    private static final Logger LOG = Logger.getLogger(LoginResource.class);

    @CheckedTemplate(basePath = "ui", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance login(String error, String notice, String next, boolean sso);
    }

    /** The OIDC session cookie of the single sign-on (quarkus-oidc's default tenant), chunked when large. */
    static final String SSO_COOKIE = "q_session";

    @Inject
    JWTParser parser;
    /** Whether single sign-on is configured (quarkus-oidc's default tenant, off by default). */
    @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false")
    boolean sso;
    @Context
    UriInfo uri;
    @Inject
    CallerIdentity caller;

    @GET
    public Response home() {
        return Response.seeOther(URI.create("/ui/runs")).build();
    }

    /** The sign-in form; with {@code ?token=} (the URL {@code --local} prints) it signs in at once. */
    @GET
    @Path("login")
    public Response loginPage(@QueryParam("token") String token, @QueryParam("next") String next,
                              @QueryParam("signedOut") String signedOut) {
        if (token != null && !token.isBlank()) return signIn(token, next);
        return page(200, null, signedOut != null ? "You are signed out." : null, next);
    }

    @POST
    @Path("login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response login(@FormParam("token") String token, @FormParam("next") String next) {
        if (token == null || token.isBlank()) return page(400, "Paste a bearer token (a JWT) to sign in.", null, next);
        return signIn(token, next);
    }

    /**
     * Single sign-on: only reachable authenticated through the identity provider (the path's mechanism is
     * quarkus-oidc's code flow, which redirects there and back, then keeps the session in {@value #SSO_COOKIE}).
     */
    @GET
    @Path("login/sso")
    public Response singleSignOn() {
        LOG.infof("console single sign-on of %s", caller.who());
        return Response.seeOther(URI.create("/ui/runs")).header("Cache-Control", "no-store").build();
    }

    /** Signs out: clears the token cookie and a single sign-on session (the provider's own session is left alone). */
    @POST
    @Path("logout")
    public Response logout(@Context HttpHeaders headers) {
        Response.ResponseBuilder r = Response.seeOther(URI.create("/ui/login?signedOut"))
                .header("Set-Cookie", clearCookie(https())).header("Cache-Control", "no-store");
        for (String name : headers.getCookies().keySet()) {
            if (name.startsWith(SSO_COOKIE)) {
                r.header("Set-Cookie", name + "=; Path=/ui; Max-Age=0; HttpOnly" + (https() ? "; Secure" : ""));
            }
        }
        return r.build();
    }

    private Response signIn(String raw, String next) {
        String token = raw.trim();
        if (token.regionMatches(true, 0, "Bearer ", 0, 7)) token = token.substring(7).trim();
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token);
        } catch (ParseException e) {
            LOG.debugf("console sign-in refused: %s", e.getMessage());
            return page(401, "This token was refused: it is not a JWT signed by the trusted key and issuer, or it has expired.", null, next);
        }
        Set<String> groups = jwt.getGroups() == null ? Set.of() : jwt.getGroups();
        if (!groups.contains("viewer") && !groups.contains("operator")) {
            return page(403, "This token is valid but has neither role viewer nor operator.", null, next);
        }
        long maxAge = Math.max(0, jwt.getExpirationTime() - System.currentTimeMillis() / 1000);
        String cookie = UiSession.COOKIE + "=" + token + "; Path=/ui; Max-Age=" + maxAge + "; HttpOnly; SameSite=Strict"
                + (https() ? "; Secure" : "");
        LOG.infof("console sign-in of %s", jwt.getSubject() == null ? jwt.getName() : jwt.getSubject());
        return Response.seeOther(URI.create(safeNext(next))).header("Set-Cookie", cookie)
                .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
    }

    /** Only a path inside the console (no scheme, host or protocol-relative URL): an open redirect otherwise. */
    static String safeNext(String next) {
        if (next == null || !next.startsWith("/ui/") || next.startsWith("//") || next.contains("\\")
                || next.startsWith("/ui/login") || next.chars().anyMatch(c -> c < 0x20)) {
            return "/ui/runs";
        }
        return next;
    }

    private boolean https() {
        return "https".equalsIgnoreCase(uri.getRequestUri().getScheme());
    }

    static String clearCookie(boolean https) {
        return UiSession.COOKIE + "=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict" + (https ? "; Secure" : "");
    }

    private Response page(int status, String error, String notice, String next) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer")
                .entity(Templates.login(error, notice, next == null ? "" : next, sso)).build();
    }
}
