package dev.feedrank.ui;

import dev.feedrank.rest.CallerIdentity;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The console's view of the current request: who is signed in, whether they may act (role operator), and the CSRF
 * token of their session.
 * <p>
 * CSRF: every console form carries {@code csrf} = SHA-256 of a fixed label and the caller's raw JWT (the credential
 * the request was authenticated with: the {@value #COOKIE} cookie, or a bearer header). A cross-site page can neither
 * read the HttpOnly cookie nor the console's pages, so it cannot compute or copy the token; it is the same on every
 * replica (no server secret, no server state) and changes with every new sign-in. Every POST under {@code /ui} except
 * sign-in and sign-out checks it ({@link #csrfValid}); the cookie is {@code SameSite=Strict} as well.
 */
@RequestScoped
public class UiSession {

    /** The cookie holding the signed-in user's bearer token (HttpOnly, SameSite=Strict, Path=/ui). */
    public static final String COOKIE = "feedrank_token";
    /** Name of the form field carrying the CSRF token. */
    public static final String CSRF_FIELD = "csrf";

    @Inject
    SecurityIdentity identity;
    @Inject
    CallerIdentity caller;

    public boolean signedIn() {
        return identity != null && !identity.isAnonymous();
    }

    public boolean operator() {
        return signedIn() && identity.hasRole("operator");
    }

    public String who() {
        return caller.who();
    }

    public String role() {
        if (!signedIn()) return "not signed in";
        return operator() ? "operator" : identity.hasRole("viewer") ? "viewer" : "no role";
    }

    /** The CSRF token of this session ("" when the request carried no token). */
    public String csrfToken() {
        if (!signedIn() || !(identity.getPrincipal() instanceof JsonWebToken jwt) || jwt.getRawToken() == null) return "";
        return csrfTokenOf(jwt.getRawToken());
    }

    /** Whether a submitted form's token is this session's (constant-time comparison). */
    public boolean csrfValid(String submitted) {
        String expected = csrfToken();
        if (submitted == null || expected.isEmpty()) return false;
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), submitted.getBytes(StandardCharsets.UTF_8));
    }

    static String csrfTokenOf(String rawToken) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("feedrank-ui-csrf\0".getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest(rawToken.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What every page's layout needs: the signed-in user, whether to show actions, the CSRF token, the active tab. */
    public Chrome chrome(String active) {
        return new Chrome(who(), role(), operator(), csrfToken(), active);
    }

    public record Chrome(String who, String role, boolean operator, String csrf, String active) {
    }
}
