package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.internal.HashTrie;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The causal dot map shared by {@link ORSet}, {@link AWLWWMap} and {@link ORMap}: a persistent
 * map from keys to per-key dot stores, one causal context for all keys, and the join of crdt.md
 * §2 (for every key in either map, join the two stores against the two contexts; keep the key
 * only if the result is not empty).
 *
 * <h2>Keyed values: joins in O(delta)</h2>
 * A general join must visit every key, because a context may cover dots of keys that the other
 * side's store no longer holds (that is how removals travel). But a value made by a mutator has a
 * context that covers only dots of the keys it touched: the keys it holds and, for removals, the
 * keys it names in {@code removedHints}. Such a value is <em>keyed</em>, and so is the join of two
 * keyed values. Joining a keyed value into any state visits only the keys it names, which makes
 * applying a one-key delta to a map of a million keys a matter of a few trie operations. Full
 * states are not keyed ({@code removedHints == null}); their joins merge the two tries
 * structurally, sharing every unchanged subtree. Keyedness never changes a join's result and
 * {@link #equals} ignores it.
 *
 * @param <K> key type
 * @param <S> the concrete type
 */
abstract class DotMapBase<K, S extends DotMapBase<K, S>> {
    /**
     * Most removal hints a keyed value may carry. A replica state built only from mutator deltas
     * is keyed too, and would otherwise keep one hint per removed key forever (a tombstone by
     * another name); past this bound a value simply becomes a full state, which is always
     * correct, so hints stay O(1) per value. Store keys are not counted: a large keyed delta
     * group of adds stays keyed and still joins in O(its size).
     */
    static final int KEYED_LIMIT = 256;

    final HashTrie<K, Object> store;
    final CausalContext context;
    /** Null for a full state; for a keyed value, the keys it names that its store lacks. */
    final HashTrie<K, Boolean> removedHints;

    DotMapBase(HashTrie<K, Object> store, CausalContext context, HashTrie<K, Boolean> removedHints) {
        this.store = store;
        this.context = context;
        this.removedHints = removedHints;
    }

    /** A value of the concrete type with the given parts. */
    abstract S make(HashTrie<K, Object> store, CausalContext context, HashTrie<K, Boolean> removedHints);

    /**
     * The join of one key's stores, {@code a} seen under {@code ca} and {@code b} under
     * {@code cb}; either may be null (absent). {@code aKeyed} says whether {@code a} may be
     * trusted as keyed relative to {@code ca} (its map was keyed and, if absent, {@code ca} covers
     * none of the key's dots); likewise {@code bKeyed}. Only nested maps care. Must return
     * {@code a} itself when the result equals it, and null when the result is empty.
     */
    abstract Object joinEntry(Object a, CausalContext ca, boolean aKeyed, Object b, CausalContext cb, boolean bKeyed);

    /** Adds the dots of one key's store to {@code b}. */
    abstract void addEntryDots(Object entry, CausalContext.Builder b);

    /** Checks one key's store against the context. */
    abstract void checkEntry(K key, Object entry, CausalContext context);

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    // ----------------------------------------------------------------------------- shared mutators

    /** The delta removing {@code key}: no entry, the key's dots as context; bottom if absent. */
    final S removeKeyDelta(K key) {
        Object current = store.get(Objects.requireNonNull(key, "key"));
        if (current == null) {
            return make(HashTrie.empty(), CausalContext.empty(), HashTrie.empty());
        }
        CausalContext.Builder b = CausalContext.builder();
        addEntryDots(current, b);
        return make(HashTrie.empty(), b.build(), HashTrie.<K, Boolean>empty().put(key, Boolean.TRUE));
    }

    /** The delta removing every key this replica observes (keyed only while that is few keys). */
    final S clearDelta() {
        if (store.size() > KEYED_LIMIT) {
            return make(HashTrie.empty(), storeDots(), null);
        }
        HashTrie<K, Boolean> hints = HashTrie.empty();
        for (var it = store.iterator(); it.hasNext(); ) {
            hints = hints.put(it.next().getKey(), Boolean.TRUE);
        }
        return make(HashTrie.empty(), storeDots(), hints);
    }

    /** A keyed delta holding one key. */
    final S singleKeyDelta(K key, Object entry, CausalContext ctx) {
        return make(HashTrie.<K, Object>empty().put(key, entry), ctx, HashTrie.empty());
    }

    // ----------------------------------------------------------------------------- lattice

    public final S join(S other) {
        Objects.requireNonNull(other, "other");
        return join(self(), context, true, other, other.context, true, context.union(other.context));
    }

    public final S joinStore(S other, CausalContext thisContext, CausalContext otherContext) {
        return joinStore(other, thisContext, false, otherContext, false);
    }

    /**
     * {@link #joinStore} for a nested value, where each side's keyedness is trusted only if the
     * enclosing map says so. The result is keyed only if both sides are.
     */
    final S joinStore(S other, CausalContext thisContext, boolean thisKeyed, CausalContext otherContext,
            boolean otherKeyed) {
        Objects.requireNonNull(other, "other");
        Objects.requireNonNull(thisContext, "thisContext");
        Objects.requireNonNull(otherContext, "otherContext");
        return join(self(), thisContext, thisKeyed, other, otherContext, otherKeyed, CausalContext.empty());
    }

    private S join(S a, CausalContext ca, boolean aKeyed, S b, CausalContext cb, boolean bKeyed, CausalContext rc) {
        boolean ak = aKeyed && a.removedHints != null;
        boolean bk = bKeyed && b.removedHints != null;
        if (bk && (!ak || b.namedCount() <= a.namedCount()) && fewNames(b, a)) {
            return applyNamed(a, ca, ak, b, cb, rc);
        }
        if (ak && fewNames(a, b)) {
            return applyNamed(b, cb, bk, a, ca, rc);
        }
        HashTrie<K, Object> s = a.store.merge(b.store, new HashTrie.Merger<>() {
            @Override
            public Object merge(K key, Object x, Object y) {
                return joinEntry(x, ca, false, y, cb, false);
            }

            @Override
            public boolean sameEntry(Object x, Object y) {
                return sameEntries(x, y);
            }

            @Override
            public boolean dotsIdentifyEntries() {
                return DotMapBase.this.dotsIdentifyEntries();
            }

            @Override
            public boolean judgesSameEntries() {
                return DotMapBase.this.judgesSameEntries();
            }

            // An entry both stores hold alike keeps all its dots (crdt.md §2: s ∩ s' survives
            // any contexts), so subtrees of equal content pass unvisited. A subtree only one side
            // has is still visited: the other side's context may remove its dots.
            @Override
            public boolean keepsEqualEntries() {
                return true;
            }
        });
        return result(a, b, s, rc, null);
    }

    /**
     * Whether two stores found at the same trie position are certainly the same entry of the same
     * key, judged from the stores alone (see {@link HashTrie.Merger#sameEntry}). Default: never.
     */
    boolean sameEntries(Object a, Object b) {
        return false;
    }

    /** Whether {@link #sameEntries} can be true (see {@link HashTrie.Merger#judgesSameEntries}). Default: false. */
    boolean judgesSameEntries() {
        return false;
    }

    /** Whether a store that is one {@code Dot} names its key (see {@link HashTrie.Merger#dotsIdentifyEntries}). */
    boolean dotsIdentifyEntries() {
        return false;
    }

    final int namedCount() {
        return store.size() + removedHints.size();
    }

    /**
     * Whether visiting {@code keyed}'s names one by one beats a structural merge with
     * {@code base}: each visit costs a lookup and a path copy, the merge one pass over both.
     */
    private static boolean fewNames(DotMapBase<?, ?> keyed, DotMapBase<?, ?> base) {
        return keyed.namedCount() <= Math.max(KEYED_LIMIT, base.store.size() >> 3);
    }

    /**
     * Joins the keyed value {@code k} into {@code base}, visiting only the keys {@code k} names:
     * {@code k}'s context covers no dot of any other key, so no other key can change.
     */
    private S applyNamed(S base, CausalContext cBase, boolean baseKeyed, S k, CausalContext cK, CausalContext rc) {
        Visit<K> v = new Visit<>(base.store, baseKeyed ? base.removedHints : null);
        BiConsumer<K, Object> visit = (key, ignored) -> {
            Object x = v.store.get(key);
            Object y = k.store.get(key);
            boolean xKeyed = baseKeyed && (x != null || !base.removedHints.containsKey(key));
            Object r = joinEntry(x, cBase, xKeyed, y, cK, y != null);
            if (r != x) {
                v.store = r == null ? v.store.remove(key) : v.store.put(key, r);
            }
            if (v.hints != null) {
                v.hints = r == null ? v.hints.put(key, Boolean.TRUE) : v.hints.remove(key);
            }
        };
        k.store.forEach(visit);
        k.removedHints.forEach(visit);
        return result(base, k, v.store, rc, v.hints);
    }

    private static final class Visit<K> {
        HashTrie<K, Object> store;
        HashTrie<K, Boolean> hints;

        Visit(HashTrie<K, Object> store, HashTrie<K, Boolean> hints) {
            this.store = store;
            this.hints = hints;
        }
    }

    private S result(S a, S b, HashTrie<K, Object> s, CausalContext rc, HashTrie<K, Boolean> hints) {
        if (hints != null && hints.size() > KEYED_LIMIT) {
            hints = null;
        }
        if (s == a.store && rc == a.context && hints == a.removedHints) {
            return a;
        }
        if (s == b.store && rc == b.context && hints == b.removedHints) {
            return b;
        }
        return make(s, rc, hints);
    }

    // ----------------------------------------------------------------------------- conflicts

    /**
     * The first event {@code other} holds that this state holds with another payload (see
     * {@link ReplicatedData#conflict}). Each of a keyed delta's entries is looked up under its own
     * key here: O(|other| log n); a full state is walked side by side with this one, as a join
     * walks it: O(n + m), skipping shared subtrees. A dot of {@code other} that this state has seen but does not
     * hold under that key was either removed here (honest, and usual for a delta delivered
     * again) or is held under another key (a conflict); only when there are such dots does one
     * pass over this state's entries tell the two apart, because the store is indexed by key,
     * not by dot, and an index by dot would double the memory of every set.
     */
    public final java.util.Optional<Conflict> conflict(S other) {
        Objects.requireNonNull(other, "other");
        if (other == this || other.store.isEmpty() || store.isEmpty()) {
            return java.util.Optional.empty();
        }
        java.util.Map<io.converge.crdt.causal.Dot, K> unplaced = new java.util.HashMap<>();
        if (other.removedHints != null && fewNames(other, this)) {
            for (var it = other.store.iterator(); it.hasNext(); ) {
                var e = it.next();
                Conflict c = entryConflict(e.getKey(), store.get(e.getKey()), e.getValue(), unplaced);
                if (c != null) {
                    return java.util.Optional.of(c);
                }
            }
        } else {
            // A full state: walk both tries side by side, as the join does, instead of one random
            // lookup per entry; subtrees the two share are skipped. The merge's result is unused
            // and, since it keeps every left entry, allocates next to nothing.
            Conflict[] found = {null};
            store.merge(other.store, new HashTrie.Merger<>() {
                @Override
                public Object merge(K key, Object mine, Object theirs) {
                    if (found[0] == null && theirs != null) {
                        found[0] = entryConflict(key, mine, theirs, unplaced);
                    }
                    return mine;
                }

                // Equal entries with equal dots at equal hashes: the join's own shortcut, which
                // skips the key comparison that costs most. Equal means same payload, so nothing
                // is hidden but a flip that keeps the key's 32-bit hash (odds 2^-32 per flip).
                @Override
                public boolean sameEntry(Object x, Object y) {
                    return sameEntries(x, y) && x.equals(y);
                }

                @Override
                public boolean dotsIdentifyEntries() {
                    return DotMapBase.this.dotsIdentifyEntries();
                }

                // Equal entries hold no conflict and no dot this state lacks.
                @Override
                public boolean keepsEqualEntries() {
                    return true;
                }
            });
            if (found[0] != null) {
                return java.util.Optional.of(found[0]);
            }
        }
        if (unplaced.isEmpty()) {
            return java.util.Optional.empty();
        }
        for (var it = store.iterator(); it.hasNext(); ) {
            Conflict c = heldElsewhere(it.next().getValue(), unplaced);
            if (c != null) {
                return java.util.Optional.of(c);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * The conflict between this state's store {@code mine} (null if absent) and
     * {@code theirs}, both under {@code key}; adds to {@code unplaced} the dots of
     * {@code theirs} that this state has seen but {@code mine} lacks. The default serves nested
     * causal values (an {@link ORMap}): it checks the nested stores against the map's context.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    Conflict entryConflict(K key, Object mine, Object theirs, java.util.Map<io.converge.crdt.causal.Dot, K> unplaced) {
        if (mine instanceof CausalCrdt m && theirs instanceof CausalCrdt t && mine.getClass() == theirs.getClass()) {
            java.util.Optional<Conflict> c = m.withContext(context).conflict(t);
            if (c.isPresent()) {
                Conflict n = c.get();
                return new Conflict(n.kind(), n.replica(), n.event(), key + "/" + n.entry());
            }
        }
        CausalContext held = mine == null ? CausalContext.empty() : dotsOf(mine);
        forEachDot(dotsOf(theirs), d -> {
            if (context.contains(d) && !held.contains(d)) {
                unplaced.put(d, key);
            }
        });
        return null;
    }

    /** The conflict if the store {@code mine} holds one of the {@code unplaced} dots. */
    Conflict heldElsewhere(Object mine, java.util.Map<io.converge.crdt.causal.Dot, K> unplaced) {
        Conflict[] found = {null};
        forEachDot(dotsOf(mine), d -> {
            K other = unplaced.get(d);
            if (other != null && found[0] == null) {
                found[0] = Conflict.dot(d.replica(), d.counter(), other);
            }
        });
        return found[0];
    }

    private CausalContext dotsOf(Object entry) {
        CausalContext.Builder b = CausalContext.builder();
        addEntryDots(entry, b);
        return b.build();
    }

    private static void forEachDot(CausalContext c, java.util.function.Consumer<io.converge.crdt.causal.Dot> action) {
        c.versionVector().forEach((r, n) -> {
            for (long i = 1; i <= n; i++) {
                action.accept(new io.converge.crdt.causal.Dot(r, i));
            }
        });
        c.forEachCloudDot(action);
    }

    public final boolean isBottom() {
        return store.isEmpty() && context.isEmpty();
    }

    public final CausalContext context() {
        return context;
    }

    /**
     * The same store under another context. The result is a full state (not keyed): under a
     * larger context the store's keyed hints no longer name every key the context touches.
     */
    public final S withContext(CausalContext context) {
        Objects.requireNonNull(context, "context");
        return context == this.context ? self() : make(store, context, null);
    }

    /**
     * The same store and hints under another context, for a nested value whose enclosing map
     * decides whether the hints are trusted (see {@link #joinStore(DotMapBase, CausalContext,
     * boolean, CausalContext, boolean)}).
     */
    final S withContextKeepingHints(CausalContext context) {
        return context == this.context ? self() : make(store, context, removedHints);
    }

    public final CausalContext storeDots() {
        CausalContext.Builder b = CausalContext.builder();
        store.forEach((k, entry) -> addEntryDots(entry, b));
        return b.build();
    }

    public final boolean isStoreEmpty() {
        return store.isEmpty();
    }

    public void checkInvariants() {
        store.checkLocalDigests();
        store.forEach((k, entry) -> {
            if (entry == null) {
                throw new IllegalStateException("key " + k + " holds no entry");
            }
            checkEntry(k, entry, context);
        });
        if (removedHints != null) {
            removedHints.forEach((k, t) -> {
                if (store.containsKey(k)) {
                    throw new IllegalStateException("removal hint for present key " + k);
                }
            });
        }
    }

    @Override
    public final boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o != null && o.getClass() == getClass() && ((DotMapBase<?, ?>) o).context.equals(context)
                && ((DotMapBase<?, ?>) o).store.equals(store);
    }

    /** O(1): the trie keeps its digest up to date. */
    public final long digest() {
        return io.converge.crdt.internal.Digests.pair(store.digest(), io.converge.crdt.internal.Digests.of(context));
    }

    @Override
    public final int hashCode() {
        long d = digest();
        return (int) (d ^ (d >>> 32));
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + store + " ctx=" + context;
    }
}
