package io.converge.crdt.codec;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.MixedORMap;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Representation;
import io.converge.crdt.internal.Tagged;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The codecs of the built-in types (see {@link CrdtCodecs} for the layouts). They read and
 * rebuild the types' package-private representation through {@link Representation}.
 */
final class BuiltinCrdtCodecs {
    static final Representation.Access ACCESS = Representation.access();

    private BuiltinCrdtCodecs() {
    }

    /** Marker: a built-in causal codec writes no replica id outside the enclosing context. */
    interface Builtin {
    }

    static void visitContext(CausalContext c, Consumer<? super ReplicaId> v) {
        c.versionVector().forEach((id, n) -> v.accept(id));
        if (!c.isCompact()) {
            c.forEachCloudDot(d -> v.accept(d.replica()));
        }
    }

    // ------------------------------------------------------------------------------ dot entries

    /** Writes what follows an entry's dot (nothing for a dot set). */
    interface PayloadWriter {
        void write(Object entry, CodecWriter out);
    }

    /** Reads what follows an entry's dot and makes the entry. */
    interface PayloadReader {
        Object read(ReplicaId replica, long counter, CodecReader in);
    }

    static final PayloadWriter NO_PAYLOAD = (e, out) -> { };
    static final PayloadReader DOT = (r, c, in) -> new Dot(r, c);

    /** A non-empty list of entries: per entry {@code index << 1 | more}, rank, payload. */
    static void writeEntryList(Object store, CodecWriter out, PayloadWriter payload) {
        int n = DotEntries.count(store);
        out.checkCount(n);
        for (int i = 0; i < n; i++) {
            Object e = DotEntries.get(store, i);
            ReplicaId r = DotEntries.replica(e);
            out.writeVarLong((long) out.replicaIndex(r) << 1 | (i + 1 < n ? 1 : 0));
            out.writeVarLong(out.rank(r, DotEntries.counter(e)));
            payload.write(e, out);
        }
    }

    static Object readEntryList(CodecReader in, PayloadReader payload) {
        List<Object> list = new ArrayList<>(1);
        int prevIdx = -1;
        long prevCounter = 0;
        boolean more = true;
        while (more) {
            int off = in.offset();
            if (list.size() >= in.limits().maxElements()) {
                throw new LimitExceededException("maxElements", list.size() + 1L, in.limits().maxElements(), off);
            }
            long h = in.readVarLong();
            more = (h & 1) != 0;
            int idx = in.checkIndex(h >>> 1, off);
            long c = in.counterAt(idx, in.readVarLong());
            if (idx < prevIdx || (idx == prevIdx && c <= prevCounter)) {
                throw new MalformedFrameException("dots not in canonical order", off);
            }
            prevIdx = idx;
            prevCounter = c;
            list.add(payload.read(in.replica(idx), c, in));
        }
        return DotEntries.of(list);
    }

    /** A possibly empty list of entries: count, then per entry index, rank, payload. */
    static void writeCountedEntries(Object store, CodecWriter out, PayloadWriter payload) {
        int n = DotEntries.count(store);
        out.writeCount(n);
        for (int i = 0; i < n; i++) {
            Object e = DotEntries.get(store, i);
            ReplicaId r = DotEntries.replica(e);
            out.writeVarInt(out.replicaIndex(r));
            out.writeVarLong(out.rank(r, DotEntries.counter(e)));
            payload.write(e, out);
        }
    }

    static Object readCountedEntries(CodecReader in, PayloadReader payload) {
        int n = in.readCount("store entries", 2);
        List<Object> list = new ArrayList<>(n);
        int prevIdx = -1;
        long prevCounter = 0;
        for (int i = 0; i < n; i++) {
            int off = in.offset();
            int idx = in.readReplicaIndex();
            long c = in.counterAt(idx, in.readVarLong());
            if (idx < prevIdx || (idx == prevIdx && c <= prevCounter)) {
                throw new MalformedFrameException("dots not in canonical order", off);
            }
            prevIdx = idx;
            prevCounter = c;
            list.add(payload.read(in.replica(idx), c, in));
        }
        return DotEntries.of(list);
    }

    // ------------------------------------------------------------------------------ key order

    /** A key encoded ahead of time, for sorting by bytes. */
    record Sorted(byte[] key, Object entry) {
        static final Comparator<Sorted> ORDER = (a, b) -> Arrays.compareUnsigned(a.key, b.key);
    }

    @SuppressWarnings("unchecked")
    static <K> List<Sorted> sorted(HashTrie<?, ?> trie, ValueCodec<K> keys, CodecWriter out) {
        List<Sorted> list = new ArrayList<>(trie.size());
        trie.forEach((k, e) -> list.add(new Sorted(out.encodeValue(keys, (K) k), e)));
        list.sort(Sorted.ORDER);
        for (int i = 1; i < list.size(); i++) {
            if (Arrays.equals(list.get(i - 1).key, list.get(i).key)) {
                throw new IllegalStateException("value codec " + keys.id()
                        + " is not injective: two different keys have the same encoding");
            }
        }
        return list;
    }

    /** Checks that keys read one after another are strictly ascending by their bytes. */
    static final class KeyOrder {
        private final CodecReader in;
        private int prevStart = -1;
        private int prevEnd;

        KeyOrder(CodecReader in) {
            this.in = in;
        }

        <K> K next(ValueCodec<K> codec) {
            int s = in.position();
            K k = in.readValue(codec);
            int e = in.position();
            if (prevStart >= 0 && in.compareRanges(prevStart, prevEnd, s, e) >= 0) {
                throw new MalformedFrameException("keys not strictly ascending by their encoding", in.offsetOf(s));
            }
            prevStart = s;
            prevEnd = e;
            return k;
        }
    }

    // ------------------------------------------------------------------------------ dot maps

    /**
     * ORSet, AWLWWMap and ORMap: header {@code entries << 2 | mode} (mode 0: full state, 1: keyed
     * without hints, 2: keyed with hints), [hint count, hint keys], then entries, keys strictly
     * ascending by their encoded bytes.
     */
    abstract static class MapCodec<K, S extends CausalCrdt<S>> implements CausalCrdtCodec<S>, Builtin {
        final ValueCodec<K> keys;

        MapCodec(ValueCodec<K> keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
        }

        abstract int minEntryBytes();

        abstract void encodeEntry(Object entry, CodecWriter out);

        abstract Object decodeEntry(CodecReader in);

        abstract S make(HashTrie<Object, Object> store, CausalContext context, HashTrie<Object, Boolean> hints);

        @Override
        public void visitReplicas(S value, Consumer<? super ReplicaId> visitor) {
            visitContext(value.context(), visitor);
        }

        @Override
        public void encodeStore(S value, CodecWriter out) {
            HashTrie<Object, Object> store = ACCESS.mapStore(value);
            HashTrie<Object, Boolean> hints = out.keepsRemovalHints() ? ACCESS.removedHints(value) : null;
            List<Sorted> entries = sorted(store, keys, out);
            int mode = hints == null ? 0 : hints.isEmpty() ? 1 : 2;
            out.checkCount(entries.size());
            out.writeVarLong((long) entries.size() << 2 | mode);
            if (mode == 2) {
                List<Sorted> h = sorted(hints, keys, out);
                out.writeCount(h.size());
                for (Sorted s : h) {
                    out.writeRaw(s.key());
                }
            }
            for (Sorted s : entries) {
                out.writeRaw(s.key());
                encodeEntry(s.entry(), out);
            }
        }

        /** Reads the context and the store, and builds the value at once: withContext would drop the hints. */
        @Override
        public S decode(CodecReader in) {
            CausalContext context = in.readContext();
            return decodeStore(in, context);
        }

        @Override
        public S decodeStore(CodecReader in) {
            return decodeStore(in, CausalContext.empty());
        }

        private S decodeStore(CodecReader in, CausalContext context) {
            int off = in.offset();
            long header = in.readVarLong();
            int mode = (int) (header & 3);
            if (mode == 3) {
                throw new MalformedFrameException("unknown map mode 3", off);
            }
            int n = in.checkCount("map entries", header >>> 2, minEntryBytes(), off);
            HashTrie<Object, Boolean> hints = mode == 0 ? null : HashTrie.empty();
            if (mode == 2) {
                int h = in.readCount("removal hints", 1);
                if (h == 0) {
                    throw in.malformed("keyed mode 2 without hints");
                }
                KeyOrder order = new KeyOrder(in);
                HashTrie.Builder<Object, Boolean> b = HashTrie.builder();
                for (int i = 0; i < h; i++) {
                    b.add(order.next(keys), Boolean.TRUE);
                }
                hints = buildDistinct(b, in, "two hints decode to the same key");
            }
            KeyOrder order = new KeyOrder(in);
            HashTrie.Builder<Object, Object> b = HashTrie.builder();
            for (int i = 0; i < n; i++) {
                K k = order.next(keys);
                b.add(k, decodeEntry(in));
            }
            return make(buildDistinct(b, in, "two entries decode to the same key"), context, hints);
        }
    }

    /** The built trie; keys whose encodings differ but whose values are equal are malformed. */
    private static <V> HashTrie<Object, V> buildDistinct(HashTrie.Builder<Object, V> b, CodecReader in, String problem) {
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw in.malformed(problem);
        }
    }

    static final class ORSetCodec<E> extends MapCodec<E, ORSet<E>> {
        ORSetCodec(ValueCodec<E> elements) {
            super(elements);
        }

        @Override
        public String id() {
            return "ORSet<" + keys.id() + ">";
        }

        @Override
        public ORSet<E> bottom() {
            return ORSet.empty();
        }

        @Override
        int minEntryBytes() {
            return 3;
        }

        @Override
        void encodeEntry(Object entry, CodecWriter out) {
            writeEntryList(entry, out, NO_PAYLOAD);
        }

        @Override
        Object decodeEntry(CodecReader in) {
            return readEntryList(in, DOT);
        }

        @Override
        @SuppressWarnings("unchecked")
        ORSet<E> make(HashTrie<Object, Object> store, CausalContext context, HashTrie<Object, Boolean> hints) {
            return (ORSet<E>) ACCESS.makeMap("ORSet", store, context, hints);
        }
    }

    static final class AWLWWMapCodec<K, V> extends MapCodec<K, AWLWWMap<K, V>> {
        private final ValueCodec<V> values;
        private final PayloadWriter writer;
        private final PayloadReader reader;

        @SuppressWarnings("unchecked")
        AWLWWMapCodec(ValueCodec<K> keys, ValueCodec<V> values) {
            super(keys);
            this.values = Objects.requireNonNull(values, "values");
            this.writer = (e, out) -> {
                Tagged t = (Tagged) e;
                out.writeStamp(t.stamp);
                out.writeValue(values, (V) t.value);
            };
            this.reader = (r, c, in) -> {
                long stamp = in.readStamp();
                return new Tagged(r, c, stamp, in.readValue(values));
            };
        }

        @Override
        public String id() {
            return "AWLWWMap<" + keys.id() + "," + values.id() + ">";
        }

        @Override
        public AWLWWMap<K, V> bottom() {
            return AWLWWMap.empty();
        }

        @Override
        int minEntryBytes() {
            return 5;
        }

        @Override
        void encodeEntry(Object entry, CodecWriter out) {
            writeEntryList(entry, out, writer);
        }

        @Override
        Object decodeEntry(CodecReader in) {
            return readEntryList(in, reader);
        }

        @Override
        @SuppressWarnings("unchecked")
        AWLWWMap<K, V> make(HashTrie<Object, Object> store, CausalContext context, HashTrie<Object, Boolean> hints) {
            return (AWLWWMap<K, V>) ACCESS.makeMap("AWLWWMap", store, context, hints);
        }
    }

    static final class ORMapCodec<K, V extends CausalCrdt<V>> extends MapCodec<K, ORMap<K, V>> {
        private final CausalCrdtCodec<V> values;
        private final V prototype;

        ORMapCodec(ValueCodec<K> keys, CausalCrdtCodec<V> values) {
            super(keys);
            this.values = Objects.requireNonNull(values, "values");
            this.prototype = Objects.requireNonNull(values.bottom(), "values.bottom()");
            if (!prototype.isBottom()) {
                throw new IllegalArgumentException("the value codec's bottom() is not a bottom: " + prototype);
            }
        }

        @Override
        public String id() {
            return "ORMap<" + keys.id() + "," + values.id() + ">";
        }

        @Override
        public ORMap<K, V> bottom() {
            return ORMap.empty(prototype);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void visitReplicas(ORMap<K, V> value, Consumer<? super ReplicaId> visitor) {
            visitContext(value.context(), visitor);
            if (!(values instanceof Builtin)) {
                ACCESS.mapStore(value).forEach((k, v) -> values.visitReplicas((V) v, visitor));
            }
        }

        @Override
        public void encodeStore(ORMap<K, V> value, CodecWriter out) {
            Object p = ACCESS.prototype(value);
            if (p.getClass() != prototype.getClass()) {
                throw new IllegalArgumentException("an ORMap of " + p.getClass().getSimpleName()
                        + " given to a codec of " + prototype.getClass().getSimpleName());
            }
            super.encodeStore(value, out);
        }

        @Override
        int minEntryBytes() {
            return 2;
        }

        @Override
        @SuppressWarnings("unchecked")
        void encodeEntry(Object entry, CodecWriter out) {
            out.enter();
            values.encodeStore((V) entry, out);
            out.exit();
        }

        @Override
        Object decodeEntry(CodecReader in) {
            in.enter();
            V v = values.decodeStore(in);
            in.exit();
            if (v == null) {
                throw in.malformed(values.id() + " decoded null");
            }
            return v;
        }

        @Override
        @SuppressWarnings("unchecked")
        ORMap<K, V> make(HashTrie<Object, Object> store, CausalContext context, HashTrie<Object, Boolean> hints) {
            return (ORMap<K, V>) ACCESS.makeORMap(prototype, store, context, hints);
        }
    }

    /**
     * MixedORMap: as ORMap, but each key's store is {@code types}, then per type its codec's id
     * (a string: the type tag on the wire) and its store, types in the order of their
     * {@link MixedORMap#typeTag}s.
     */
    static final class MixedORMapCodec<K> extends MapCodec<K, MixedORMap<K>> {
        private final Map<String, CausalCrdtCodec<?>> byTag = new TreeMap<>();
        private final Map<String, CausalCrdtCodec<?>> byId = new TreeMap<>();
        private final String id;

        MixedORMapCodec(ValueCodec<K> keys, List<CausalCrdtCodec<?>> values) {
            super(keys);
            Objects.requireNonNull(values, "values");
            for (CausalCrdtCodec<?> c : values) {
                Objects.requireNonNull(c, "a value codec");
                CausalCrdt<?> bottom = Objects.requireNonNull(c.bottom(), c.id() + ".bottom()");
                if (!bottom.isBottom()) {
                    throw new IllegalArgumentException("the value codec's bottom() is not a bottom: " + bottom);
                }
                CausalCrdtCodec<?> before = byTag.put(MixedORMap.typeTag(bottom), c);
                if (before != null) {
                    throw new IllegalArgumentException(before.id() + " and " + c.id() + " both encode "
                            + MixedORMap.typeTag(bottom) + ": a mixed map holds one element type per CRDT type");
                }
                byId.put(c.id(), c);
            }
            this.id = "MixedORMap<" + keys.id() + (byId.isEmpty() ? "" : "," + String.join(",", byId.keySet()))
                    + ">";
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public MixedORMap<K> bottom() {
            return MixedORMap.empty();
        }

        /** The codec of a type tag; a nested MixedORMap without a codec of its own uses this one. */
        private CausalCrdtCodec<?> codecOf(String tag) {
            CausalCrdtCodec<?> c = byTag.get(tag);
            if (c == null && tag.equals("MixedORMap")) {
                return this;
            }
            return c;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public void visitReplicas(MixedORMap<K> value, Consumer<? super ReplicaId> visitor) {
            visitContext(value.context(), visitor);
            ACCESS.mapStore(value).forEach((k, entry) -> {
                for (Object v : ACCESS.mixedValues(entry)) {
                    CausalCrdtCodec c = codecOf(MixedORMap.typeTag((CausalCrdt<?>) v));
                    if (c != null && !(c instanceof Builtin)) {
                        c.visitReplicas((CausalCrdt) v, visitor);
                    }
                }
            });
        }

        @Override
        int minEntryBytes() {
            return 4;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        void encodeEntry(Object entry, CodecWriter out) {
            List<Object> values = ACCESS.mixedValues(entry);
            out.writeVarInt(values.size());
            for (Object v : values) {
                String tag = MixedORMap.typeTag((CausalCrdt<?>) v);
                CausalCrdtCodec c = codecOf(tag);
                if (c == null) {
                    throw new IllegalArgumentException("a MixedORMap holds a " + tag + ", which " + id
                            + " has no codec for");
                }
                out.writeString(c.id());
                out.enter();
                c.encodeStore((CausalCrdt) v, out);
                out.exit();
            }
        }

        @Override
        Object decodeEntry(CodecReader in) {
            int off = in.offset();
            int n = in.readCount("types under one key", 3);
            if (n == 0) {
                throw new MalformedFrameException("a key with no type", off);
            }
            List<Object> values = new ArrayList<>(Math.min(n, 4));
            String prevTag = null;
            for (int i = 0; i < n; i++) {
                int at = in.offset();
                String tag = in.readString();
                CausalCrdtCodec<?> c = tag.equals(id) ? this : byId.get(tag);
                if (c == null) {
                    throw new MalformedFrameException("unknown type tag " + tag + " (" + id + " knows "
                            + String.join(", ", byId.keySet()) + ")", at);
                }
                in.enter();
                CausalCrdt<?> v = c.decodeStore(in);
                in.exit();
                if (v == null) {
                    throw in.malformed(c.id() + " decoded null");
                }
                String t = MixedORMap.typeTag(v);
                if (prevTag != null && prevTag.compareTo(t) >= 0) {
                    throw new MalformedFrameException("types under a key not in canonical order", at);
                }
                prevTag = t;
                values.add(v);
            }
            return ACCESS.mixedEntry(values);
        }

        @Override
        @SuppressWarnings("unchecked")
        MixedORMap<K> make(HashTrie<Object, Object> store, CausalContext context, HashTrie<Object, Boolean> hints) {
            return (MixedORMap<K>) ACCESS.makeMap("MixedORMap", store, context, hints);
        }
    }

    // ------------------------------------------------------------------------------ single stores

    /** EWFlag, DWFlag, MVRegister, CausalCounter: one counted entry list. */
    static final class SingleStoreCodec<S extends CausalCrdt<S>> implements CausalCrdtCodec<S>, Builtin {
        private final String kind;
        private final String id;
        private final S bottom;
        private final PayloadWriter writer;
        private final PayloadReader reader;

        SingleStoreCodec(String kind, String id, S bottom, PayloadWriter writer, PayloadReader reader) {
            this.kind = kind;
            this.id = id;
            this.bottom = bottom;
            this.writer = writer;
            this.reader = reader;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public S bottom() {
            return bottom;
        }

        @Override
        public void visitReplicas(S value, Consumer<? super ReplicaId> visitor) {
            visitContext(value.context(), visitor);
        }

        @Override
        public void encodeStore(S value, CodecWriter out) {
            writeCountedEntries(ACCESS.singleStore(value), out, writer);
        }

        @Override
        @SuppressWarnings("unchecked")
        public S decodeStore(CodecReader in) {
            return (S) ACCESS.makeSingle(kind, readCountedEntries(in, reader), CausalContext.empty());
        }
    }

    static final CausalCrdtCodec<EWFlag> EW_FLAG = new SingleStoreCodec<>("EWFlag", "EWFlag", EWFlag.empty(),
            NO_PAYLOAD, DOT);
    static final CausalCrdtCodec<DWFlag> DW_FLAG = new SingleStoreCodec<>("DWFlag", "DWFlag", DWFlag.empty(),
            NO_PAYLOAD, DOT);
    static final CausalCrdtCodec<CausalCounter> CAUSAL_COUNTER = new SingleStoreCodec<>("CausalCounter",
            "CausalCounter", CausalCounter.empty(),
            (e, out) -> {
                long[] t = ACCESS.counterTotals(((Tagged) e).value);
                out.writeCounter(t[0]);
                out.writeCounter(t[1]);
            },
            (r, c, in) -> new Tagged(r, c, 0, ACCESS.counterTotalsValue(in.readCounter(), in.readCounter())));

    @SuppressWarnings("unchecked")
    static <V> CausalCrdtCodec<MVRegister<V>> mvRegister(ValueCodec<V> values) {
        Objects.requireNonNull(values, "values");
        return new SingleStoreCodec<>("MVRegister", "MVRegister<" + values.id() + ">", MVRegister.empty(),
                (e, out) -> {
                    Tagged t = (Tagged) e;
                    if (t.stamp != 0) {
                        throw new IllegalStateException("MVRegister entry with a stamp: " + t);
                    }
                    out.writeValue(values, (V) t.value);
                },
                (r, c, in) -> new Tagged(r, c, 0, in.readValue(values)));
    }

    // ------------------------------------------------------------------------------ counters, LWW

    /** Writes a version vector: count, then (index, counter ≥ 1) in replica order. */
    static void writeVector(VersionVector v, CodecWriter out) {
        out.writeCount(v.size());
        v.forEach((id, n) -> {
            out.writeReplica(id);
            out.writeCounter(n);
        });
    }

    static Map<ReplicaId, Long> readVector(CodecReader in) {
        int n = in.readCount("counter entries", 2);
        Map<ReplicaId, Long> m = new TreeMap<>();
        int prev = -1;
        for (int i = 0; i < n; i++) {
            int off = in.offset();
            int idx = in.readReplicaIndex();
            if (idx <= prev) {
                throw new MalformedFrameException("counter entries not in replica order", off);
            }
            prev = idx;
            long c = in.readCounter();
            if (c == 0) {
                throw new MalformedFrameException("zero counter entry", off);
            }
            m.put(in.replica(idx), c);
        }
        return m;
    }

    static final CrdtCodec<GCounter> G_COUNTER = new CrdtCodec<>() {
        @Override
        public String id() {
            return "GCounter";
        }

        @Override
        public void encode(GCounter value, CodecWriter out) {
            writeVector(value.counts(), out);
        }

        @Override
        public GCounter decode(CodecReader in) {
            return GCounter.of(readVector(in));
        }

        @Override
        public void visitReplicas(GCounter value, Consumer<? super ReplicaId> visitor) {
            value.counts().forEach((id, n) -> visitor.accept(id));
        }
    };

    static final CrdtCodec<PNCounter> PN_COUNTER = new CrdtCodec<>() {
        @Override
        public String id() {
            return "PNCounter";
        }

        @Override
        public void encode(PNCounter value, CodecWriter out) {
            writeVector(value.increments(), out);
            writeVector(value.decrements(), out);
        }

        @Override
        public PNCounter decode(CodecReader in) {
            Map<ReplicaId, Long> p = readVector(in);
            return PNCounter.of(p, readVector(in));
        }

        @Override
        public void visitReplicas(PNCounter value, Consumer<? super ReplicaId> visitor) {
            value.increments().forEach((id, n) -> visitor.accept(id));
            value.decrements().forEach((id, n) -> visitor.accept(id));
        }
    };

    /** 0 for bottom; else {@code writer index + 1}, stamp, value. */
    static <V> CrdtCodec<LWWRegister<V>> lwwRegister(ValueCodec<V> values) {
        Objects.requireNonNull(values, "values");
        return new CrdtCodec<>() {
            @Override
            public String id() {
                return "LWWRegister<" + values.id() + ">";
            }

            @Override
            public void encode(LWWRegister<V> value, CodecWriter out) {
                if (value.isBottom()) {
                    out.writeVarInt(0);
                    return;
                }
                out.writeVarLong(out.replicaIndex(value.writer().orElseThrow()) + 1L);
                out.writeTimestamp(value.timestamp());
                out.writeValue(values, value.value().orElseThrow());
            }

            @Override
            public LWWRegister<V> decode(CodecReader in) {
                int off = in.offset();
                long h = in.readVarLong();
                if (h == 0) {
                    return LWWRegister.empty();
                }
                ReplicaId writer = in.replica(in.checkIndex(h - 1, off));
                HlcTimestamp stamp = in.readTimestamp();
                return LWWRegister.of(stamp, writer, in.readValue(values));
            }

            @Override
            public void visitReplicas(LWWRegister<V> value, Consumer<? super ReplicaId> visitor) {
                value.writer().ifPresent(visitor);
            }
        };
    }
}
