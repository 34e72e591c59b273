package dev.feedrank.serving;

import java.io.IOException;

/**
 * Redis could not be reached, dropped the connection, timed out, refused a command, or does not hold what was
 * written (count or checksum read back differ). An {@link IOException}: the runner retries it as transient.
 */
public class RedisUnavailableException extends IOException {

    public RedisUnavailableException(String message) {
        super(message);
    }

    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
