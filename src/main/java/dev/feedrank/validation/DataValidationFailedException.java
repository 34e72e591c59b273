package dev.feedrank.validation;

import dev.feedrank.data.DataValidationException;

/**
 * The prepared dataset failed at least one data-validation check of severity error. Bad data, so never worth
 * retrying (a {@link DataValidationException}); the message lists every failed check with its values.
 */
public class DataValidationFailedException extends DataValidationException {
    private final transient ValidationReport report;

    public DataValidationFailedException(ValidationReport report) {
        super(report.summary());
        this.report = report;
    }

    public ValidationReport report() {
        return report;
    }
}
