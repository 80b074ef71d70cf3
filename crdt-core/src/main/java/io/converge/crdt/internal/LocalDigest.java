package io.converge.crdt.internal;

import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * A keyed 128-bit digest of a set of trie entries, local to this JVM, that lets a join skip a
 * pair of subtrees with equal content ({@link HashTrie#merge}). It is never sent, stored or
 * compared across JVMs: that is the job of {@link Digests}, which must agree everywhere and so
 * cannot be keyed.
 *
 * <h2>Why keyed, and why content</h2>
 * A join that skips two subtrees because their digests are equal is wrong if they differ, and a
 * peer chooses the elements and so their {@code hashCode}s and their {@link Digests}: those are
 * unkeyed functions anyone can search for collisions offline. Here each entry is hashed from its
 * <em>content</em> (a string's characters, a number's bits, an enum's class and name, a dot's
 * replica name and counter, a tagged value's parts), fed as an unambiguous stream of 64-bit words
 * (type tag, lengths) into SipHash-1-3 with 128-bit output under a key drawn from
 * {@link SecureRandom} when this class loads. A subtree's digest is the sum of its entries',
 * lane by lane modulo 2^64 (an additive multiset hash, Clarke et al., ASIACRYPT 2003): it does
 * not depend on the tree's shape, and two different sets of entries have equal sums only if
 * a non-empty signed sum of keyed pseudo-random 128-bit values is zero: odds 2^-128 per
 * comparison for an adversary who never sees the key.
 *
 * <p>A nested set or map without a context of its own (a map of CRDTs' value) is hashed from its
 * class and its store's local digest. An entry of any other type (a user's record, a nested
 * counter or register) can only be hashed from its
 * {@code hashCode}, which a peer controls; its digest is marked <em>opaque</em>, and a subtree
 * holding one is skipped only after {@link HashTrie} confirms equality entry by entry with
 * {@code equals}. So the shortcut is never taken on a digest a peer could have chosen.
 *
 * <p>Immutable; thread-safe.
 */
final class LocalDigest {
    private static final long K0;
    private static final long K1;

    static {
        SecureRandom r = new SecureRandom();
        K0 = r.nextLong();
        K1 = r.nextLong();
    }

    final long lo;
    final long hi;
    /** Whether some entry was hashed from a {@code hashCode} rather than from its content. */
    final boolean opaque;

    LocalDigest(long lo, long hi, boolean opaque) {
        this.lo = lo;
        this.hi = hi;
        this.opaque = opaque;
    }

    /** Equal sums (opacity aside: the caller decides what an opaque side needs). */
    boolean sameSum(LocalDigest o) {
        return lo == o.lo && hi == o.hi;
    }

    /** The digest of one entry: key, value slot and dot counter as the trie stores them. */
    static LocalDigest ofEntry(Object key, Object slot, long counter) {
        Sip s = new Sip();
        s.object(key);
        if (counter != 0) {
            s.word(12);
            s.string(((ReplicaId) slot).name());
            s.word(counter);
        } else {
            s.object(slot);
        }
        return s.finish();
    }

    /** SipHash-1-3 over 64-bit words, 128-bit output; {@code opaque} records hashCode-only input. */
    private static final class Sip {
        long v0 = K0 ^ 0x736F6D6570736575L;
        long v1 = K1 ^ 0x646F72616E646F6DL ^ 0xEE;
        long v2 = K0 ^ 0x6C7967656E657261L;
        long v3 = K1 ^ 0x7465646279746573L;
        long words;
        boolean opaque;

        private void round() {
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13);
            v1 ^= v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16);
            v3 ^= v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21);
            v3 ^= v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17);
            v1 ^= v2;
            v2 = Long.rotateLeft(v2, 32);
        }

        void word(long m) {
            v3 ^= m;
            round();
            v0 ^= m;
            words++;
        }

        void string(String str) {
            int n = str.length();
            word(n);
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                word((long) str.charAt(i) | (long) str.charAt(i + 1) << 16 | (long) str.charAt(i + 2) << 32
                        | (long) str.charAt(i + 3) << 48);
            }
            if (i < n) {
                long w = 0;
                for (int s = 0; i < n; i++, s += 16) {
                    w |= (long) str.charAt(i) << s;
                }
                word(w);
            }
        }

        void object(Object o) {
            if (o instanceof String str) {
                word(1);
                string(str);
            } else if (o instanceof Long l) {
                word(2);
                word(l);
            } else if (o instanceof Integer i) {
                word(3);
                word(i);
            } else if (o instanceof Boolean b) {
                word(b ? 4 : 5);
            } else if (o instanceof UUID u) {
                word(6);
                word(u.getMostSignificantBits());
                word(u.getLeastSignificantBits());
            } else if (o instanceof Enum<?> e) {
                word(7);
                string(e.getDeclaringClass().getName());
                string(e.name());
            } else if (o instanceof ReplicaId r) {
                word(8);
                string(r.name());
            } else if (o instanceof Dot d) {
                word(9);
                string(d.replica().name());
                word(d.counter());
            } else if (o instanceof Tagged t) {
                word(10);
                string(t.replica.name());
                word(t.counter);
                word(t.stamp);
                object(t.value);
            } else if (o instanceof DotEntries.Many m) {
                word(11);
                word(m.entries.length);
                for (Object e : m.entries) {
                    object(e);
                }
            } else if (nested(o)) {
                return;
            } else {
                // Only equals can tell such values apart: the trie verifies before it skips.
                opaque = true;
                word(13);
                string(o.getClass().getName());
                word(o.hashCode());
            }
        }

        /**
         * A nested set or map without a context of its own (a map of CRDTs' value): its class
         * and its store's local digest, which are its content. False for anything else.
         */
        private boolean nested(Object o) {
            HashTrie<Object, Object> store = Representation.access().contextFreeMapStore(o);
            if (store == null) {
                return false;
            }
            LocalDigest d = store.localDigest();
            word(14);
            string(o.getClass().getName());
            word(d.lo);
            word(d.hi);
            opaque |= d.opaque;
            return true;
        }

        LocalDigest finish() {
            long b = words << 56;
            v3 ^= b;
            round();
            v0 ^= b;
            v2 ^= 0xEE;
            round();
            round();
            round();
            long lo = v0 ^ v1 ^ v2 ^ v3;
            v1 ^= 0xDD;
            round();
            round();
            round();
            long hi = v0 ^ v1 ^ v2 ^ v3;
            return new LocalDigest(lo, hi, opaque);
        }
    }
}
