package io.converge.crdt.store;

import io.converge.crdt.ConvergeException;

/**
 * A local store could not do what was asked: an I/O error, a directory held by another process,
 * or a store already closed or failed. Subclasses name the caller's mistakes.
 *
 * <p>After an I/O error while appending or syncing, a {@link DeltaLog} <b>fails for good</b>:
 * every later call throws a {@code StoreException} whose cause is the first error. A failed
 * {@code fsync} cannot be retried safely (the kernel may have dropped the dirty pages it could
 * not write), so the only way on is to close the log and reopen it, which recovers what is
 * actually on disk.
 */
public class StoreException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public StoreException(String message) {
        super(message);
    }

    /** An exception with a message and a cause (usually an {@link java.io.IOException}). */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
