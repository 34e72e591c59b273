package dev.feedrank.orchestration;

import dev.feedrank.errors.NonRetryable;

/**
 * A write refused because a newer holder took the pipeline lease (a higher fencing token): this execution of the run
 * has been superseded (e.g. it stalled past its lease and another process resumed the run) and must stop without
 * writing anything more. Never retried.
 */
public class FencedException extends RuntimeException implements NonRetryable {

    public FencedException(String message) {
        super(message);
    }
}
