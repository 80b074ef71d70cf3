package io.converge.crdt;

/**
 * A local update was refused because its delta holds an entry too large to travel in one message
 * ({@code SyncConfig.maxMessageBytes}): it could never reach a peer, so it changes nothing here
 * either. Split the value (smaller elements, several keys) or raise the bound and the codec's
 * frame limit together.
 */
public final class ValueTooLargeException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    /** For {@code key}, whose delta measured {@code bytes} against the bound {@code limit}. */
    public ValueTooLargeException(String key, long bytes, long limit) {
        super("the update of '" + key + "' makes an entry of " + bytes + " bytes, above the message bound of "
                + limit + " bytes");
    }

    /** For {@code key}, whose delta holds a value that peers refuse, as {@code detail} says. */
    public ValueTooLargeException(String key, String detail) {
        super("the update of '" + key + "' holds a value that peers refuse: " + detail);
    }
}
