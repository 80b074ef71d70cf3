package io.converge.crdt;

/**
 * A counter's total would leave the range of {@code long} (read it with {@code bigValue()}), or an
 * update would take one replica's entry, a count or a dot counter, beyond
 * {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER} (2<sup>62</sup>): the update is refused
 * and changes nothing.
 */
public final class CounterOverflowException extends ConvergeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message. */
    public CounterOverflowException(String message) {
        super(message);
    }
}
