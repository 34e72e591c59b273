package dev.feedrank.rest;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * Says at start-up how /api is protected. Outside local mode ({@code --local}, profile {@code local}), dev and test,
 * it stops the start when the S3 secret key is the built-in default ({@code feedrank-secret}, public in this
 * repository) or a placeholder, and, for a server, when no JWT verification key is configured.
 */
@ApplicationScoped
public class AuthStartupCheck {

    private static final Logger LOG = Logger.getLogger(AuthStartupCheck.class);
    /** The built-in S3 secret key: fine for local mode, never for a deployment. */
    static final String DEFAULT_SECRET_KEY = "feedrank-secret";

    void onStart(@Observes StartupEvent event, Config config) {
        boolean http = config.getOptionalValue("quarkus.http.host-enabled", Boolean.class).orElse(true);
        boolean exempt = LaunchMode.current() != LaunchMode.NORMAL || ConfigUtils.getProfiles().contains("local");
        String problem = productionProblem(exempt, http,
                config.getOptionalValue("feedrank.storage.secret-key", String.class).orElse(DEFAULT_SECRET_KEY),
                set(config, "mp.jwt.verify.publickey") || set(config, "mp.jwt.verify.publickey.location"));
        if (problem != null) throw new IllegalStateException(problem);
        if (!http) {
            return; // one-shot CLI command: no HTTP
        }
        String readPolicy = config.getOptionalValue("feedrank.auth.read-policy", String.class).orElse("viewer");
        String reads = "permit".equals(readPolicy) ? "anyone may read /api" : "reading /api needs role viewer or operator";
        if (set(config, "mp.jwt.verify.publickey") || set(config, "mp.jwt.verify.publickey.location")) {
            LOG.infof("bearer JWTs verified (issuer %s); %s, writing needs role operator",
                    config.getOptionalValue("mp.jwt.verify.issuer", String.class).orElse("any"), reads);
        } else {
            LOG.warnf("no JWT verification key configured (MP_JWT_VERIFY_PUBLICKEY_LOCATION or MP_JWT_VERIFY_PUBLICKEY): "
                    + "every bearer token is refused; %s", "permit".equals(readPolicy) ? reads + ", nobody may write"
                    : "nobody may use /api");
        }
    }

    /**
     * Why this start must not go on, or null: outside local mode, dev and test, the default (or a placeholder or
     * empty) S3 secret key, and a server (HTTP on) without a JWT verification key.
     */
    static String productionProblem(boolean exempt, boolean http, String secretKey, boolean jwtKey) {
        if (exempt) return null;
        String secret = secretKey == null ? "" : secretKey.trim();
        if (secret.isEmpty() || secret.equals(DEFAULT_SECRET_KEY) || secret.equals("CHANGE_ME")) {
            return "refusing to start: the S3 secret key is " + (secret.isEmpty() ? "empty" : "the default or a placeholder")
                    + "; set FEEDRANK_STORAGE_ACCESS_KEY and FEEDRANK_STORAGE_SECRET_KEY from a Secret (k8s/base/secret.yaml) "
                    + "or the environment, or use --local for the embedded services";
        }
        if (http && !jwtKey) {
            return "refusing to start the server without a JWT verification key: set MP_JWT_VERIFY_PUBLICKEY_LOCATION "
                    + "(a PEM or JWKS file, or the https JWKS URL of the identity provider) or MP_JWT_VERIFY_PUBLICKEY, "
                    + "or use --local, which creates a key pair";
        }
        return null;
    }

    private static boolean set(Config config, String key) {
        Optional<String> v = config.getOptionalValue(key, String.class);
        return v.isPresent() && !v.get().isBlank() && !"NONE".equals(v.get());
    }
}
