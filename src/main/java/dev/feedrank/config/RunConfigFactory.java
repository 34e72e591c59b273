package dev.feedrank.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithName;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.lang.reflect.Method;
import java.util.List;
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

    /**
     * What a run started through the API may override: the settings that change what it computes. Everything else
     * ({@code runs.*}, {@code storage.*}, {@code work-dir}, {@code schedule.*}, {@code auth.*}, {@code data.*},
     * {@code stages.*}, {@code dataset} ...) is process configuration, owned by whoever starts the process.
     */
    public static final List<String> RUN_OVERRIDABLE = List.of("train.*", "negatives.*", "split.*", "eval.*", "gate.*",
            "validation.*", "synthetic.*", "ann.*", "cache");

    /** A run's typed config and the flat snapshot of every effective value (stored with the run). */
    public record RunConfig(FeedrankConfig config, Map<String, String> snapshot) {
    }

    private final RunSettingsCheck checks;

    public RunConfigFactory(RunSettingsCheck checks) {
        this.checks = checks;
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
            checks.check(typed); // the domains' checks (stages.RunSettingsChecks)
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid configuration override: " + rootMessage(e), e);
        }
        return new RunConfig(typed, describe(typed));
    }

    /**
     * Refuses (400 through the API) any override outside {@link #RUN_OVERRIDABLE}, naming the key. Only for
     * per-run overrides sent through the API: the CLI's {@code --set} is process configuration.
     */
    public static void requireRunOverridable(Map<String, String> overrides) {
        if (overrides == null) return;
        for (String k : overrides.keySet()) {
            String key = k == null ? "" : k.startsWith(PREFIX) ? k.substring(PREFIX.length()) : k;
            boolean allowed = RUN_OVERRIDABLE.stream().anyMatch(f -> f.endsWith(".*")
                    ? key.startsWith(f.substring(0, f.length() - 1)) && key.length() > f.length() - 1 : key.equals(f));
            if (!allowed) {
                throw new IllegalArgumentException("override '" + shownKey(k) + "' is not allowed per run; a run may "
                        + "override " + String.join(", ", RUN_OVERRIDABLE) + " (the rest is process configuration)");
            }
        }
    }

    private static String shownKey(String k) {
        if (k == null) return "null";
        String clean = k.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 80 ? clean.substring(0, 80) + "..." : clean;
    }

    /**
     * The dataset spec a trigger asked for, checked against {@code data.allowed-locations} before any run is
     * recorded ({@link RunSettingsCheck#checkDataset}).
     */
    public String checkDataset(String spec, FeedrankConfig c) {
        return checks.checkDataset(spec, c);
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
            if (isGroup(rt)) {
                flatten(rt, value, key + ".", out);
            } else if (value instanceof Map<?, ?> map) {
                Class<?> valueType = m.getGenericReturnType() instanceof java.lang.reflect.ParameterizedType pt
                        && pt.getActualTypeArguments()[1] instanceof Class<?> c ? c : Object.class;
                map.forEach((k, v) -> {
                    String entry = key + "." + mapKey(String.valueOf(k));
                    if (isGroup(valueType)) flatten(valueType, v, entry + ".", out); // e.g. stages.resources.<stage>.*
                    else out.put(entry, String.valueOf(v));
                });
            } else if (value instanceof java.util.OptionalInt o) {
                if (o.isPresent()) out.put(key, Integer.toString(o.getAsInt()));
            } else if (value instanceof java.util.OptionalLong o) {
                if (o.isPresent()) out.put(key, Long.toString(o.getAsLong()));
            } else if (value instanceof java.util.OptionalDouble o) {
                if (o.isPresent()) out.put(key, Double.toString(o.getAsDouble()));
            } else if (value instanceof Optional<?> o) {
                o.ifPresent(v -> out.put(key, v instanceof Iterable<?> it ? joined(it) : String.valueOf(v)));
            } else if (value instanceof Iterable<?> it) {
                out.put(key, joined(it));
            } else {
                out.put(key, String.valueOf(value));
            }
        }
    }

    /** A config group: an interface nested (at any depth) in {@link FeedrankConfig}, e.g. {@code Stages.Process}. */
    private static boolean isGroup(Class<?> type) {
        return type.isInterface() && type.getName().startsWith(FeedrankConfig.class.getName() + "$");
    }

    /** A list as a property value: comma-separated, commas inside an element escaped. */
    private static String joined(Iterable<?> it) {
        StringBuilder sb = new StringBuilder();
        for (Object v : it) sb.append(sb.isEmpty() ? "" : ",").append(String.valueOf(v).replace(",", "\\,"));
        return sb.toString();
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

    /** A URL with the password of its user-info part (scheme://user:password@host) masked. */
    public static String maskUserInfo(String url) {
        return url == null ? null : url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^@/]*:)?[^@/:]+@", "$1$2***@");
    }

    /** The snapshot with secrets masked, for storing and showing. */
    public static Map<String, String> masked(Map<String, String> snapshot) {
        Map<String, String> copy = new LinkedHashMap<>(snapshot);
        copy.replaceAll((k, v) -> k.contains("secret") || k.contains("password") ? "***"
                : k.endsWith("redis.url") ? maskUserInfo(v) : v);
        return copy;
    }
}
