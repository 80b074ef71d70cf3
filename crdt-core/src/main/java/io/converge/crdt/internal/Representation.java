package io.converge.crdt.internal;

import io.converge.crdt.causal.CausalContext;
import java.util.Objects;

/**
 * The bridge through which Converge's own codecs read and rebuild the representation of the
 * built-in types (dot stores, contexts, keyed-delta hints) without making it public API: the
 * types live in {@code io.converge.crdt} and keep their fields package-private; that package
 * installs an {@link Access} here when it is first loaded, and this package is not exported.
 *
 * <p>Rebuilt values are not trusted: callers must run {@code checkInvariants()} on them before
 * handing them to anyone.
 */
public final class Representation {
    private static volatile Access access;

    private Representation() {
    }

    /** What the built-in types expose to the codecs. Kinds are the simple class names. */
    public interface Access {
        /** For ORSet, AWLWWMap and ORMap: the key → entry trie. */
        HashTrie<Object, Object> mapStore(Object value);

        /**
         * The key → entry trie of a nested value that is a set or map (ORSet, AWLWWMap, ORMap,
         * MixedORMap) stored without a context of its own, as a map of CRDTs stores its values;
         * null for anything else. Such a value equals another exactly when their classes and
         * stores are equal, so its content digest is its store's ({@link LocalDigest}).
         */
        default HashTrie<Object, Object> contextFreeMapStore(Object value) {
            return null;
        }

        /** For ORSet, AWLWWMap and ORMap: the keys a keyed delta removes, or null for a full state. */
        HashTrie<Object, Boolean> removedHints(Object value);

        /** For EWFlag, DWFlag, MVRegister and CausalCounter: the single dot store (null if empty). */
        Object singleStore(Object value);

        /** The causal context of a causal value. */
        CausalContext context(Object value);

        /** For ORMap: its prototype (the empty nested value). */
        Object prototype(Object orMap);

        /** Rebuilds an ORSet or AWLWWMap from its parts (hints null for a full state). */
        Object makeMap(String kind, HashTrie<Object, Object> store, CausalContext context, HashTrie<Object, Boolean> hints);

        /** Rebuilds an ORMap with the given prototype. */
        Object makeORMap(Object prototype, HashTrie<Object, Object> store, CausalContext context,
                HashTrie<Object, Boolean> hints);

        /** Rebuilds an EWFlag, DWFlag, MVRegister or CausalCounter. */
        Object makeSingle(String kind, Object store, CausalContext context);

        /** The values of one {@code MixedORMap} entry, sorted by type tag (one unless types conflict). */
        java.util.List<Object> mixedValues(Object entry);

        /** The {@code MixedORMap} entry holding {@code values} (non-empty, sorted by type tag, distinct tags). */
        Object mixedEntry(java.util.List<Object> values);

        /** The per-replica totals of a CausalCounter entry, as {@code {up, down}}. */
        long[] counterTotals(Object entryValue);

        /** A CausalCounter entry value from its totals. */
        Object counterTotalsValue(long up, long down);

        /**
         * Roughly how many entries {@code value} holds (map or set size, at least 1; 1 for types
         * without entries): what the protocol bounds messages by.
         */
        int entryCount(Object value);

        /**
         * What joining {@code delta} adds to {@code before} (same type), as a delta with the same
         * join result; {@code delta} itself where the type has no cheaper form.
         */
        Object novelPart(Object before, Object delta);

        /**
         * {@code a ⊔ b} for two values of one type whose type parameter is not known statically
         * (a key's states, deltas and records); a {@code CrdtTypeMismatchException} if the types
         * differ.
         */
        Object join(Object a, Object b);

        /**
         * The digest of {@code value} if it is a CRDT state ({@code ReplicatedData.digest()}), or
         * {@link java.util.OptionalLong#empty()} for any other object.
         */
        java.util.OptionalLong stateDigest(Object value);

        /**
         * Splits a large map-shaped value into parts of at most {@code maxEntries} entries, each
         * carrying the whole context. Parts are not states: joining one alone would remove the
         * entries of the others. Only {@link #assemble} may put them back together. Values that
         * are not map-shaped, or small, come back as a single part.
         */
        java.util.List<Object> split(Object value, int maxEntries);

        /** The value whose parts {@code parts} are (the union of their stores, their context). */
        Object assemble(java.util.List<Object> parts);
    }

    /** Installs the access; called once by {@code io.converge.crdt}. */
    public static void install(Access a) {
        access = Objects.requireNonNull(a, "access");
    }

    /** The access, loading the types' package first if needed. */
    public static Access access() {
        Access a = access;
        if (a == null) {
            try {
                Class.forName("io.converge.crdt.RepresentationAccess", true, Representation.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("io.converge.crdt is not on the class path", e);
            }
            a = access;
        }
        return a;
    }
}
