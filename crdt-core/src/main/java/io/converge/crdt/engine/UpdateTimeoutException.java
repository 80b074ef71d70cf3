package io.converge.crdt.engine;

import io.converge.crdt.ConvergeException;

/** An update was not applied within its timeout; it may still be applied later. */
public final class UpdateTimeoutException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public UpdateTimeoutException(String message) {
        super(message);
    }
}
