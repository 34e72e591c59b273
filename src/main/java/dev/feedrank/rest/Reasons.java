package dev.feedrank.rest;

import jakarta.ws.rs.BadRequestException;

/**
 * The free-text {@code reason} of promote, rollback, archive and schedule changes: stored, shown by the API and the
 * CLI, and written to logs. One line of printable text only: a reason with CR/LF or other control characters (a log
 * or header injection) is refused with 400 rather than stored altered.
 */
public final class Reasons {

    static final int MAX_LENGTH = 500;

    private Reasons() {
    }

    /** The reason, unchanged, when it is acceptable (null too: whether one is required is the registry's rule). */
    public static String check(String reason) {
        if (reason == null) return null;
        if (reason.length() > MAX_LENGTH) {
            throw new BadRequestException("reason: expected at most " + MAX_LENGTH + " characters, got " + reason.length());
        }
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new BadRequestException("reason: expected one line of text without control characters "
                        + "(CR, LF, tab, NUL ...), found one at position " + (i + 1));
            }
        }
        return reason;
    }
}
