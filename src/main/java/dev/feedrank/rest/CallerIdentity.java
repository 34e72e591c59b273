package dev.feedrank.rest;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.security.Principal;

/**
 * Who made the current HTTP request, for recording who did what (e.g. who promoted or rolled back a model).
 * <p>
 * Request-scoped: inject it into a JAX-RS resource (constructor injection is fine, the resource gets a proxy that
 * resolves to the current request's caller on every call). Only usable while a request is active; code reached
 * from the scheduler or the CLI has no caller and must name its actor itself.
 */
@RequestScoped
public class CallerIdentity {

    /** What {@link #who()} returns when the request carried no (valid) credentials. */
    public static final String ANONYMOUS = "anonymous";

    @Inject
    SecurityIdentity identity;

    /**
     * The caller: the JWT subject ({@code sub} claim) when the request carried a bearer token with one, else the
     * principal's name (with a JWT: {@code upn} or {@code preferred_username}), else {@value #ANONYMOUS}.
     */
    public String who() {
        if (identity == null || identity.isAnonymous()) return ANONYMOUS;
        Principal principal = identity.getPrincipal();
        if (principal instanceof JsonWebToken jwt && notBlank(jwt.getSubject())) return jwt.getSubject();
        if (principal != null && notBlank(principal.getName())) return principal.getName();
        return ANONYMOUS;
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
