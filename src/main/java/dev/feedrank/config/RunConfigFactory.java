package dev.feedrank.config;

import dev.feedrank.gating.GatePolicy;
import dev.feedrank.training.TrainingSettings;
import dev.feedrank.validation.ValidationSettings;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithName;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds the typed configuration of one run: the process's {@code feedrank.*} settings plus the run's overrides
 * (keys without the {@code feedrank.} prefix). Unknown keys and unparsable values are rejected.
 */
@ApplicationScoped
public class RunConfigFactory {

    public static final String PREFIX = "feedrank.";

    /** A run's typed config and the flat snapshot of every effective value (stored with the run). */
    public record RunConfig(FeedrankConfig config, Map<String, String> snapshot) {
    }

    public RunConfig create(Map<String, String> overrides) {
        Config global = ConfigProvider.getConfig();
        Map<String, String> values = new TreeMap<>();
        for (String name : global.getPropertyNames()) {
            if (name.startsWith(PREFIX)) {
                try {
                    global.getOptionalValue(name, String.class).ifPresent(v -> values.put(canonical(name), v));
                } catch (NoSuchElementException | IllegalArgumentException ignored) {
                    // an expression that cannot be expanded here; the mapping's default applies
                }
            }
        }
        if (overrides != null) {
            overrides.forEach((k, v) -> {
                String key = k.startsWith(PREFIX) ? k : PREFIX + k;
                values.put(canonical(key), v);
            });
        }
        FeedrankConfig typed;
        try {
            SmallRyeConfig cfg = new SmallRyeConfigBuilder()
                    .addSystemSources()
                    .withSources(new PropertiesConfigSource(values, "feedrank-run", 500))
                    .withMapping(FeedrankConfig.class)
                    .withValidateUnknown(true)
                    .build();
            typed = cfg.getConfigMapping(FeedrankConfig.class);
            GatePolicy.from(typed.gate()); // threshold values must parse before the run starts, not at its gate
            ValidationSettings.from(typed.validation()); // so must severities and bounds of data validation
            TrainingSettings.Technique.from(typed.train()); // and the loss, mining and multi-task settings
            dev.feedrank.ann.AnnSettings.from(typed.ann()); // and the ANN index parameters
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid configuration override: " + rootMessage(e), e);
        }
        return new RunConfig(typed, describe(typed));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.replace("SRCFG00050: ", "").replace("SRCFG00014: ", "");
    }

    /** Walks the mapping interface and records every leaf value under its kebab-case key. */
    static void flatten(Class<?> type, Object instance, String prefix, Map<String, String> out) {
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() != 0 || m.isDefault() || m.getDeclaringClass() == Object.class) continue;
            WithName wn = m.getAnnotation(WithName.class);
            String key = prefix + (wn != null ? wn.value() : kebab(m.getName()));
            Object value;
            try {
                value = m.invoke(instance);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            Class<?> rt = m.getReturnType();
            if (rt.isInterface() && rt.getDeclaringClass() == FeedrankConfig.class) {
                flatten(rt, value, key + ".", out);
            } else if (value instanceof Map<?, ?> map) {
                map.forEach((k, v) -> out.put(key + "." + mapKey(String.valueOf(k)), String.valueOf(v)));
            } else if (value instanceof Optional<?> o) {
                o.ifPresent(v -> out.put(key, String.valueOf(v)));
            } else if (value instanceof Iterable<?> it) {
                StringBuilder sb = new StringBuilder();
                for (Object v : it) sb.append(sb.isEmpty() ? "" : ",").append(v);
                out.put(key, sb.toString());
            } else {
                out.put(key, String.valueOf(value));
            }
        }
    }

    /**
     * One spelling per property: a quoted segment without a dot inside ({@code "ndcg@10"}) is unquoted, so the same
     * map entry written both ways (application.properties, a stored snapshot, an override) is one key, not two.
     */
    public static String canonical(String key) {
        return key.replaceAll("\\.\"([^\".]*)\"", ".$1");
    }

    /** A map key as it is written in a property name: quoted when it contains a dot. */
    static String mapKey(String k) {
        return k.contains(".") ? "\"" + k + "\"" : k;
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    /** Every effective value of a typed config, flat, keyed like the properties without the prefix. */
    public static Map<String, String> describe(FeedrankConfig config) {
        Map<String, String> out = new TreeMap<>();
        flatten(FeedrankConfig.class, config, "", out);
        return out;
    }

    /** The snapshot with secrets masked, for storing and showing. */
    public static Map<String, String> masked(Map<String, String> snapshot) {
        Map<String, String> copy = new LinkedHashMap<>(snapshot);
        copy.replaceAll((k, v) -> k.contains("secret") || k.contains("password") ? "***" : v);
        return copy;
    }
}
