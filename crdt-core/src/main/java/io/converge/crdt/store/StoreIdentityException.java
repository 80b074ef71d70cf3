package io.converge.crdt.store;

/**
 * A store refused to open because of whose it is: its identity file ({@code IDENTITY}, holding the
 * replica id the store belongs to) cannot be read, or names another replica
 * ({@link ReplicaIdMismatchException}). Nothing on disk was changed.
 *
 * <p>An unreadable identity file can be restored, or the store opened as a new replica with
 * {@link StoreConfig.Builder#recoverAsNewReplica}.
 */
public class StoreIdentityException extends StoreException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public StoreIdentityException(String message) {
        super(message);
    }

    /** An exception with a message and a cause. */
    public StoreIdentityException(String message, Throwable cause) {
        super(message, cause);
    }
}
