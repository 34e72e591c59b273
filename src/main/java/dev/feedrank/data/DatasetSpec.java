package dev.feedrank.data;

import java.util.Locale;

/**
 * Where a dataset comes from: {@code synthetic}, {@code movielens:PATH}, {@code csv:PATH} or {@code parquet:PATH}.
 * PATH is a local folder or file, or {@code s3://bucket/prefix}.
 *
 * @param format how the input is laid out
 * @param path   the location ({@code null} for {@code synthetic})
 */
public record DatasetSpec(Format format, String path) {

    public static final String ACCEPTED_FORMS = "synthetic, movielens:PATH, csv:PATH, parquet:PATH "
            + "(PATH: a local folder or file, or s3://bucket/prefix)";

    public enum Format { SYNTHETIC, MOVIELENS, CSV, PARQUET }

    public DatasetSpec {
        if (format == null) throw new IllegalArgumentException("dataset format is required");
        if (format == Format.SYNTHETIC) path = null;
        else if (path == null || path.isBlank())
            throw new IllegalArgumentException("dataset spec '" + format.name().toLowerCase(Locale.ROOT)
                    + ":' needs a PATH; accepted forms: " + ACCEPTED_FORMS);
        else if (path.startsWith("s3://") && (path.length() == 5 || path.charAt(5) == '/'))
            throw new IllegalArgumentException("dataset path '" + path + "' names no bucket; expected s3://bucket/prefix");
    }

    public static DatasetSpec synthetic() {
        return new DatasetSpec(Format.SYNTHETIC, null);
    }

    /** Parses a spec string; throws {@link IllegalArgumentException} listing the accepted forms when it is not one. */
    public static DatasetSpec parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        if (s.equalsIgnoreCase("synthetic")) return synthetic();
        int colon = s.indexOf(':');
        if (colon > 0) {
            String scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
            String path = s.substring(colon + 1).trim();
            switch (scheme) {
                case "movielens": return new DatasetSpec(Format.MOVIELENS, path);
                case "csv": return new DatasetSpec(Format.CSV, path);
                case "parquet": return new DatasetSpec(Format.PARQUET, path);
                default: break;
            }
        }
        throw new IllegalArgumentException("unknown dataset spec '" + (spec == null ? "" : spec)
                + "': expected one of " + ACCEPTED_FORMS);
    }

    public boolean isS3() {
        return path != null && path.startsWith("s3://");
    }

    /** The bucket of an {@code s3://bucket/prefix} path. */
    public String s3Bucket() {
        String rest = s3Rest();
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    /** The key prefix of an {@code s3://bucket/prefix} path, without a leading slash (may be empty). */
    public String s3Prefix() {
        String rest = s3Rest();
        int slash = rest.indexOf('/');
        return slash < 0 ? "" : rest.substring(slash + 1);
    }

    private String s3Rest() {
        if (!isS3()) throw new IllegalStateException("not an s3:// dataset path: " + path);
        return path.substring("s3://".length());
    }

    @Override
    public String toString() {
        String scheme = format.name().toLowerCase(Locale.ROOT);
        return path == null ? scheme : scheme + ":" + path;
    }
}
