package io.converge.crdt.engine;

import io.converge.crdt.ConvergeException;

/**
 * An update named a key of a {@link ReservedKeys reserved namespace} without holding its
 * capability; nothing was applied.
 */
public final class ReservedKeyException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    ReservedKeyException(String message) {
        super(message);
    }
}
