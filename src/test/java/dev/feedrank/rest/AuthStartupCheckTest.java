package dev.feedrank.rest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A production start (not --local, dev or test) with the default S3 credentials or, serving, no JWT key stops. */
class AuthStartupCheckTest {

    @Test
    void theDefaultOrAPlaceholderSecretKeyStopsAProductionStart() {
        for (String secret : new String[] {"feedrank-secret", "CHANGE_ME", "", null}) {
            String problem = AuthStartupCheck.productionProblem(false, true, secret, true);
            assertTrue(problem != null && problem.contains("FEEDRANK_STORAGE_SECRET_KEY"), String.valueOf(problem));
            assertTrue(AuthStartupCheck.productionProblem(false, false, secret, false) != null,
                    "a one-shot run (CronJob) with them stops too");
        }
    }

    @Test
    void aServerWithoutAJwtKeyStops() {
        String problem = AuthStartupCheck.productionProblem(false, true, "s3cr3t-from-a-secret", false);
        assertTrue(problem != null && problem.contains("MP_JWT_VERIFY_PUBLICKEY_LOCATION"), String.valueOf(problem));
        assertNull(AuthStartupCheck.productionProblem(false, false, "s3cr3t-from-a-secret", false),
                "a one-shot command serves no HTTP and needs no key");
    }

    @Test
    void realCredentialsAndAKeyStart_andLocalDevAndTestAreExempt() {
        assertNull(AuthStartupCheck.productionProblem(false, true, "s3cr3t-from-a-secret", true));
        assertNull(AuthStartupCheck.productionProblem(true, true, "feedrank-secret", false));
    }
}
