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

    @Override
    @SuppressWarnings("unchecked")
    public HashTrie<Object, Object> mapStore(Object value) {
        return (HashTrie<Object, Object>) ((DotMapBase<?, ?>) value).store;
    }

    @Override
    @SuppressWarnings("unchecked")
    public HashTrie<Object, Object> contextFreeMapStore(Object value) {
        return value instanceof DotMapBase<?, ?> m && m.context.isEmpty() ? (HashTrie<Object, Object>) m.store : null;
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
            case "MixedORMap":
                return MixedORMap.empty().make(store, context, hints);
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
    public java.util.List<Object> mixedValues(Object entry) {
        return java.util.List.of((Object[]) MixedORMap.values(entry));
    }

    @Override
    public Object mixedEntry(java.util.List<Object> values) {
        java.util.List<CausalCrdt<?>> list = new java.util.ArrayList<>(values.size());
        for (Object v : values) {
            list.add((CausalCrdt<?>) v);
        }
        return MixedORMap.entryOf(list);
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

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Object novelPart(Object before, Object delta) {
        if (before instanceof FlatDotMap f && delta.getClass() == before.getClass()) {
            return f.novelPart((FlatDotMap) delta);
        }
        return delta;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Object join(Object a, Object b) {
        if (a.getClass() != b.getClass() || !(a instanceof ReplicatedData)) {
            throw new CrdtTypeMismatchException("cannot join a " + a.getClass().getSimpleName() + " with a "
                    + b.getClass().getSimpleName());
        }
        return ((ReplicatedData) a).join((ReplicatedData) b);
    }

    @Override
    public java.util.OptionalLong stateDigest(Object value) {
        return value instanceof ReplicatedData<?> r ? java.util.OptionalLong.of(r.digest())
                : java.util.OptionalLong.empty();
    }

    @Override
    public int entryCount(Object value) {
        // Removal hints are not counted: there are at most KEYED_LIMIT of them.
        return value instanceof DotMapBase<?, ?> m ? Math.max(1, m.store.size()) : 1;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public java.util.List<Object> split(Object value, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1");
        }
        if (!(value instanceof DotMapBase m) || m.store.size() <= maxEntries) {
            return java.util.List.of(value);
        }
        java.util.List<Object> parts = new java.util.ArrayList<>();
        HashTrie<Object, Object>[] part = new HashTrie[] {HashTrie.empty()};
        m.store.forEach((k, v) -> {
            part[0] = part[0].put(k, v);
            if (part[0].size() == maxEntries) {
                parts.add(m.make(part[0], m.context, null));
                part[0] = HashTrie.empty();
            }
        });
        if (!part[0].isEmpty()) {
            parts.add(m.make(part[0], m.context, null));
        }
        return parts;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Object assemble(java.util.List<Object> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        DotMapBase first = (DotMapBase) parts.get(0);
        HashTrie<Object, Object> store = first.store;
        for (int i = 1; i < parts.size(); i++) {
            DotMapBase p = (DotMapBase) parts.get(i);
            if (p.getClass() != first.getClass() || !p.context.equals(first.context)) {
                throw new IllegalArgumentException("parts of different values");
            }
            HashTrie<Object, Object>[] s = new HashTrie[] {store};
            p.store.forEach((k, v) -> s[0] = s[0].put(k, v));
            store = s[0];
        }
        return first.make(store, first.context, null);
    }
}
