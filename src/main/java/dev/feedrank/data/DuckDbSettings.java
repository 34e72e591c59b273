package dev.feedrank.data;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Resource limits of the DuckDB connections that prepare-data opens ({@code data.duckdb-memory-limit},
 * {@code data.duckdb-threads}). Past {@code memoryLimit} DuckDB spills intermediate results to a temporary folder
 * under the work dir ({@link Sql#open(DuckDbSettings, java.nio.file.Path)}) instead of growing.
 *
 * @param memoryLimit DuckDB's {@code memory_limit}: a number with a unit, e.g. {@code 2GB}, {@code 512MB}, {@code 1.5GiB}
 * @param threads     DuckDB's {@code threads}; {@code null}: DuckDB's default (the cores it sees)
 */
public record DuckDbSettings(String memoryLimit, Integer threads) {

    /** Declared before {@link #DEFAULT}, whose construction uses it. */
    private static final Pattern SIZE = Pattern.compile("\\d+(\\.\\d+)?\\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)");
    public static final String DEFAULT_MEMORY_LIMIT = "2GB";
    /** The defaults of {@code data.duckdb-*}: 2GB, DuckDB's thread count. */
    public static final DuckDbSettings DEFAULT = new DuckDbSettings(DEFAULT_MEMORY_LIMIT, null);
    /** Name prefix of each connection's spill folder in the work dir: {@code duckdb-tmp-<pid>-<n>}. */
    public static final String TEMP_PREFIX = "duckdb-tmp-";

    public DuckDbSettings {
        if (memoryLimit == null || !SIZE.matcher(memoryLimit.trim().toUpperCase(Locale.ROOT)).matches()) {
            throw new IllegalArgumentException("data.duckdb-memory-limit must be a size such as 2GB, 512MB or 1.5GiB, got '"
                    + memoryLimit + "'");
        }
        memoryLimit = memoryLimit.trim();
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("data.duckdb-threads must be >= 1 (or unset), got " + threads);
        }
    }
}
