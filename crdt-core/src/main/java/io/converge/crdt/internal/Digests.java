package io.converge.crdt.internal;

import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import java.util.UUID;

/**
 * 64-bit content digests: equal for equal values on every JVM, well mixed so that different
 * states rarely share one. Anti-entropy compares them to skip keys a peer already holds, so a
 * collision would hide a difference until the key changes again: hence 64 bits and a real mixer
 * (the finaliser of MurmurHash3) rather than combinations of 32-bit {@code hashCode}s, which
 * collide on structurally similar states. Strings are digested from their characters.
 */
public final class Digests {
    private Digests() {
    }

    /** MurmurHash3's 64-bit finaliser. */
    public static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    /** A digest of the ordered pair {@code (a, b)}. */
    public static long pair(long a, long b) {
        return mix(a * 0x9E3779B97F4A7C15L + mix(b + 0x632BE59BD9B4E019L));
    }

    /** A 64-bit digest of a string's characters (FNV-1a, then mixed). */
    public static long of(String s) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001B3L;
        }
        return mix(h ^ s.length());
    }

    /** Recently digested replica ids: a state names few, and every dot digest needs one. */
    private static final ReplicaDigest[] RECENT = new ReplicaDigest[16];

    private record ReplicaDigest(ReplicaId id, long digest) {
    }

    /** A digest of a replica id. */
    public static long of(ReplicaId id) {
        int slot = id.hashCode() & (RECENT.length - 1);
        // Racy by design: a slot holds an immutable pair, so a reader sees a whole pair or a miss.
        ReplicaDigest r = RECENT[slot];
        if (r != null && (r.id == id || r.id.equals(id))) {
            return r.digest;
        }
        long d = of(id.name());
        RECENT[slot] = new ReplicaDigest(id, d);
        return d;
    }

    /** A digest of a version vector: order-independent over its entries. */
    public static long of(io.converge.crdt.causal.VersionVector v) {
        long[] h = {0x5EED};
        v.forEach((id, n) -> h[0] += pair(of(id), n));
        return mix(h[0]);
    }

    /** A digest of a causal context: its vector's and its cloud's dots. */
    public static long of(io.converge.crdt.causal.CausalContext c) {
        long[] h = {of(c.versionVector())};
        if (!c.isCompact()) {
            c.forEachCloudDot(d -> h[0] += pair(of(d.replica()), d.counter() ^ 0x7C10D));
        }
        return mix(h[0]);
    }

    /** A digest of a dot. */
    public static long of(Dot d) {
        return ofDot(d.replica(), d.counter());
    }

    /** A digest of the dot {@code (replica, counter)}, without a {@link Dot} object. */
    public static long ofDot(ReplicaId replica, long counter) {
        return pair(of(replica), counter);
    }

    /**
     * A digest of any element, value or dot store entry: CRDT states by their own digest,
     * strings by their characters, numbers and UUIDs by their bits, dots and entries by their
     * parts, anything else by its {@code hashCode}.
     */
    public static long ofObject(Object o) {
        if (o instanceof String s) {
            return of(s);
        }
        if (o instanceof Dot d) {
            return of(d);
        }
        if (o instanceof Tagged t) {
            return pair(pair(pair(of(t.replica), t.counter), t.stamp), ofObject(t.value));
        }
        if (o instanceof DotEntries.Many m) {
            long h = 0x51AF;
            for (Object e : m.entries) {
                h = pair(h, ofObject(e));
            }
            return h;
        }
        if (o instanceof Long l) {
            return mix(l ^ 0x1L);
        }
        if (o instanceof Integer i) {
            return mix(i ^ 0x2L);
        }
        if (o instanceof UUID u) {
            return pair(u.getMostSignificantBits(), u.getLeastSignificantBits());
        }
        if (o instanceof Boolean b) {
            return b ? 0x7A3L : 0x7A5L;
        }
        if (o instanceof Enum<?> e) {
            // An enum's hashCode is its identity hash, different in every JVM: replicas holding
            // equal states would never agree on a digest and repair each other for ever.
            return pair(of(e.getDeclaringClass().getName()), of(e.name()));
        }
        java.util.OptionalLong state = Representation.access().stateDigest(o);
        if (state.isPresent()) {
            return state.getAsLong();
        }
        if (o instanceof Record r) {
            return mix(r.hashCode() * 0x9E3779B97F4A7C15L + of(r.getClass().getName()));
        }
        return mix(o.hashCode() * 0x9E3779B97F4A7C15L + 0x3L);
    }
}
