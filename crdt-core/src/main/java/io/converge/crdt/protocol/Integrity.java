package io.converge.crdt.protocol;

import io.converge.crdt.CausalCrdt;
import io.converge.crdt.Conflict;
import io.converge.crdt.GCounter;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.Optional;

/**
 * The checks a received delta or state passes before it is joined (crdt.md §2: a dot is minted
 * once). Two kinds of proof make the machine refuse an input:
 * <ul>
 *   <li>it holds an event of <em>this</em> replica beyond the last one this replica issued for
 *       the key: another incarnation used this id and lost its state ({@link
 *       Output.ReplicaIdReused});
 *   <li>it holds a dot or stamp that the key's state here holds with another payload
 *       ({@link ReplicatedData#conflict}): a corrupted frame, or a peer that reuses an id. A
 *       conflict on one of this replica's own dots is the first case again, seen from the node
 *       that lost its state after it wrote again.
 * </ul>
 * Pure and stateless, so the machine stays deterministic.
 */
final class Integrity {
    private Integrity() {
    }

    /**
     * Why {@code incoming} for {@code key}, from {@code from}, must not be joined into
     * {@code current} (null for a key not held here), or null if it may. {@code ttl} says the key
     * has a time to live: its state is dropped on expiry and may be recreated. A recreated causal
     * key mints its dots above {@code floor} (the machine's dot floor, see {@code KeyStates}), which
     * covers every dot this replica issued for the key's earlier lives, so its own events are
     * checked against that floor too. Counters have no dots: a recreated counter honestly counts
     * from 0 again, so for them only conflicts are checked.
     */
    static Output.Contradiction check(ReplicaId self, ReplicaId from, String key, ReplicatedData<?> current,
            ReplicatedData<?> incoming, boolean ttl, long floor) {
        if (!ttl || incoming instanceof CausalCrdt<?>) {
            String beyond = ownEventsBeyond(self, current, incoming, ttl ? floor : 0);
            if (beyond != null) {
                return new Output.ReplicaIdReused(from, key, beyond);
            }
        }
        if (current == null) {
            return null;
        }
        Optional<Conflict> c = conflict(current, incoming);
        if (c.isEmpty()) {
            return null;
        }
        if (c.get().replica().equals(self)) {
            return new Output.ReplicaIdReused(from, key, "it holds " + c.get());
        }
        return new Output.ConflictingInput(from, key, c.get());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Optional<Conflict> conflict(ReplicatedData<?> current, ReplicatedData<?> incoming) {
        return ((ReplicatedData) current).conflict(incoming);
    }

    /**
     * What {@code incoming} holds of {@code self}'s events beyond both what {@code current} holds
     * and {@code floor}, or null.
     */
    private static String ownEventsBeyond(ReplicaId self, ReplicatedData<?> current, ReplicatedData<?> incoming,
            long floor) {
        long[] theirs = issued(incoming, self);
        long[] ours = current == null ? new long[theirs.length] : issued(current, self);
        for (int i = 0; i < theirs.length && i < ours.length; i++) {
            if (theirs[i] > Math.max(ours[i], floor)) {
                return "it holds event " + theirs[i] + " of " + self + ", which issued only "
                        + Math.max(ours[i], floor) + " here";
            }
        }
        return null;
    }

    /**
     * The highest events {@code r} issued as {@code value} records them: one count per kind
     * (a context's last dot; a counter's increments and decrements); none for types that do not
     * record their writers' events.
     */
    private static long[] issued(ReplicatedData<?> value, ReplicaId r) {
        if (value instanceof CausalCrdt<?> c) {
            return new long[] {c.context().max(r)};
        }
        if (value instanceof GCounter g) {
            return new long[] {g.get(r)};
        }
        if (value instanceof PNCounter p) {
            return new long[] {p.increments().get(r), p.decrements().get(r)};
        }
        return new long[0];
    }
}
