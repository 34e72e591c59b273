package dev.feedrank.ui;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.AuthenticationRedirectException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A browser is sent to the sign-in page instead of getting a bare 401: a request under {@code /ui} that failed
 * authentication (no credentials where the HTTP permissions need a role, or an expired / forged cookie) is answered
 * with a redirect to {@code /ui/login} (GET and HEAD: 302 with {@code next} = where it wanted to go; other methods:
 * 303), and a cookie that failed verification is cleared. A missing role stays a 403. {@code /api} is not touched.
 */
@ApplicationScoped
public class UiAuthRedirect {

    void init(@Observes Router router) {
        router.routeWithRegex("^/ui(/.*)?$").order(Integer.MIN_VALUE).failureHandler(this::handle);
    }

    void handle(RoutingContext ctx) {
        Throwable f = ctx.failure();
        boolean unauthenticated = f instanceof AuthenticationFailedException
                || f instanceof UnauthorizedException || (f == null && ctx.statusCode() == 401);
        if (!unauthenticated || f instanceof AuthenticationRedirectException || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        String path = ctx.request().path();
        HttpMethod method = ctx.request().method();
        String target = "/ui/login";
        boolean read = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
        if (read && !path.startsWith("/ui/login") && !path.startsWith("/ui/static/")) {
            String uri = ctx.request().uri();
            target += "?next=" + URLEncoder.encode(uri, StandardCharsets.UTF_8);
        }
        if (ctx.request().getCookie(UiSession.COOKIE) != null) {
            ctx.response().headers().add("Set-Cookie", LoginResource.clearCookie(ctx.request().isSSL()));
        }
        ctx.response().setStatusCode(read ? 302 : 303).putHeader("Location", target)
                .putHeader("Cache-Control", "no-store").end();
    }
}
