package io.converge.crdt;

/** A counter's total or one replica's contribution would leave the range of {@code long}. */
public final class CounterOverflowException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public CounterOverflowException(String message) {
        super(message);
    }
}
