package dev.feedrank.registry;

/** A registry request that cannot be carried out: an unknown version or alias, or a move the rules forbid. */
public class RegistryException extends RuntimeException {

    public enum Kind { NOT_FOUND, CONFLICT, INVALID }

    private final Kind kind;

    public RegistryException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
