package io.converge.crdt.engine;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.MixedORMap;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Representation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Computes the user-visible {@link Change}s between two states of a key. For sets and maps only
 * the items a keyed delta names are compared, so a change to one element of a large set costs
 * O(1) items, not O(n). Without such a delta, or when the delta names many items (a full state
 * from a transfer or a read is keyed too, when it was built by mutators and joins, and names
 * every item it holds), only the items whose store entries differ are compared, found by a walk
 * of both tries that skips subtrees of equal content ({@link HashTrie#forEachDifference}):
 * O(changed items · log n), as the join itself costs.
 *
 * <p>A nested value of a map of CRDTs is read under the map's context, which changes with any
 * update of the map; so it counts as updated when its own state (its digest without the map's
 * context) changed, and never merely because another key was written.
 */
final class Diffs {
    private Diffs() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static List<Change> between(ReplicatedData<?> before, ReplicatedData<?> after, ReplicatedData<?> delta) {
        List<Change> out = new ArrayList<>();
        if (after instanceof ORSet<?> a) {
            ORSet<Object> b = before == null ? ORSet.empty() : (ORSet<Object>) before;
            for (Object e : candidates(before, a, delta)) {
                boolean was = b.contains(e);
                boolean is = ((ORSet<Object>) a).contains(e);
                if (!was && is) {
                    out.add(new Change.Added(e, e));
                } else if (was && !is) {
                    out.add(new Change.Removed(e, e));
                }
            }
        } else if (after instanceof AWLWWMap<?, ?> a) {
            AWLWWMap<Object, Object> b = before == null ? AWLWWMap.empty() : (AWLWWMap<Object, Object>) before;
            for (Object k : candidates(before, a, delta)) {
                compare(out, k, b.get(k), ((AWLWWMap<Object, Object>) a).get(k));
            }
        } else if (after instanceof ORMap<?, ?> a) {
            ORMap<Object, ?> am = (ORMap<Object, ?>) a;
            ORMap<Object, ?> bm = before == null ? null : (ORMap<Object, ?>) before;
            nestedChanges(out, candidates(before, a, delta), k -> bm == null ? Optional.empty() : bm.get(k), am::get);
        } else if (after instanceof MixedORMap<?> a) {
            MixedORMap<Object> am = (MixedORMap<Object>) a;
            MixedORMap<Object> bm = before == null ? null : (MixedORMap<Object>) before;
            nestedChanges(out, candidates(before, a, delta), k -> bm == null ? Optional.empty() : bm.get(k), am::get);
        } else {
            Object old = before == null ? value(after.bottom()) : value(before);
            Object now = value(after);
            if (!Objects.equals(old, now)) {
                out.add(new Change.Updated(null, old, now));
            }
        }
        return out;
    }

    /**
     * Per key of a map of CRDTs: added, removed, or updated when the nested state's digest
     * without the map's context changed.
     */
    private static void nestedChanges(List<Change> out, Set<Object> keys, Function<Object, Optional<?>> before,
            Function<Object, Optional<?>> after) {
        for (Object k : keys) {
            Optional<?> was = before.apply(k);
            Optional<?> is = after.apply(k);
            if (was.isEmpty() && is.isPresent()) {
                out.add(new Change.Added(k, is.get()));
            } else if (was.isPresent() && is.isEmpty()) {
                out.add(new Change.Removed(k, was.get()));
            } else if (was.isPresent() && ownDigest(was.get()) != ownDigest(is.get())) {
                out.add(new Change.Updated(k, was.get(), is.get()));
            }
        }
    }

    /** The digest of a nested value without the map's context it was read under. */
    private static long ownDigest(Object nested) {
        return ((CausalCrdt<?>) nested).withContext(CausalContext.empty()).digest();
    }

    private static void compare(List<Change> out, Object k, Optional<Object> was, Optional<Object> is) {
        if (was.isEmpty() && is.isPresent()) {
            out.add(new Change.Added(k, is.get()));
        } else if (was.isPresent() && is.isEmpty()) {
            out.add(new Change.Removed(k, was.get()));
        } else if (was.isPresent() && !was.get().equals(is.get())) {
            out.add(new Change.Updated(k, was.get(), is.get()));
        }
    }

    /** The user-facing value of a non-collection type. */
    static Object value(ReplicatedData<?> s) {
        if (s instanceof GCounter g) {
            return g.value();
        }
        if (s instanceof PNCounter p) {
            return p.value();
        }
        if (s instanceof CausalCounter c) {
            return c.value();
        }
        if (s instanceof EWFlag f) {
            return f.value();
        }
        if (s instanceof DWFlag f) {
            return f.value();
        }
        if (s instanceof MVRegister<?> r) {
            return r.value();
        }
        if (s instanceof LWWRegister<?> r) {
            return r.value().orElse(null);
        }
        return s;
    }

    /**
     * The keys whose items may have changed: those a keyed delta names, if it names few (no more
     * than {@link #FEW_NAMES} or an eighth of {@code before}'s items, as the join's own choice
     * between visiting names and merging tries); else, with a {@code before}, the keys whose
     * store entries differ, found by a walk that skips subtrees of equal content (O(changed keys ·
     * log n)); else every key of {@code after}. A key's user-visible value depends on its store
     * entry alone (a nested value's on its own state), so no other key can have changed.
     */
    private static Set<Object> candidates(Object before, Object after, ReplicatedData<?> delta) {
        Representation.Access access = Representation.access();
        Set<Object> keys = new LinkedHashSet<>();
        HashTrie<Object, Boolean> hints = delta == null ? null : access.removedHints(delta);
        if (hints != null && (before == null || fewNames(access.mapStore(delta).size() + (long) hints.size(),
                access.mapStore(before).size()))) {
            access.mapStore(delta).forEach((k, v) -> keys.add(k));
            hints.forEach((k, v) -> keys.add(k));
            return keys;
        }
        if (before != null) {
            access.mapStore(before).forEachDifference(access.mapStore(after), keys::add);
            return keys;
        }
        access.mapStore(after).forEach((k, v) -> keys.add(k));
        return keys;
    }

    /** Below this many names, a keyed delta's names are always visited rather than the tries walked. */
    static final int FEW_NAMES = 64;

    private static boolean fewNames(long named, int beforeItems) {
        return named <= Math.max(FEW_NAMES, beforeItems >> 3);
    }
}
