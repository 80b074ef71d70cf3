package io.converge.crdt;

/**
 * Two states of different CRDT types met where one type was expected, for example two nested
 * values of one {@link ORMap} key (which Converge refuses instead of merging them, unlike Pekko's
 * {@code ORMap}, which documents that a key's value type must never change).
 */
public final class CrdtTypeMismatchException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public CrdtTypeMismatchException(String message) {
        super(message);
    }
}
