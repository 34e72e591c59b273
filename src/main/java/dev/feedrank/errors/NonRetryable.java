package dev.feedrank.orchestration;

/** Marks an error that retrying cannot fix (bad input data, bad settings): the runner fails the stage at once. */
public interface NonRetryable {
}
