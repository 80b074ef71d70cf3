package io.converge.crdt;

import io.converge.crdt.causal.ReplicaId;
import java.util.Objects;

/**
 * Proof that two values of one type contradict each other: they give one event, a dot or a
 * last-writer-wins stamp, two different payloads. A dot is minted once, for one key and one value
 * (crdt.md §2), and equal stamps name the same write (crdt.md §3), so an honest replica never
 * produces such a pair; it comes from a corrupted frame or from a replica id reused after its
 * state was lost. Joining such values would not be commutative (the joins keep whichever copy
 * they meet first), and the replicas would diverge for good: see {@link ReplicatedData#conflict}.
 *
 * <p>Immutable.
 *
 * @param kind whether a dot or a stamp was reused
 * @param replica the replica that minted the event (the dot's replica, or the stamp's writer)
 * @param event the dot's counter, or the packed HLC stamp
 * @param entry where the other value holds it: its key or element, printed and cut to
 *     {@value #MAX_ENTRY_CHARS} characters
 */
public record Conflict(Kind kind, ReplicaId replica, long event, String entry) {
    /** Longest {@link #entry()} kept: it names something a peer sent, for a log line. */
    public static final int MAX_ENTRY_CHARS = 64;

    /** What was reused. */
    public enum Kind {
        /** A dot {@code (replica, event)} held with two different payloads or under two keys. */
        DOT,
        /** An LWW stamp {@code (event, replica)} held with two different values or dots. */
        STAMP
    }

    /** Checks the components and cuts {@code entry}. */
    public Conflict {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(entry, "entry");
        if (entry.length() > MAX_ENTRY_CHARS) {
            entry = entry.substring(0, MAX_ENTRY_CHARS - 1) + "…";
        }
    }

    /** A reused dot, found at {@code entry} of the other value. */
    static Conflict dot(ReplicaId replica, long counter, Object entry) {
        return new Conflict(Kind.DOT, replica, counter, String.valueOf(entry));
    }

    /** A reused stamp, found at {@code entry} of the other value. */
    static Conflict stamp(ReplicaId replica, long stamp, Object entry) {
        return new Conflict(Kind.STAMP, replica, stamp, String.valueOf(entry));
    }

    @Override
    public String toString() {
        return (kind == Kind.DOT ? "dot (" + replica + "," + event + ")"
                : "stamp " + new io.converge.crdt.causal.HlcTimestamp(event) + " of " + replica)
                + " reused with another payload at " + entry;
    }
}
