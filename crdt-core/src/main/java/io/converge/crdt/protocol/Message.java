package io.converge.crdt.protocol;

import io.converge.crdt.ReplicatedData;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one {@link SyncMachine} sends another. Every message is bounded by
 * {@link SyncConfig#maxEntriesPerMessage()}; large intervals and full states travel as several.
 *
 * <p>Sequence numbers are the sender's: {@code Δ[start, end)} is the join of the deltas its
 * buffer holds at positions {@code start} to {@code end − 1}.
 */
public sealed interface Message {
    /**
     * Number of entries the message carries: digests or key names, or for values the sum of
     * their entries (elements of a set, keys of a map, one for other types). Bounded by
     * {@link SyncConfig#maxEntriesPerMessage()}, which bounds the frame's size.
     */
    int entries();

    /**
     * An unmodifiable copy of {@code m} iterated in key order: a message's maps iterate alike in
     * every JVM (unlike {@code Map.copyOf}), so a machine fed the same messages takes the same
     * steps wherever it runs. A {@link java.util.TreeMap} in natural order (as the machine builds
     * offer chunks) is copied in linear time, without sorting again: a full-state offer carries
     * every key of the store.
     */
    private static <V> Map<String, V> sorted(Map<String, V> m) {
        java.util.TreeMap<String, V> copy;
        if (m instanceof java.util.TreeMap<String, V> t && t.comparator() == null) {
            // A TreeMap holds no null key in natural order; its values may still be null.
            copy = new java.util.TreeMap<>(t);
            copy.values().forEach(v -> Objects.requireNonNull(v, "value"));
        } else {
            copy = new java.util.TreeMap<>();
            m.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, "value")));
        }
        return java.util.Collections.unmodifiableSortedMap(copy);
    }

    /** The total entries of some values. */
    private static int entriesOf(Map<String, ReplicatedData<?>> values) {
        int n = 0;
        for (ReplicatedData<?> v : values.values()) {
            n += io.converge.crdt.internal.Representation.access().entryCount(v);
        }
        return n;
    }

    /**
     * The delta-interval {@code Δ[start, end)}, joined per key. The receiver joins it only if it
     * leaves no causal gap, then acknowledges {@code end}; otherwise it answers {@link Nack}.
     */
    record Deltas(long start, long end, Map<String, ReplicatedData<?>> deltas, Map<String, Long> expiries)
            implements Message {
        /** {@code expiries}: for keys with a time to live, when they expire (epoch ms). */
        public Deltas {
            deltas = sorted(deltas);
            expiries = sorted(expiries);
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("bad interval [" + start + "," + end + ")");
            }
        }

        @Override
        public int entries() {
            return entriesOf(deltas);
        }
    }

    /**
     * The receiver has joined everything the sender had before {@code upTo}: by the interval
     * ending there ({@code transfer} 0), or by completing transfer {@code transfer}. Naming the
     * transfer keeps a late acknowledgement of an older one from ending a newer one.
     */
    record Ack(long upTo, long transfer) implements Message {
        /** The acknowledgement of an interval. */
        public Ack(long upTo) {
            this(upTo, 0);
        }

        @Override
        public int entries() {
            return 0;
        }
    }

    /**
     * The receiver could not join {@code Δ[.., end)} without a causal gap; the sender falls back
     * to a full-state transfer.
     */
    record Nack(long end) implements Message {
        @Override
        public int entries() {
            return 0;
        }
    }

    /**
     * One chunk of a full-state offer: the digest of each of the sender's keys. The receiver
     * requests the keys whose digest it does not share. {@code upTo} is the sender's sequence
     * when the offer began: once the transfer completes, the receiver acknowledges it.
     */
    record Offer(long transfer, long upTo, boolean last, Map<String, Long> digests, long seq) implements Message {
        /**
         * {@code seq}: the message's place among all messages of its transfer (offers, states and
         * parts, in the order sent): a receiver that sees one missing abandons the transfer
         * rather than complete it without what the lost one carried.
         */
        public Offer {
            digests = sorted(digests);
        }

        /** The first message of a transfer. */
        public Offer(long transfer, long upTo, boolean last, Map<String, Long> digests) {
            this(transfer, upTo, last, digests, 0);
        }

        @Override
        public int entries() {
            return digests.size();
        }
    }

    /** The keys of one offer chunk that the receiver lacks or holds differently. */
    record Request(long transfer, boolean last, List<String> keys) implements Message {
        public Request {
            keys = List.copyOf(keys);
        }

        @Override
        public int entries() {
            return keys.size();
        }
    }

    /**
     * Full states of requested keys; {@code last} closes the answer to one request, and then
     * {@code parts} says how many {@link StatePart}s that answer sent besides.
     */
    record States(long transfer, boolean last, Map<String, ReplicatedData<?>> states, Map<String, Long> expiries,
            int parts, long seq) implements Message {
        /** {@code seq}: as for {@link Offer}. */
        public States {
            states = sorted(states);
            expiries = sorted(expiries);
            if (parts < 0) {
                throw new IllegalArgumentException("parts must not be negative");
            }
        }

        /** A chunk at {@code seq} 0 that sent no parts. */
        public States(long transfer, boolean last, Map<String, ReplicatedData<?>> states, Map<String, Long> expiries) {
            this(transfer, last, states, expiries, 0, 0);
        }

        /** A chunk at {@code seq} 0. */
        public States(long transfer, boolean last, Map<String, ReplicatedData<?>> states, Map<String, Long> expiries,
                int parts) {
            this(transfer, last, states, expiries, parts, 0);
        }

        @Override
        public int entries() {
            return entriesOf(states);
        }
    }

    /**
     * Part {@code part} of {@code parts} of one key's state too large for one message. Parts are
     * not states (each carries the whole context but only some entries): the receiver joins the
     * key only once it has assembled every part, so a large value is still applied atomically.
     */
    record StatePart(long transfer, String key, int part, int parts, ReplicatedData<?> value, long expiresAt, long seq)
            implements Message {
        /** {@code seq}: as for {@link Offer}. */
        public StatePart {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (parts < 1 || part < 0 || part >= parts) {
                throw new IllegalArgumentException("part " + part + " of " + parts);
            }
        }

        /** A part at {@code seq} 0. */
        public StatePart(long transfer, String key, int part, int parts, ReplicatedData<?> value, long expiresAt) {
            this(transfer, key, part, parts, value, expiresAt, 0);
        }

        @Override
        public int entries() {
            return io.converge.crdt.internal.Representation.access().entryCount(value);
        }
    }

    /**
     * Sent on a quiet link now and then: the sender's sequence and a digest of its whole store,
     * so a peer that missed something (or restarted) notices without any data being resent.
     */
    record Heartbeat(long sequence, long storeDigest) implements Message {
        @Override
        public int entries() {
            return 0;
        }
    }

    /**
     * The sender leaves for good, having flushed what its peers acknowledged: release it now
     * (as {@link PeerDownReason#LEFT}) instead of keeping its position for a return.
     */
    record Goodbye() implements Message {
        @Override
        public int entries() {
            return 0;
        }
    }

    /**
     * The sender cannot reach these replicas now, though they may be up elsewhere: a peer that
     * reaches one of them forwards that origin's deltas to the sender (and starts a transfer once,
     * for what it skipped before), so writes cross a non-transitive partition through it. Sent
     * when the set changes and again every heartbeat interval while it is not empty; an empty set
     * withdraws the request.
     */
    record Unreachable(java.util.SortedSet<io.converge.crdt.causal.ReplicaId> replicas) implements Message {
        public Unreachable {
            replicas = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(replicas));
        }

        @Override
        public int entries() {
            return replicas.size();
        }
    }

    /** Asks the receiver for its state of {@code key}; answered with a {@link ReadReply}. */
    record ReadRequest(long id, String key) implements Message {
        public ReadRequest {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public int entries() {
            return 1;
        }
    }

    /**
     * The answer to {@link ReadRequest} {@code id}: the sender's state of {@code key} and its
     * expiry (0 for none), or none if it holds nothing; {@code tooLarge} when the state does not
     * fit one message (then {@code state} is empty).
     */
    record ReadReply(long id, String key, java.util.Optional<ReplicatedData<?>> state, long expiresAt,
            boolean tooLarge) implements Message {
        public ReadReply {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(state, "state");
        }

        @Override
        public int entries() {
            return state.map(v -> io.converge.crdt.internal.Representation.access().entryCount(v)).orElse(0);
        }
    }
}
