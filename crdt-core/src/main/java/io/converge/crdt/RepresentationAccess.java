package io.converge.crdt;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Representation;

/** Installs this package's side of {@link Representation}; not API. */
final class RepresentationAccess implements Representation.Access {
    static {
        Representation.install(new RepresentationAccess());
    }

    private RepresentationAccess() {
    }

    /** Loads this class, which installs the access. */
    static void ensureInstalled() {
    }

    @Override
    @SuppressWarnings("unchecked")
    public HashTrie<Object, Object> mapStore(Object value) {
        return (HashTrie<Object, Object>) ((DotMapBase<?, ?>) value).store;
    }

    @Override
    @SuppressWarnings("unchecked")
    public HashTrie<Object, Boolean> removedHints(Object value) {
        return (HashTrie<Object, Boolean>) ((DotMapBase<?, ?>) value).removedHints;
    }

    @Override
    public Object singleStore(Object value) {
        return ((SingleStoreBase<?>) value).store;
    }

    @Override
    public CausalContext context(Object value) {
        return ((CausalCrdt<?>) value).context();
    }

    @Override
    public Object prototype(Object orMap) {
        return ((ORMap<?, ?>) orMap).prototype();
    }

    @Override
    public Object makeMap(String kind, HashTrie<Object, Object> store, CausalContext context,
            HashTrie<Object, Boolean> hints) {
        switch (kind) {
            case "ORSet":
                return ORSet.empty().make(store, context, hints);
            case "AWLWWMap":
                return AWLWWMap.empty().make(store, context, hints);
            default:
                throw new IllegalArgumentException("not a map kind: " + kind);
        }
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Object makeORMap(Object prototype, HashTrie<Object, Object> store, CausalContext context,
            HashTrie<Object, Boolean> hints) {
        return ORMap.empty((CausalCrdt) prototype).make(store, context, hints);
    }

    @Override
    public Object makeSingle(String kind, Object store, CausalContext context) {
        switch (kind) {
            case "EWFlag":
                return EWFlag.empty().make(store, context);
            case "DWFlag":
                return DWFlag.empty().make(store, context);
            case "MVRegister":
                return MVRegister.empty().make(store, context);
            case "CausalCounter":
                return CausalCounter.empty().make(store, context);
            default:
                throw new IllegalArgumentException("not a single-store kind: " + kind);
        }
    }

    @Override
    public long[] counterTotals(Object entryValue) {
        CausalCounter.Totals t = (CausalCounter.Totals) entryValue;
        return new long[] {t.up(), t.down()};
    }

    @Override
    public Object counterTotalsValue(long up, long down) {
        return new CausalCounter.Totals(up, down);
    }
}
