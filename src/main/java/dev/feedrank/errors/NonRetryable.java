package dev.feedrank.errors;

/**
 * Marks an error that retrying cannot fix (bad input data, bad settings): the runner fails the stage at once. It
 * lives in this bottom package, importing nothing, so the domain packages that throw such errors ({@code data},
 * {@code training}) need not import the orchestration that reads it.
 */
public interface NonRetryable {
}
