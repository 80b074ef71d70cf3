package io.converge.net.http;

import io.converge.crdt.ConvergeException;

/**
 * The backend cannot serve the consistency level asked for (for example majority before the
 * node knows its membership): the API answers 501 and changes nothing.
 */
final class ConsistencyUnavailableException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    ConsistencyUnavailableException(String message) {
        super(message);
    }
}
