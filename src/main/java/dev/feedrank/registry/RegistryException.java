package dev.feedrank.registry;

/** A registry request that cannot be carried out: an unknown version or alias, or a move the rules forbid. */
public class RegistryException extends RuntimeException {

    /** UNAVAILABLE: a service the move needs (serving's Redis) could not be reached; nothing moved. */
    public enum Kind { NOT_FOUND, CONFLICT, INVALID, UNAVAILABLE }

    private final Kind kind;

    public RegistryException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public RegistryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
