package dev.feedrank.rest;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import java.util.Optional;

/** Says at start-up how /api is protected, and warns when no JWT key is configured (every token would be refused). */
@ApplicationScoped
public class AuthStartupCheck {

    private static final Logger LOG = Logger.getLogger(AuthStartupCheck.class);

    void onStart(@Observes StartupEvent event, Config config) {
        if (!config.getOptionalValue("quarkus.http.host-enabled", Boolean.class).orElse(true)) {
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

    private static boolean set(Config config, String key) {
        Optional<String> v = config.getOptionalValue(key, String.class);
        return v.isPresent() && !v.get().isBlank() && !"NONE".equals(v.get());
    }
}
