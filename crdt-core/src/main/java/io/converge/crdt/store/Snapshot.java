package io.converge.crdt.store;

import java.nio.ByteBuffer;

/**
 * A snapshot read back from a {@link SnapshotStore}: the opaque bytes of a whole state and the
 * sequence up to which (inclusive) the state covers the log's records.
 *
 * <p>Immutable and safe to share between threads: {@link #state()} is a read-only view and
 * {@link #stateBytes()} a copy.
 */
public final class Snapshot {
    private final long sequence;
    private final byte[] state;

    Snapshot(long sequence, byte[] state) {
        this.sequence = sequence;
        this.state = state;
    }

    /** The last log sequence the state includes; replay the log from here (exclusive). */
    public long sequence() {
        return sequence;
    }

    /** The state's bytes, as a read-only buffer positioned at 0 (no copy). */
    public ByteBuffer state() {
        return ByteBuffer.wrap(state).asReadOnlyBuffer();
    }

    /** A fresh copy of the state's bytes. */
    public byte[] stateBytes() {
        return state.clone();
    }

    /** The size of the state in bytes. */
    public int size() {
        return state.length;
    }

    @Override
    public String toString() {
        return "Snapshot{sequence=" + sequence + ", " + state.length + " bytes}";
    }
}
