package dev.feedrank.data;

/**
 * Bad input data. Never retried: the message names the file, the row (1-based data row, header excluded) where
 * there is one, the field, and what was expected, e.g.
 * {@code ratings.csv row 17, field userId: expected an integer id, got 'abc'}.
 */
public class DataValidationException extends RuntimeException implements dev.feedrank.errors.NonRetryable {
    private final String file;
    private final Long row;
    private final String field;

    public DataValidationException(String file, Long row, String field, String problem) {
        super(format(file, row, field, problem));
        this.file = file;
        this.row = row;
        this.field = field;
    }

    /** A problem with the dataset as a whole (e.g. failed data-validation checks), with no single file or row. */
    protected DataValidationException(String message) {
        super(message);
        this.file = null;
        this.row = null;
        this.field = null;
    }

    /**
     * File and field names come from the input (a header, an object key): shown with control characters replaced
     * and cut to a short length, like the excerpts of values in the problem, whose control characters go too.
     */
    private static String format(String file, Long row, String field, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "dataset" : name(file, 120));
        if (row != null) sb.append(" row ").append(row);
        if (field != null) sb.append(", field ").append(name(field, Ids.SHOWN_LENGTH));
        return sb.append(": ").append(name(problem, Integer.MAX_VALUE)).toString();
    }

    private static String name(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char ch = s.charAt(i);
            sb.append(Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029' ? '?' : ch);
        }
        return s.length() > max ? sb + "..." : sb.toString();
    }

    public String file() { return file; }
    public Long row() { return row; }
    public String field() { return field; }
}
