package dev.feedrank.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** feedrank.auth.read-policy: viewer by default, permit allowed, anything else refused with a clear message. */
class ReadPolicyConfigTest {

    static FeedrankConfig build(Map<String, String> values) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(values, "test", 500))
                .withMapping(FeedrankConfig.class)
                .withValidateUnknown(true)
                .build();
        return config.getConfigMapping(FeedrankConfig.class);
    }

    @Test
    void viewerByDefaultAndPermitAllowed() {
        assertEquals("viewer", build(Map.of()).auth().readPolicy());
        assertEquals("permit", build(Map.of("feedrank.auth.read-policy", "permit")).auth().readPolicy());
        assertEquals("viewer", RunConfigFactory.describe(build(Map.of())).get("auth.read-policy"));
    }

    @Test
    void anythingElseIsRefusedNamingTheKeyAndTheAllowedValues() {
        for (String bad : new String[] {"open", "Viewer", "operator", " permit"}) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> build(Map.of("feedrank.auth.read-policy", bad)), bad);
            String message = String.valueOf(e.getMessage());
            assertTrue(message.contains("feedrank.auth.read-policy must be 'viewer'") && message.contains("'permit'"), message);
        }
    }
}
