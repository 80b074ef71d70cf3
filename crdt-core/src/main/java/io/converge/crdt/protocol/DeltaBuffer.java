package io.converge.crdt.protocol;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The delta buffer {@code D} of crdt.md §5: positions {@code [start, next)}, each a key's delta
 * with its origin and its size, kept until every peer that needs it acknowledged it. The machine
 * bounds it (in entries and bytes) by releasing the peers furthest behind and trimming past them.
 * Confined to the machine.
 */
final class DeltaBuffer {
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long next;
    private long start;
    /** The sum of the entries' bytes. */
    private long bytes;

    /** A delta at one buffer position, with its size in messages. */
    static final class Entry {
        final long seq;
        final String key;
        final ReplicatedData<?> delta;
        /** The replica it came from: ourselves for a local update, else the peer that sent it. */
        final ReplicaId origin;
        final long expiresAt;
        /** Bytes as the machine's sizer measures them. */
        final long bytes;

        Entry(long seq, String key, ReplicatedData<?> delta, ReplicaId origin, long expiresAt, long bytes) {
            this.seq = seq;
            this.key = key;
            this.delta = delta;
            this.origin = origin;
            this.expiresAt = expiresAt;
            this.bytes = bytes;
        }
    }

    DeltaBuffer(long sequence) {
        this.next = sequence;
        this.start = sequence;
    }

    /** The bytes of the buffered deltas. */
    long bytes() {
        return bytes;
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

    /** Buffers a delta of {@code size} bytes at the next position and returns the position. */
    long append(String key, ReplicatedData<?> delta, ReplicaId origin, long expiresAt, long size) {
        long seq = next++;
        if (entries.isEmpty()) {
            start = seq;
        }
        entries.addLast(new Entry(seq, key, delta, origin, expiresAt, size));
        bytes += size;
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
            bytes -= entries.removeFirst().bytes;
        }
        start = entries.isEmpty() ? next : entries.peekFirst().seq;
    }
}
