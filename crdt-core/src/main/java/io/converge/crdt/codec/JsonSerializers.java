package io.converge.crdt.codec;

import static io.converge.crdt.codec.BuiltinCrdtCodecs.ACCESS;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleSerializers;
import com.fasterxml.jackson.databind.ser.Serializers;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
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
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Tagged;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Hand-written Jackson serializers of the built-in types (the format is documented on
 * {@link ConvergeJacksonModule}). Causal values write their context only when it is not empty,
 * which is always the case for the values nested in an {@link ORMap}.
 *
 * <p>They refuse, with {@link EncodeException}, what {@link JsonDeserializers} under the same
 * limits would refuse: a collection above {@link CodecLimits#maxElements()}, more distinct replica
 * ids than {@link CodecLimits#maxReplicaIdsPerMessage()}, a counter above
 * {@link VersionVector#MAX_COUNTER}. Strings, nesting and the document's size are checked by
 * {@link JsonCodec}'s generator.
 */
final class JsonSerializers {
    private static final Object IDS = new Object();

    private JsonSerializers() {
    }

    static Serializers create(CodecLimits limits) {
        SimpleSerializers s = new SimpleSerializers();
        s.addSerializer(GCounter.class, new GCounterSerializer(limits));
        s.addSerializer(PNCounter.class, new PNCounterSerializer(limits));
        s.addSerializer(ORSet.class, new MapSerializer(ORSet.class, "ORSet", "element", limits));
        s.addSerializer(AWLWWMap.class, new MapSerializer(AWLWWMap.class, "AWLWWMap", "key", limits));
        s.addSerializer(ORMap.class, new MapSerializer(ORMap.class, "ORMap", "key", limits));
        s.addSerializer(MixedORMap.class, new MapSerializer(MixedORMap.class, "MixedORMap", "key", limits));
        s.addSerializer(EWFlag.class, new SingleSerializer(EWFlag.class, "EWFlag", limits));
        s.addSerializer(DWFlag.class, new SingleSerializer(DWFlag.class, "DWFlag", limits));
        s.addSerializer(MVRegister.class, new SingleSerializer(MVRegister.class, "MVRegister", limits));
        s.addSerializer(CausalCounter.class, new SingleSerializer(CausalCounter.class, "CausalCounter", limits));
        s.addSerializer(rawClass(LWWRegister.class), new LWWRegisterSerializer(limits));
        return s;
    }

    /** The limits of one serialization call, and the distinct replica ids it wrote so far. */
    static final class Checks {
        final CodecLimits limits;
        final java.util.Set<ReplicaId> ids = new java.util.HashSet<>();

        private Checks(CodecLimits limits) {
            this.limits = limits;
        }

        /** This call's checks, shared by every serializer it runs (nested values included). */
        static Checks of(SerializerProvider p, CodecLimits limits) {
            Checks c = (Checks) p.getAttribute(IDS);
            if (c == null) {
                c = new Checks(limits);
                p.setAttribute(IDS, c);
            }
            return c;
        }

        void count(long n) {
            if (n > limits.maxElements()) {
                throw new EncodeException("maxElements", n, limits.maxElements(), "a collection");
            }
        }

        String replica(ReplicaId id) {
            if (ids.add(id) && ids.size() > limits.maxReplicaIdsPerMessage()) {
                throw new EncodeException("maxReplicaIdsPerMessage", ids.size(), limits.maxReplicaIdsPerMessage(),
                        "a JSON document");
            }
            return id.name();
        }

        long counter(long v) {
            CodecWriter.checkCounter(v);
            return v;
        }
    }

    @SuppressWarnings("unchecked")
    static <T> Class<T> rawClass(Class<?> c) {
        return (Class<T>) c;
    }

    // ------------------------------------------------------------------------------ helpers

    static void writeDot(JsonGenerator g, Checks k, ReplicaId r, long counter) throws IOException {
        g.writeStartArray();
        g.writeString(k.replica(r));
        g.writeNumber(k.counter(counter));
        g.writeEndArray();
    }

    static void writeVector(JsonGenerator g, Checks k, String field, VersionVector v) throws IOException {
        k.count(v.size());
        g.writeObjectFieldStart(field);
        for (Map.Entry<ReplicaId, Long> e : v.toMap().entrySet()) {
            g.writeNumberField(k.replica(e.getKey()), k.counter(e.getValue()));
        }
        g.writeEndObject();
    }

    /** {@code "context": {"vv": {...}, "cloud": [[id, n], ...]}}, omitted when empty. */
    static void writeContext(JsonGenerator g, Checks k, CausalContext c) throws IOException {
        if (c.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("context");
        writeVector(g, k, "vv", c.versionVector());
        if (!c.isCompact()) {
            java.util.List<Dot> cloud = c.cloud();
            k.count(cloud.size());
            g.writeArrayFieldStart("cloud");
            for (Dot d : cloud) {
                writeDot(g, k, d.replica(), d.counter());
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    static void writeStamp(JsonGenerator g, long packed) throws IOException {
        g.writeStartArray();
        g.writeNumber(packed >>> 16);
        g.writeNumber(packed & 0xFFFF);
        g.writeEndArray();
    }

    static void writeValue(JsonGenerator g, SerializerProvider p, Object v) throws IOException {
        p.defaultSerializeValue(v, g);
    }

    /** Writes one dot-store entry's fields (inside its object) for the given type. */
    static void writeEntryFields(JsonGenerator g, SerializerProvider p, Checks k, Object e, String type)
            throws IOException {
        g.writeFieldName("dot");
        writeDot(g, k, DotEntries.replica(e), DotEntries.counter(e));
        if (e instanceof Tagged t) {
            if ("CausalCounter".equals(type)) {
                long[] totals = ACCESS.counterTotals(t.value);
                g.writeNumberField("up", k.counter(totals[0]));
                g.writeNumberField("down", k.counter(totals[1]));
            } else {
                if ("AWLWWMap".equals(type)) {
                    g.writeFieldName("stamp");
                    writeStamp(g, t.stamp);
                }
                g.writeFieldName("value");
                writeValue(g, p, t.value);
            }
        }
    }

    // ------------------------------------------------------------------------------ serializers

    static final class GCounterSerializer extends StdSerializer<GCounter> {
        private static final long serialVersionUID = 1L;
        private final transient CodecLimits limits;

        GCounterSerializer(CodecLimits limits) {
            super(GCounter.class);
            this.limits = limits;
        }

        @Override
        public void serialize(GCounter v, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartObject();
            g.writeStringField("type", "GCounter");
            writeVector(g, Checks.of(p, limits), "counts", v.counts());
            g.writeEndObject();
        }
    }

    static final class PNCounterSerializer extends StdSerializer<PNCounter> {
        private static final long serialVersionUID = 1L;
        private final transient CodecLimits limits;

        PNCounterSerializer(CodecLimits limits) {
            super(PNCounter.class);
            this.limits = limits;
        }

        @Override
        public void serialize(PNCounter v, JsonGenerator g, SerializerProvider p) throws IOException {
            Checks k = Checks.of(p, limits);
            g.writeStartObject();
            g.writeStringField("type", "PNCounter");
            writeVector(g, k, "increments", v.increments());
            writeVector(g, k, "decrements", v.decrements());
            g.writeEndObject();
        }
    }

    static final class LWWRegisterSerializer extends StdSerializer<LWWRegister<?>> {
        private static final long serialVersionUID = 1L;
        private final transient CodecLimits limits;

        LWWRegisterSerializer(CodecLimits limits) {
            super(rawClass(LWWRegister.class));
            this.limits = limits;
        }

        @Override
        public void serialize(LWWRegister<?> v, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartObject();
            g.writeStringField("type", "LWWRegister");
            if (!v.isBottom()) {
                g.writeStringField("writer", Checks.of(p, limits).replica(v.writer().orElseThrow()));
                g.writeFieldName("stamp");
                writeStamp(g, v.timestamp().packed());
                g.writeFieldName("value");
                writeValue(g, p, v.value().orElseThrow());
            }
            g.writeEndObject();
        }
    }

    /** ORSet, AWLWWMap, ORMap, MixedORMap. */
    static final class MapSerializer extends StdSerializer<Object> {
        private static final long serialVersionUID = 1L;
        private final String type;
        private final String keyField;
        private final transient CodecLimits limits;

        MapSerializer(Class<?> c, String type, String keyField, CodecLimits limits) {
            super(c, false);
            this.type = type;
            this.keyField = keyField;
            this.limits = limits;
        }

        @Override
        public void serialize(Object v, JsonGenerator g, SerializerProvider p) throws IOException {
            HashTrie<Object, Object> store = ACCESS.mapStore(v);
            HashTrie<Object, Boolean> hints = ACCESS.removedHints(v);
            Checks k = Checks.of(p, limits);
            g.writeStartObject();
            g.writeStringField("type", type);
            writeContext(g, k, ((CausalCrdt<?>) v).context());
            k.count(store.size());
            g.writeArrayFieldStart("entries");
            for (Iterator<Map.Entry<Object, Object>> it = store.iterator(); it.hasNext(); ) {
                Map.Entry<Object, Object> e = it.next();
                g.writeStartObject();
                g.writeFieldName(keyField);
                writeValue(g, p, e.getKey());
                Object entry = e.getValue();
                if ("ORSet".equals(type)) {
                    g.writeArrayFieldStart("dots");
                    int n = DotEntries.count(entry);
                    k.count(n);
                    for (int i = 0; i < n; i++) {
                        Object d = DotEntries.get(entry, i);
                        writeDot(g, k, DotEntries.replica(d), DotEntries.counter(d));
                    }
                    g.writeEndArray();
                } else if ("AWLWWMap".equals(type)) {
                    g.writeArrayFieldStart("values");
                    int n = DotEntries.count(entry);
                    k.count(n);
                    for (int i = 0; i < n; i++) {
                        g.writeStartObject();
                        writeEntryFields(g, p, k, DotEntries.get(entry, i), type);
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                } else if ("MixedORMap".equals(type)) {
                    writeMixedEntry(g, p, entry);
                } else {
                    g.writeFieldName("value");
                    p.findValueSerializer(entry.getClass()).serialize(entry, g, p);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            if (hints != null) {
                k.count(hints.size());
                g.writeArrayFieldStart("removed");
                for (Iterator<Map.Entry<Object, Boolean>> it = hints.iterator(); it.hasNext(); ) {
                    writeValue(g, p, it.next().getKey());
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
    }

    /**
     * A MixedORMap key's values: {@code "value"} when it holds one type, else {@code "values"}
     * in type-tag order. An ORMap is refused: its value type is not in the JSON, so it could not
     * be read back (a nested MixedORMap can).
     */
    static void writeMixedEntry(JsonGenerator g, SerializerProvider p, Object entry) throws IOException {
        java.util.List<Object> values = ACCESS.mixedValues(entry);
        for (Object v : values) {
            if (v instanceof ORMap<?, ?>) {
                throw com.fasterxml.jackson.databind.JsonMappingException.from(g, "a MixedORMap holding an "
                        + "ORMap cannot be written as JSON (its value type would be lost); nest a MixedORMap");
            }
        }
        if (values.size() == 1) {
            g.writeFieldName("value");
            p.findValueSerializer(values.get(0).getClass()).serialize(values.get(0), g, p);
            return;
        }
        g.writeArrayFieldStart("values");
        for (Object v : values) {
            p.findValueSerializer(v.getClass()).serialize(v, g, p);
        }
        g.writeEndArray();
    }

    /** EWFlag, DWFlag (dots), MVRegister, CausalCounter (entries). */
    static final class SingleSerializer extends StdSerializer<Object> {
        private static final long serialVersionUID = 1L;
        private final String type;
        private final transient CodecLimits limits;

        SingleSerializer(Class<?> c, String type, CodecLimits limits) {
            super(c, false);
            this.type = type;
            this.limits = limits;
        }

        @Override
        public void serialize(Object v, JsonGenerator g, SerializerProvider p) throws IOException {
            Object store = ACCESS.singleStore(v);
            int n = DotEntries.count(store);
            Checks k = Checks.of(p, limits);
            g.writeStartObject();
            g.writeStringField("type", type);
            writeContext(g, k, ((CausalCrdt<?>) v).context());
            boolean flag = "EWFlag".equals(type) || "DWFlag".equals(type);
            k.count(n);
            g.writeArrayFieldStart(flag ? "dots" : "entries");
            for (int i = 0; i < n; i++) {
                Object e = DotEntries.get(store, i);
                if (flag) {
                    writeDot(g, k, DotEntries.replica(e), DotEntries.counter(e));
                } else {
                    g.writeStartObject();
                    writeEntryFields(g, p, k, e, type);
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }
}
