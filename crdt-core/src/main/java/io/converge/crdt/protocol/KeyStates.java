package io.converge.crdt.protocol;

import io.converge.crdt.CausalCrdt;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.ReplicaId;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * The machine's store {@code X}: every key's state, the expiry of the keys with a time to live,
 * and a digest of the whole store kept up to date in O(1) per change. Keys iterate in the order
 * they were first written (so offers list them alike in every JVM). Confined to the machine.
 *
 * <h2>Per-key digests</h2>
 * Each key's state is held with its digest, computed once when the state is stored. A transfer
 * offers every key's digest and its receiver compares every offered one, so without the cache
 * each transfer would digest the whole store twice (a built-in digest reads the state's
 * context, a user type's default one its {@code hashCode}, which may walk the whole value); with
 * it, offering and comparing cost a lookup per key, and only a changed key is digested again.
 * States are immutable, so a digest once taken stays right.
 *
 * <h2>The dot floor</h2>
 * A dot is minted once (crdt.md §2), but an expired key keeps nothing, so its next life would
 * start from the type's empty value and mint {@code (self, 1)} again, a dot that a peer which has
 * not expired the key yet still holds with the old payload. So the store keeps the
 * <em>floor</em>: the highest counter of {@code self} held by any state it dropped, or was
 * restored with under a time to live (only those can be dropped), and the floor it was restored
 * with; it never goes down. A key created from empty starts from {@link #fresh}: the empty value
 * whose context covers {@code self} up to the floor, so its dots are above every dot this replica
 * issued for any key that may have been dropped, and its first delta, carrying that context,
 * removes what a peer still holds of the expired life. Keys that are held need no floor: their own
 * context covers what {@code self} issued for them. The floor moves only when a key expires; an
 * update reads it only when it creates a key. A replica that uses no time to live keeps a floor of
 * 0 and mints as before. Counter space: the floor is a counter this replica issued, so dots stay
 * as dense as before, far from {@code VersionVector.MAX_COUNTER}.
 */
final class KeyStates {
    private final ToLongFunction<ReplicatedData<?>> digester;
    private final Map<String, Held> states = new LinkedHashMap<>();
    /** Expiry (epoch ms) of the keys that have a time to live. */
    private final Map<String, Long> expiries = new HashMap<>();
    /** (expiry, key) in expiry order; entries made stale by a renewal are skipped when polled. */
    private final PriorityQueue<Expiry> queue = new PriorityQueue<>();
    private long digest;
    private final ReplicaId self;
    /** The highest counter of {@code self} in a state dropped or restored with an expiry; never lower. */
    private long floor;

    /** A key's state and its digest ({@code digester} of the state), taken when it was stored. */
    record Held(ReplicatedData<?> state, long digest) {
    }

    private record Expiry(long at, String key) implements Comparable<Expiry> {
        @Override
        public int compareTo(Expiry o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : key.compareTo(o.key);
        }
    }

    /**
     * A store restored with {@code restored} (which may hold keys already expired: their counters
     * still count towards the floor, as do those of every key restored with an expiry) and the
     * floor persisted with it ({@code restoredFloor}, 0 if none).
     */
    KeyStates(ReplicaId self, ToLongFunction<ReplicatedData<?>> digester, Map<String, ReplicatedData<?>> restored,
            Map<String, Long> restoredExpiries, long restoredFloor) {
        this.self = self;
        this.digester = digester;
        if (restoredFloor < 0) {
            throw new IllegalArgumentException("the dot floor must not be negative, got " + restoredFloor);
        }
        this.floor = restoredFloor;
        new TreeMap<>(restored).forEach((k, v) -> {
            Held h = new Held(v, digester.applyAsLong(v));
            states.put(k, h);
            digest += keyDigest(k, h.digest());
            if (restoredExpiries.getOrDefault(k, 0L) > 0) {
                raiseFloor(v); // a key that may be dropped, or was while the node was down
            }
        });
        new TreeMap<>(restoredExpiries).forEach((k, e) -> {
            if (states.containsKey(k) && e > 0) {
                expiries.put(k, e);
                queue.add(new Expiry(e, k));
            }
        });
    }

    ReplicatedData<?> get(String key) {
        Held h = states.get(key);
        return h == null ? null : h.state();
    }

    int size() {
        return states.size();
    }

    Iterable<String> keys() {
        return java.util.Collections.unmodifiableSet(states.keySet());
    }

    /** Every key with its state and digest, in the order the keys were first written. */
    Iterable<Map.Entry<String, Held>> entries() {
        return java.util.Collections.unmodifiableMap(states).entrySet();
    }

    /** Digest of the whole store: equal on replicas holding equal states. */
    long digest() {
        return digest;
    }

    /** Whether {@code key} is held with a state of digest {@code digest}, as an offer carries it. */
    boolean holds(String key, long digest) {
        Held h = states.get(key);
        return h != null && h.digest() == digest;
    }

    /** When {@code key} expires (epoch ms), 0 if it has no time to live. */
    long expiryOf(String key) {
        return expiries.getOrDefault(key, 0L);
    }

    Optional<Long> expiry(String key) {
        return Optional.ofNullable(expiries.get(key));
    }

    /** Whether {@code expiresAt} would push the key's expiry later. */
    boolean extendsExpiry(String key, long expiresAt) {
        if (expiresAt <= 0) {
            return false;
        }
        Long e = expiries.get(key);
        return e == null || e < expiresAt;
    }

    /**
     * Stores {@code after} for {@code key} and extends its expiry to {@code expiresAt} if later;
     * returns the key's expiry now (0 if none). Digests {@code after} once, unless it is the state
     * already held.
     */
    long put(String key, ReplicatedData<?> after, long expiresAt) {
        long effective;
        if (extendsExpiry(key, expiresAt)) {
            expiries.put(key, expiresAt);
            queue.add(new Expiry(expiresAt, key));
            effective = expiresAt;
        } else {
            effective = expiryOf(key);
        }
        Held old = states.get(key);
        // A lease renewal stores the same state again: its digest is known.
        long d = old != null && old.state() == after ? old.digest() : digester.applyAsLong(after);
        states.put(key, new Held(after, d));
        if (old != null) {
            digest -= keyDigest(key, old.digest());
        }
        digest += keyDigest(key, d);
        return effective;
    }

    /** Drops the keys whose time to live ran out by {@code now}, adding their names to {@code dropped}. */
    void expire(long now, List<String> dropped) {
        while (!queue.isEmpty() && queue.peek().at() <= now) {
            Expiry e = queue.poll();
            Long current = expiries.get(e.key());
            if (current == null || current != e.at()) {
                continue; // renewed since: a later entry stands for it
            }
            expiries.remove(e.key());
            Held old = states.remove(e.key());
            if (old != null) {
                raiseFloor(old.state());
                digest -= keyDigest(e.key(), old.digest());
                dropped.add(e.key());
            }
        }
    }

    /** The highest counter of this replica's dots that a key created now must stay above. */
    long floor() {
        return floor;
    }

    /**
     * The state a key created from empty starts from: {@code bottom} itself for a type without
     * dots or while the floor is 0, else {@code bottom} with a context covering {@code self} up to
     * the floor (see the class comment).
     */
    ReplicatedData<?> fresh(ReplicatedData<?> bottom) {
        if (floor == 0 || !(bottom instanceof CausalCrdt<?> c)) {
            return bottom;
        }
        return c.withContext(c.context().union(CausalContext.builder().addUpTo(self, floor).build()));
    }

    private void raiseFloor(ReplicatedData<?> state) {
        if (state instanceof CausalCrdt<?> c) {
            floor = Math.max(floor, c.context().max(self));
        }
    }

    /** When the next key expires, {@link Long#MAX_VALUE} if none will. */
    long nextExpiry() {
        return queue.isEmpty() ? Long.MAX_VALUE : queue.peek().at();
    }

    /** Whether a copy carrying {@code expiries} is of a key already expired at {@code now}. */
    static boolean expired(Map<String, Long> expiries, String key, long now) {
        Long e = expiries.get(key);
        return e != null && e > 0 && e <= now;
    }

    private static long keyDigest(String key, long stateDigest) {
        long h = key.hashCode() * 0x9E3779B97F4A7C15L + stateDigest;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 29);
    }
}
