package dev.feedrank.data;

/**
 * Bad input data. Never retried: the message names the file, the row (1-based data row, header excluded) where
 * there is one, the field, and what was expected, e.g.
 * {@code ratings.csv row 17, field userId: expected an integer id, got 'abc'}.
 */
public class DataValidationException extends RuntimeException implements dev.feedrank.orchestration.NonRetryable {
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

    private static String format(String file, Long row, String field, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "dataset" : file);
        if (row != null) sb.append(" row ").append(row);
        if (field != null) sb.append(", field ").append(field);
        return sb.append(": ").append(problem).toString();
    }

    public String file() { return file; }
    public Long row() { return row; }
    public String field() { return field; }
}
