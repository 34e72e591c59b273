package dev.feedrank.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one line a failed start ends with. */
class StartFailureTest {

    @Test
    void namesTheMissingDatabaseTheStartupRefusalOrTheInnermostCause() {
        Throwable noDb = new RuntimeException("Failed to start quarkus", new IllegalStateException(
                "Unable to find datasource '<default>' for persistence unit '<default>': Bean is not active\nReason: "
                        + "Datasource '<default>' was deactivated automatically because its URL is not set. To activate ..."));
        assertTrue(FeedrankMain.startFailure(noDb).startsWith("no database configured: set QUARKUS_DATASOURCE_JDBC_URL"),
                FeedrankMain.startFailure(noDb));
        Throwable refused = new RuntimeException("Failed to start quarkus", new IllegalStateException(
                "refusing to start the server without a JWT verification key: set MP_JWT_VERIFY_PUBLICKEY_LOCATION"));
        assertEquals("refusing to start the server without a JWT verification key: set MP_JWT_VERIFY_PUBLICKEY_LOCATION",
                FeedrankMain.startFailure(refused));
        Throwable other = new RuntimeException("Failed to start quarkus",
                new java.io.UncheckedIOException(new java.io.IOException("Connection refused")));
        assertEquals("Connection refused", FeedrankMain.startFailure(other), "the innermost cause");
        Throwable badKey = new RuntimeException("Failed to start quarkus", new IllegalStateException(
                "Configuration validation failed:\n\tSRCFG00050: feedrank.train.epochz in SysPropConfigSource does not map to any root\n"));
        assertEquals("Configuration validation failed:\n\tSRCFG00050: feedrank.train.epochz in SysPropConfigSource does not map to any root",
                FeedrankMain.startFailure(badKey), "every line of a configuration error: the keys are on the next lines");
        assertEquals("IllegalStateException", FeedrankMain.startFailure(new IllegalStateException()));
    }
}
