package io.converge.crdt;

/**
 * The root of Converge's typed, unchecked exceptions: every failure the library reports on
 * purpose is a subclass, so callers can tell them from bugs.
 */
public class ConvergeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public ConvergeException(String message) {
        super(message);
    }

    /** An exception with a message and a cause. */
    public ConvergeException(String message, Throwable cause) {
        super(message, cause);
    }
}
