package dev.feedrank.ui;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The console's authentication challenge: a browser reading a console page without credentials is redirected to
 * {@code /ui/login?next=…} instead of getting smallrye-jwt's bare 401. It authenticates nobody itself (the cookie and
 * the header are smallrye-jwt's), and outside {@code /ui} (and for the console's non-GET requests) it declines, so
 * smallrye-jwt's {@code 401 WWW-Authenticate: Bearer} challenge applies there unchanged.
 */
@ApplicationScoped
public class UiSignInChallenge implements HttpAuthenticationMechanism {

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        return Uni.createFrom().nullItem();
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        String target = signInTarget(context);
        return target == null ? Uni.createFrom().nullItem() : Uni.createFrom().item(new ChallengeData(302, "Location", target));
    }

    @Override
    public Uni<Boolean> sendChallenge(RoutingContext context) {
        String target = signInTarget(context);
        if (target == null) return Uni.createFrom().item(false);
        context.response().setStatusCode(302);
        context.response().headers().set("Location", target);
        context.response().headers().set("Cache-Control", "no-store");
        if (context.request().getCookie(UiSession.COOKIE) != null) {
            context.response().headers().add("Set-Cookie", LoginResource.clearCookie(context.request().isSSL()));
        }
        return Uni.createFrom().item(true);
    }

    /** Where a console read without credentials goes: the sign-in page, remembering the page; null outside the console. */
    static String signInTarget(RoutingContext context) {
        String path = context.request().path();
        HttpMethod method = context.request().method();
        if (path == null || !(path.equals("/ui") || path.startsWith("/ui/"))) return null;
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) return null;
        if (path.startsWith("/ui/login") || path.startsWith("/ui/static/")) return "/ui/login";
        return "/ui/login?next=" + URLEncoder.encode(context.request().uri(), StandardCharsets.UTF_8);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }

    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 100; // asked for its challenge before smallrye-jwt
    }
}
