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
 */
final class JsonSerializers {
    private JsonSerializers() {
    }

    static Serializers create() {
        SimpleSerializers s = new SimpleSerializers();
        s.addSerializer(GCounter.class, new GCounterSerializer());
        s.addSerializer(PNCounter.class, new PNCounterSerializer());
        s.addSerializer(ORSet.class, new MapSerializer(ORSet.class, "ORSet", "element"));
        s.addSerializer(AWLWWMap.class, new MapSerializer(AWLWWMap.class, "AWLWWMap", "key"));
        s.addSerializer(ORMap.class, new MapSerializer(ORMap.class, "ORMap", "key"));
        s.addSerializer(MixedORMap.class, new MapSerializer(MixedORMap.class, "MixedORMap", "key"));
        s.addSerializer(EWFlag.class, new SingleSerializer(EWFlag.class, "EWFlag"));
        s.addSerializer(DWFlag.class, new SingleSerializer(DWFlag.class, "DWFlag"));
        s.addSerializer(MVRegister.class, new SingleSerializer(MVRegister.class, "MVRegister"));
        s.addSerializer(CausalCounter.class, new SingleSerializer(CausalCounter.class, "CausalCounter"));
        s.addSerializer(rawClass(LWWRegister.class), new LWWRegisterSerializer());
        return s;
    }

    @SuppressWarnings("unchecked")
    static <T> Class<T> rawClass(Class<?> c) {
        return (Class<T>) c;
    }

    // ------------------------------------------------------------------------------ helpers

    static void writeDot(JsonGenerator g, ReplicaId r, long counter) throws IOException {
        g.writeStartArray();
        g.writeString(r.name());
        g.writeNumber(counter);
        g.writeEndArray();
    }

    static void writeVector(JsonGenerator g, String field, VersionVector v) throws IOException {
        g.writeObjectFieldStart(field);
        for (Map.Entry<ReplicaId, Long> e : v.toMap().entrySet()) {
            g.writeNumberField(e.getKey().name(), e.getValue());
        }
        g.writeEndObject();
    }

    /** {@code "context": {"vv": {...}, "cloud": [[id, n], ...]}}, omitted when empty. */
    static void writeContext(JsonGenerator g, CausalContext c) throws IOException {
        if (c.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("context");
        writeVector(g, "vv", c.versionVector());
        if (!c.isCompact()) {
            g.writeArrayFieldStart("cloud");
            for (Dot d : c.cloud()) {
                writeDot(g, d.replica(), d.counter());
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
    static void writeEntryFields(JsonGenerator g, SerializerProvider p, Object e, String type) throws IOException {
        g.writeFieldName("dot");
        writeDot(g, DotEntries.replica(e), DotEntries.counter(e));
        if (e instanceof Tagged t) {
            if ("CausalCounter".equals(type)) {
                long[] totals = ACCESS.counterTotals(t.value);
                g.writeNumberField("up", totals[0]);
                g.writeNumberField("down", totals[1]);
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

        GCounterSerializer() {
            super(GCounter.class);
        }

        @Override
        public void serialize(GCounter v, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartObject();
            g.writeStringField("type", "GCounter");
            writeVector(g, "counts", v.counts());
            g.writeEndObject();
        }
    }

    static final class PNCounterSerializer extends StdSerializer<PNCounter> {
        private static final long serialVersionUID = 1L;

        PNCounterSerializer() {
            super(PNCounter.class);
        }

        @Override
        public void serialize(PNCounter v, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartObject();
            g.writeStringField("type", "PNCounter");
            writeVector(g, "increments", v.increments());
            writeVector(g, "decrements", v.decrements());
            g.writeEndObject();
        }
    }

    static final class LWWRegisterSerializer extends StdSerializer<LWWRegister<?>> {
        private static final long serialVersionUID = 1L;

        LWWRegisterSerializer() {
            super(rawClass(LWWRegister.class));
        }

        @Override
        public void serialize(LWWRegister<?> v, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartObject();
            g.writeStringField("type", "LWWRegister");
            if (!v.isBottom()) {
                g.writeStringField("writer", v.writer().orElseThrow().name());
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

        MapSerializer(Class<?> c, String type, String keyField) {
            super(c, false);
            this.type = type;
            this.keyField = keyField;
        }

        @Override
        public void serialize(Object v, JsonGenerator g, SerializerProvider p) throws IOException {
            HashTrie<Object, Object> store = ACCESS.mapStore(v);
            HashTrie<Object, Boolean> hints = ACCESS.removedHints(v);
            g.writeStartObject();
            g.writeStringField("type", type);
            writeContext(g, ((CausalCrdt<?>) v).context());
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
                    for (int i = 0; i < n; i++) {
                        Object d = DotEntries.get(entry, i);
                        writeDot(g, DotEntries.replica(d), DotEntries.counter(d));
                    }
                    g.writeEndArray();
                } else if ("AWLWWMap".equals(type)) {
                    g.writeArrayFieldStart("values");
                    int n = DotEntries.count(entry);
                    for (int i = 0; i < n; i++) {
                        g.writeStartObject();
                        writeEntryFields(g, p, DotEntries.get(entry, i), type);
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

        SingleSerializer(Class<?> c, String type) {
            super(c, false);
            this.type = type;
        }

        @Override
        public void serialize(Object v, JsonGenerator g, SerializerProvider p) throws IOException {
            Object store = ACCESS.singleStore(v);
            int n = DotEntries.count(store);
            g.writeStartObject();
            g.writeStringField("type", type);
            writeContext(g, ((CausalCrdt<?>) v).context());
            boolean flag = "EWFlag".equals(type) || "DWFlag".equals(type);
            g.writeArrayFieldStart(flag ? "dots" : "entries");
            for (int i = 0; i < n; i++) {
                Object e = DotEntries.get(store, i);
                if (flag) {
                    writeDot(g, DotEntries.replica(e), DotEntries.counter(e));
                } else {
                    g.writeStartObject();
                    writeEntryFields(g, p, e, type);
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }
}
