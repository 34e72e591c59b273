package dev.feedrank.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The allow-list of dataset locations ({@code feedrank.data.allowed-locations}): local folders and
 * {@code s3://bucket/prefix} entries. A dataset spec is accepted only when its location lies inside one of them:
 * local paths are compared canonically (absolute, symlinks resolved, {@link Path#startsWith}), S3 locations by exact
 * bucket and key prefix. Refused outright, whatever the list: {@code ..} segments, control characters, and URI
 * schemes other than {@code s3://} ({@code file:}, {@code http:}, {@code jar:} ...). {@code synthetic} has no location
 * and is always accepted.
 *
 * <p>Checked where a trigger is accepted ({@code RunLauncher}, through {@code RunConfigFactory}) and again by
 * prepare-data before it reads ({@link #checkBeforeReading}), which also refuses a symlink inside the dataset folder
 * that leads out of every allowed root.
 */
public final class DatasetLocations {

    /** Local folders deeper than this inside a dataset folder are not inspected (the readers look at the top level). */
    private static final int MAX_DEPTH = 4;
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    private record S3Root(String bucket, String prefix) {
        boolean contains(String bucket, String key) {
            if (!this.bucket.equals(bucket)) return false;
            return prefix.isEmpty() || key.startsWith(prefix) || (key + "/").equals(prefix);
        }
    }

    /** A dataset location outside the allow-list (or not a location at all): the request is refused. */
    public static final class RefusedException extends IllegalArgumentException
            implements dev.feedrank.errors.NonRetryable {
        RefusedException(String message) {
            super(message);
        }
    }

    private final List<Path> roots = new ArrayList<>();
    private final List<S3Root> buckets = new ArrayList<>();

    private DatasetLocations(List<String> entries) {
        for (String raw : entries) {
            String e = raw == null ? "" : raw.trim();
            if (e.isEmpty()) continue;
            if (e.startsWith("s3://")) {
                String rest = e.substring("s3://".length());
                int slash = rest.indexOf('/');
                String bucket = slash < 0 ? rest : rest.substring(0, slash);
                String prefix = slash < 0 ? "" : rest.substring(slash + 1);
                if (bucket.isEmpty() || hasDotDot(prefix)) {
                    throw new IllegalArgumentException("feedrank.data.allowed-locations: bad S3 entry '" + e
                            + "': expected s3://bucket/prefix without '..'");
                }
                buckets.add(new S3Root(bucket, prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/"));
            } else {
                try {
                    roots.add(canonical(Path.of(e).toAbsolutePath().normalize()));
                } catch (IOException | InvalidPathException ex) {
                    throw new IllegalArgumentException("feedrank.data.allowed-locations: unusable local entry '" + e
                            + "': " + ex.getMessage());
                }
            }
        }
    }

    /**
     * The allow-list: the configured entries, or (unset) {@code <workDir>/datasets/} and {@code s3://<bucket>/datasets/};
     * plus the current directory when {@code workingDirectory} ({@code --local}).
     */
    public static DatasetLocations of(java.util.Optional<List<String>> configured, boolean workingDirectory,
                                      String workDir, String bucket) {
        List<String> entries = new ArrayList<>(configured.orElseGet(() -> defaults(workDir, bucket)));
        if (workingDirectory) entries.add(Path.of("").toAbsolutePath().toString());
        return new DatasetLocations(entries);
    }

    /** The default entries: the work directory's {@code datasets/} folder and the bucket's {@code datasets/} prefix. */
    public static List<String> defaults(String workDir, String bucket) {
        return List.of(Path.of(workDir, "datasets").toString(), "s3://" + bucket + "/datasets/");
    }

    /**
     * Parses {@code spec} and returns it when its location is allowed.
     *
     * @throws IllegalArgumentException not a dataset spec, or ({@link RefusedException}) a location outside the list
     */
    public DatasetSpec check(String spec) {
        if (spec != null && hasControl(spec)) throw refused("it contains control characters");
        DatasetSpec s = DatasetSpec.parse(spec);
        if (s.format() == DatasetSpec.Format.SYNTHETIC) return s;
        String path = s.path();
        if (hasDotDot(path)) throw refused("'..' segments are not accepted");
        if (s.isS3()) {
            String key = s.s3Prefix();
            String bucket = s.s3Bucket();
            if (buckets.stream().noneMatch(r -> r.contains(bucket, key))) throw refused(null);
            return s;
        }
        if (SCHEME.matcher(path).find() || path.contains("://")) {
            throw refused("only local paths and s3://bucket/prefix are accepted");
        }
        Path canonical;
        try {
            canonical = canonical(Path.of(path).toAbsolutePath().normalize());
        } catch (IOException | InvalidPathException e) {
            throw refused(null);
        }
        if (!insideRoots(canonical)) throw refused(null);
        return s;
    }

    /**
     * prepare-data, just before the source is read: the spec again, and every symlink inside a local dataset folder
     * must lead into an allowed root too (a folder inside the list could otherwise point at any file).
     */
    public DatasetSpec checkBeforeReading(String spec) {
        DatasetSpec s = check(spec);
        if (s.format() == DatasetSpec.Format.SYNTHETIC || s.isS3()) return s;
        Path local = Path.of(s.path()).toAbsolutePath().normalize();
        if (!Files.exists(local, LinkOption.NOFOLLOW_LINKS)) return s;
        try (Stream<Path> walk = Files.walk(canonical(local), MAX_DEPTH)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isSymbolicLink(p) && !insideRoots(canonicalOrNull(p))) throw refused(null);
            }
        } catch (IOException e) {
            throw refused(null);
        }
        return s;
    }

    private boolean insideRoots(Path canonical) {
        return canonical != null && roots.stream().anyMatch(canonical::startsWith);
    }

    private static Path canonicalOrNull(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return null; // a dangling link leads nowhere allowed
        }
    }

    /**
     * The real path of the deepest existing ancestor (symlinks resolved) with the rest of the path appended, so a
     * location that does not exist yet is still placed where it would be.
     */
    static Path canonical(Path absolute) throws IOException {
        Path existing = absolute;
        Deque<Path> rest = new ArrayDeque<>();
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            if (existing.getFileName() != null) rest.push(existing.getFileName());
            existing = existing.getParent();
        }
        Path result = existing == null ? absolute.getRoot() : existing.toRealPath();
        while (!rest.isEmpty()) result = result.resolve(rest.pop());
        return result;
    }

    static boolean hasDotDot(String path) {
        for (String segment : path.split("[/\\\\]", -1)) if (segment.equals("..")) return true;
        return false;
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') return true;
        }
        return false;
    }

    private static RefusedException refused(String why) {
        return new RefusedException("dataset location not allowed" + (why == null ? "" : ": " + why)
                + "; datasets are read only from the locations in feedrank.data.allowed-locations");
    }
}
