package dev.feedrank.validation;

import java.util.Locale;

/** What a failed validation check does: ERROR fails the run, WARNING is recorded only; OFF skips the check. */
public enum Severity {
    ERROR, WARNING, OFF;

    public static Severity parse(String text, String key) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + ": expected error, warning or off, got '" + text + "'");
        }
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
