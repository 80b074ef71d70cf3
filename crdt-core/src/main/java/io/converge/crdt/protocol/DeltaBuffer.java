package io.converge.crdt.protocol;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The delta buffer {@code D} of crdt.md §5: positions {@code [start, next)}, each a key's delta
 * with its origin, kept until every peer that needs it acknowledged it. Bounded: past
 * {@code maxEntries} the oldest delta is evicted, and a peer still needing it gets a transfer.
 * Confined to the machine.
 */
final class DeltaBuffer {
    private final int maxEntries;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long next;
    private long start;

    /** A delta at one buffer position, with its size in messages once measured. */
    static final class Entry {
        final long seq;
        final String key;
        final ReplicatedData<?> delta;
        /** The replica it came from: ourselves for a local update, else the peer that sent it. */
        final ReplicaId origin;
        final long expiresAt;
        /** Bytes as the machine's sizer measures them; -1 until needed. */
        long bytes;

        Entry(long seq, String key, ReplicatedData<?> delta, ReplicaId origin, long expiresAt, long bytes) {
            this.seq = seq;
            this.key = key;
            this.delta = delta;
            this.origin = origin;
            this.expiresAt = expiresAt;
            this.bytes = bytes;
        }
    }

    DeltaBuffer(long sequence, int maxEntries) {
        this.next = sequence;
        this.start = sequence;
        this.maxEntries = maxEntries;
    }

    /** The next sequence number {@code c}. */
    long next() {
        return next;
    }

    /** The oldest position still buffered ({@link #next()} when empty). */
    long start() {
        return start;
    }

    int size() {
        return entries.size();
    }

    /** Buffers a delta at the next position and returns it; evicts the oldest past the bound. */
    long append(String key, ReplicatedData<?> delta, ReplicaId origin, long expiresAt, long bytes) {
        long seq = next++;
        entries.addLast(new Entry(seq, key, delta, origin, expiresAt, bytes));
        if (entries.size() > maxEntries) {
            // A peer that stops acknowledging cannot make the buffer grow forever: it will get a
            // transfer instead of the evicted deltas.
            entries.removeFirst();
        }
        start = entries.isEmpty() ? next : entries.peekFirst().seq;
        return seq;
    }

    /** The entries from position {@code from} (at least {@link #start()}) on, in order. */
    Iterator<Entry> from(long from) {
        Iterator<Entry> it = entries.iterator();
        for (long i = start; i < from && it.hasNext(); i++) {
            it.next();
        }
        return it;
    }

    /** Drops the entries below {@code keepFrom}. */
    void trimBelow(long keepFrom) {
        while (!entries.isEmpty() && entries.peekFirst().seq < keepFrom) {
            entries.removeFirst();
        }
        start = entries.isEmpty() ? next : entries.peekFirst().seq;
    }
}
