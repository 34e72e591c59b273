package dev.feedrank.data;

/**
 * User and item ids are identifiers, not numbers: the canonical tables hold them as VARCHAR text.
 *
 * <ul>
 *   <li>Text ids (CSV cells, Parquet string columns) are kept as given, only surrounding spaces trimmed: {@code 007}
 *   and {@code 7} are two different ids. Integer-typed sources (MovieLens, Parquet integer and float columns) give the
 *   decimal text of the integer ({@code 7}, also for a Parquet {@code 7.0}).</li>
 *   <li>An id must be non-empty, at most {@link #MAX_LENGTH} characters, without control characters (newline, tab,
 *   NUL, ...), and not look like a negative integer ({@code -1} is a common missing-value marker).</li>
 *   <li>Order (feature-table rows, tie-break of the time split): ids in canonical integer form ({@code 0} or no leading
 *   zero, at most 18 digits) first, by numeric value; then every other id by its text (UTF-8 byte order). An all-integer
 *   dataset keeps numeric order; a string-id dataset is in text order.</li>
 * </ul>
 */
public final class Ids {
    /** Longest accepted id, in characters. */
    public static final int MAX_LENGTH = 256;
    /** Longest part of a rejected value quoted in an error message. */
    static final int SHOWN_LENGTH = 40;
    /** RE2 class of control characters (C0, DEL, C1, line and paragraph separators). */
    static final String CONTROL_CHARACTERS = "[\\x{00}-\\x{1f}\\x{7f}-\\x{9f}\\x{2028}\\x{2029}]";
    private static final String CANONICAL_INTEGER = "0|[1-9][0-9]{0,17}";

    private Ids() {
    }

    /** SQL ORDER BY terms for an id column (see the class comment). */
    static String order(String column) {
        String c = Sql.id(column);
        String integer = "regexp_full_match(" + c + ", '" + CANONICAL_INTEGER + "')";
        return "CASE WHEN " + integer + " THEN 0 ELSE 1 END, CASE WHEN " + integer + " THEN TRY_CAST(" + c
                + " AS BIGINT) END, " + c;
    }

    /**
     * The problem with an id, or {@code null} when it is acceptable; the same rules as the input checks, for ids
     * that did not come through them (a prepared dataset loaded from S3, a bundle).
     */
    public static String problem(String id) {
        if (id == null || id.isBlank()) return "empty id";
        if (id.length() > MAX_LENGTH) return "id longer than " + MAX_LENGTH + " characters " + shown(id);
        for (int i = 0; i < id.length(); i++) {
            char ch = id.charAt(i);
            if (Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029') {
                return "id with a control character " + shown(id);
            }
        }
        if (id.trim().matches("-[0-9]+")) return "negative id " + shown(id);
        return null;
    }

    /**
     * A value for an error message: quoted, control characters escaped ({@code \n}, {@code \t}, {@code \u0000}),
     * cut after {@link #SHOWN_LENGTH} characters with the full length noted.
     */
    public static String shown(String value) {
        StringBuilder sb = new StringBuilder("'");
        int n = Math.min(value.length(), SHOWN_LENGTH);
        for (int i = 0; i < n; i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        sb.append('\'');
        if (value.length() > n) sb.append("... (").append(value.length()).append(" characters)");
        return sb.toString();
    }
}
