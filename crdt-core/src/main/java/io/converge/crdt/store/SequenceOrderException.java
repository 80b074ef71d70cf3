package io.converge.crdt.store;

/**
 * An append's sequence number was not greater than the last one in the log, or was negative.
 * Nothing was written; the log stays usable.
 */
public final class SequenceOrderException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final long sequence;
    private final long lastSequence;

    /** An exception naming the rejected sequence and the log's last one. */
    public SequenceOrderException(long sequence, long lastSequence) {
        super("sequence " + sequence + " is not greater than the last sequence " + lastSequence
                + (sequence < 0 ? " (sequences are non-negative)" : ""));
        this.sequence = sequence;
        this.lastSequence = lastSequence;
    }

    /** The rejected sequence number. */
    public long sequence() {
        return sequence;
    }

    /** The log's last sequence number when the append was rejected ({@code -1} if empty). */
    public long lastSequence() {
        return lastSequence;
    }
}
