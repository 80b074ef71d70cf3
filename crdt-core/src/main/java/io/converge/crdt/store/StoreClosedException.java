package io.converge.crdt.store;

/** A store was used after {@code close()}; also fails the durability futures pending at close. */
public final class StoreClosedException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public StoreClosedException(String message) {
        super(message);
    }
}
