package io.converge.crdt.codec;

import static io.converge.crdt.codec.BuiltinCrdtCodecs.ACCESS;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.Deserializers;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
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
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.converge.crdt.internal.DotEntries;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Tagged;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Hand-written Jackson deserializers of the built-in types: streaming, strict (unknown or
 * repeated fields, nulls and out-of-range numbers are errors), bounded by {@link CodecLimits}
 * (collections, distinct replica ids, CRDT nesting), never creating a class named by the input.
 * A top-level value is checked with {@link ReplicatedData#checkInvariants()}; values nested in an
 * {@link ORMap} are checked as part of the map. Errors are {@link DecodeException}s.
 */
final class JsonDeserializers extends Deserializers.Base {
    private static final Object IDS = new Object();
    private static final Object DEPTH = new Object();

    private final CodecLimits limits;

    JsonDeserializers(CodecLimits limits) {
        this.limits = limits;
    }

    @Override
    public JsonDeserializer<?> findBeanDeserializer(JavaType type, DeserializationConfig config,
            BeanDescription beanDesc) {
        Class<?> raw = type.getRawClass();
        if (raw == GCounter.class || raw == PNCounter.class) {
            return new CounterDeserializer(type, limits, raw == PNCounter.class);
        }
        if (raw == ORSet.class || raw == AWLWWMap.class || raw == ORMap.class || raw == MixedORMap.class) {
            return new MapDeserializer(type, limits, raw.getSimpleName(), null, null, null);
        }
        if (raw == EWFlag.class || raw == DWFlag.class || raw == MVRegister.class || raw == CausalCounter.class) {
            return new SingleDeserializer(type, limits, raw.getSimpleName(), null);
        }
        if (raw == LWWRegister.class) {
            return new LWWRegisterDeserializer(type, limits, null);
        }
        return null;
    }

    // ------------------------------------------------------------------------------ reading helpers

    /** The parser with Converge's checks. */
    static final class In {
        final JsonParser p;
        final DeserializationContext ctxt;
        final CodecLimits limits;

        In(JsonParser p, DeserializationContext ctxt, CodecLimits limits) {
            this.p = p;
            this.ctxt = ctxt;
            this.limits = limits;
        }

        MalformedFrameException malformed(String m) {
            return new MalformedFrameException(m, JacksonSupport.offsetOf(p.currentLocation()));
        }

        JsonToken next() throws IOException {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw malformed("unexpected end of input");
            }
            return t;
        }

        void expect(JsonToken t) {
            if (p.currentToken() != t) {
                throw malformed("expected " + t + ", found " + p.currentToken());
            }
        }

        /** The next field of the current object, positioned at its value; null at the object's end. */
        String nextField(Set<String> seen) throws IOException {
            JsonToken t = next();
            if (t == JsonToken.END_OBJECT) {
                return null;
            }
            if (t != JsonToken.FIELD_NAME) {
                throw malformed("expected a field, found " + t);
            }
            String name = p.currentName();
            if (!seen.add(name)) {
                throw malformed("repeated field " + name);
            }
            next();
            return name;
        }

        /** Moves to the next element of the current array; false at its end. Counts against maxElements. */
        boolean nextElement(int[] count) throws IOException {
            if (next() == JsonToken.END_ARRAY) {
                return false;
            }
            if (++count[0] > limits.maxElements()) {
                throw new LimitExceededException("maxElements", count[0], limits.maxElements(),
                        JacksonSupport.offsetOf(p.currentLocation()));
            }
            return true;
        }

        void type(String expected) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw malformed("expected type " + expected);
            }
            String found = p.getText();
            if (!expected.equals(found)) {
                throw new CodecMismatchException(expected, found, JacksonSupport.offsetOf(p.currentLocation()));
            }
        }

        String string() throws IOException {
            expect(JsonToken.VALUE_STRING);
            return p.getText();
        }

        @SuppressWarnings("unchecked")
        ReplicaId replica(String name) {
            ReplicaId id;
            try {
                id = ReplicaId.of(name);
            } catch (IllegalArgumentException e) {
                throw new MalformedFrameException("bad replica id: " + e.getMessage(),
                        JacksonSupport.offsetOf(p.currentLocation()), e);
            }
            Set<ReplicaId> ids = (Set<ReplicaId>) ctxt.getAttribute(IDS);
            if (ids == null) {
                ids = new HashSet<>();
                ctxt.setAttribute(IDS, ids);
            }
            if (ids.add(id) && ids.size() > limits.maxReplicaIdsPerMessage()) {
                throw new LimitExceededException("maxReplicaIdsPerMessage", ids.size(),
                        limits.maxReplicaIdsPerMessage(), JacksonSupport.offsetOf(p.currentLocation()));
            }
            return id;
        }

        /**
         * A per-replica counter or dot counter: {@code min..}{@link VersionVector#MAX_COUNTER}, a
         * larger one (however many digits) a {@link LimitExceededException}.
         */
        long counter(long min) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    java.math.BigInteger b = p.getBigIntegerValue();
                    if (b.signum() > 0) {
                        // exact when below 2^64 (read as unsigned), else -1: "unknown, larger"
                        throw new LimitExceededException("maxCounter", b.bitLength() <= 64 ? b.longValue() : -1,
                                VersionVector.MAX_COUNTER, JacksonSupport.offsetOf(p.currentLocation()));
                    }
                }
                long v = p.getLongValue();
                if (v > VersionVector.MAX_COUNTER) {
                    throw new LimitExceededException("maxCounter", v, VersionVector.MAX_COUNTER,
                            JacksonSupport.offsetOf(p.currentLocation()));
                }
            }
            return number(min, VersionVector.MAX_COUNTER);
        }

        long number(long min, long max) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw malformed("expected an integer, found " + p.currentToken());
            }
            long v = p.getLongValue();
            if (v < min || v > max) {
                throw malformed("integer " + v + " outside " + min + ".." + max);
            }
            return v;
        }

        Dot dot() throws IOException {
            expect(JsonToken.START_ARRAY);
            next();
            ReplicaId r = replica(string());
            next();
            long c = counter(1);
            if (next() != JsonToken.END_ARRAY) {
                throw malformed("a dot is [replica, counter]");
            }
            return new Dot(r, c);
        }

        long stamp() throws IOException {
            expect(JsonToken.START_ARRAY);
            next();
            long millis = number(0, HlcTimestamp.MAX_MILLIS);
            next();
            long counter = number(0, HlcTimestamp.MAX_COUNTER);
            if (next() != JsonToken.END_ARRAY) {
                throw malformed("a stamp is [millis, counter]");
            }
            return millis << 16 | counter;
        }

        CausalContext context() throws IOException {
            expect(JsonToken.START_OBJECT);
            CausalContext.Builder b = CausalContext.builder();
            Set<String> seen = new HashSet<>();
            for (String f; (f = nextField(seen)) != null; ) {
                if (f.equals("vv")) {
                    vector((id, n) -> b.addUpTo(id, n));
                } else if (f.equals("cloud")) {
                    expect(JsonToken.START_ARRAY);
                    int[] count = {0};
                    while (nextElement(count)) {
                        b.add(dot());
                    }
                } else {
                    throw malformed("unknown context field " + f);
                }
            }
            return b.build();
        }

        interface VectorSink {
            void accept(ReplicaId id, long n);
        }

        void vector(VectorSink sink) throws IOException {
            expect(JsonToken.START_OBJECT);
            Set<String> seen = new HashSet<>();
            int n = 0;
            for (String f; (f = nextField(seen)) != null; ) {
                if (++n > limits.maxElements()) {
                    throw new LimitExceededException("maxElements", n, limits.maxElements(),
                            JacksonSupport.offsetOf(p.currentLocation()));
                }
                sink.accept(replica(f), counter(1));
            }
        }

        Object value(JsonDeserializer<?> d) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                throw malformed("null value");
            }
            Object v = d.deserialize(p, ctxt);
            if (v == null) {
                throw malformed("value decoded to null");
            }
            if (v instanceof String s && CodecWriter.unpairedSurrogate(s) >= 0) {
                // JsonCodec checks every string of the document; this covers the module used alone.
                throw malformed("a string holds an unpaired surrogate at index " + CodecWriter.unpairedSurrogate(s));
            }
            return v;
        }

        void enter() {
            int[] depth = (int[]) ctxt.getAttribute(DEPTH);
            if (depth == null) {
                depth = new int[1];
                ctxt.setAttribute(DEPTH, depth);
            }
            if (++depth[0] > limits.maxDepth()) {
                throw new LimitExceededException("maxDepth", depth[0], limits.maxDepth(),
                        JacksonSupport.offsetOf(p.currentLocation()));
            }
        }

        void exit() {
            ((int[]) ctxt.getAttribute(DEPTH))[0]--;
        }
    }

    // ------------------------------------------------------------------------------ base

    /** Our deserializers: {@link #read} a value without checking it; the top level checks. */
    abstract static class Base extends StdDeserializer<Object> implements ContextualDeserializer {
        private static final long serialVersionUID = 1L;
        final JavaType type;
        final CodecLimits limits;

        Base(JavaType type, CodecLimits limits) {
            super(type);
            this.type = type;
            this.limits = limits;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
                throws JsonMappingException {
            return this;
        }

        JsonDeserializer<Object> param(DeserializationContext ctxt, BeanProperty property, int i)
                throws JsonMappingException {
            return ctxt.findContextualValueDeserializer(type.containedTypeOrUnknown(i), property);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            In in = new In(p, ctxt, limits);
            in.enter();
            Object v = read(in);
            in.exit();
            try {
                ((ReplicatedData<?>) v).checkInvariants();
            } catch (RuntimeException e) {
                throw new MalformedFrameException("decoded value breaks its invariants: " + e.getMessage(),
                        JacksonSupport.offsetOf(p.currentLocation()), e);
            }
            return v;
        }

        /** Reads the object at the current token (START_OBJECT) up to its END_OBJECT. */
        abstract Object read(In in) throws IOException;

        /**
         * Reads the rest of an object whose {@code "type"} field (already checked) came first, for
         * a value nested in a MixedORMap; only causal types support it.
         */
        Object readAfterType(In in) throws IOException {
            throw in.malformed(type + " cannot be nested in a MixedORMap");
        }

        @Override
        public abstract Object getEmptyValue(DeserializationContext ctxt);
    }

    // ------------------------------------------------------------------------------ counters

    static final class CounterDeserializer extends Base {
        private static final long serialVersionUID = 1L;
        private final boolean pn;

        CounterDeserializer(JavaType type, CodecLimits limits, boolean pn) {
            super(type, limits);
            this.pn = pn;
        }

        @Override
        Object read(In in) throws IOException {
            in.expect(JsonToken.START_OBJECT);
            Map<ReplicaId, Long> a = new TreeMap<>();
            Map<ReplicaId, Long> b = new TreeMap<>();
            boolean typed = false;
            Set<String> seen = new HashSet<>();
            for (String f; (f = in.nextField(seen)) != null; ) {
                switch (f) {
                    case "type" -> {
                        in.type(pn ? "PNCounter" : "GCounter");
                        typed = true;
                    }
                    case "counts" -> {
                        if (pn) {
                            throw in.malformed("unknown field counts");
                        }
                        in.vector(a::put);
                    }
                    case "increments", "decrements" -> {
                        if (!pn) {
                            throw in.malformed("unknown field " + f);
                        }
                        in.vector(f.equals("increments") ? a::put : b::put);
                    }
                    default -> throw in.malformed("unknown field " + f);
                }
            }
            if (!typed) {
                throw in.malformed("missing type");
            }
            return pn ? PNCounter.of(a, b) : GCounter.of(a);
        }

        @Override
        public Object getEmptyValue(DeserializationContext ctxt) {
            return pn ? PNCounter.empty() : GCounter.empty();
        }
    }

    // ------------------------------------------------------------------------------ LWW register

    static final class LWWRegisterDeserializer extends Base {
        private static final long serialVersionUID = 1L;
        private final JsonDeserializer<Object> values;

        LWWRegisterDeserializer(JavaType type, CodecLimits limits, JsonDeserializer<Object> values) {
            super(type, limits);
            this.values = values;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
                throws JsonMappingException {
            return new LWWRegisterDeserializer(type, limits, param(ctxt, property, 0));
        }

        @Override
        Object read(In in) throws IOException {
            in.expect(JsonToken.START_OBJECT);
            boolean typed = false;
            ReplicaId writer = null;
            long stamp = -1;
            Object value = null;
            Set<String> seen = new HashSet<>();
            for (String f; (f = in.nextField(seen)) != null; ) {
                switch (f) {
                    case "type" -> {
                        in.type("LWWRegister");
                        typed = true;
                    }
                    case "writer" -> writer = in.replica(in.string());
                    case "stamp" -> stamp = in.stamp();
                    case "value" -> value = in.value(values);
                    default -> throw in.malformed("unknown field " + f);
                }
            }
            if (!typed) {
                throw in.malformed("missing type");
            }
            if (writer == null && stamp < 0 && value == null) {
                return LWWRegister.empty();
            }
            if (writer == null || stamp < 0 || value == null) {
                throw in.malformed("a written LWWRegister has writer, stamp and value");
            }
            return LWWRegister.of(new HlcTimestamp(stamp), writer, value);
        }

        @Override
        public Object getEmptyValue(DeserializationContext ctxt) {
            return LWWRegister.empty();
        }
    }

    // ------------------------------------------------------------------------------ dot maps

    static final class MapDeserializer extends Base {
        private static final long serialVersionUID = 1L;
        private final String kind;
        private final JsonDeserializer<Object> keys;
        private final JsonDeserializer<Object> values;
        private final CausalCrdt<?> prototype;

        MapDeserializer(JavaType type, CodecLimits limits, String kind, JsonDeserializer<Object> keys,
                JsonDeserializer<Object> values, CausalCrdt<?> prototype) {
            super(type, limits);
            this.kind = kind;
            this.keys = keys;
            this.values = values;
            this.prototype = prototype;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
                throws JsonMappingException {
            JsonDeserializer<Object> k = param(ctxt, property, 0);
            if (kind.equals("ORSet") || kind.equals("MixedORMap")) {
                return new MapDeserializer(type, limits, kind, k, null, null);
            }
            JsonDeserializer<Object> v = param(ctxt, property, 1);
            CausalCrdt<?> proto = null;
            if (kind.equals("ORMap")) {
                Object empty = v.getEmptyValue(ctxt);
                if (!(empty instanceof CausalCrdt<?> c) || !c.isBottom()) {
                    return ctxt.reportBadDefinition(type, "ORMap values must be causal CRDTs whose deserializer's "
                            + "getEmptyValue() is their bottom; " + type.containedTypeOrUnknown(1) + " is not");
                }
                proto = c;
            }
            return new MapDeserializer(type, limits, kind, k, v, proto);
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Object getEmptyValue(DeserializationContext ctxt) {
            switch (kind) {
                case "ORSet":
                    return ORSet.empty();
                case "AWLWWMap":
                    return AWLWWMap.empty();
                case "MixedORMap":
                    return MixedORMap.empty();
                default:
                    return prototype == null ? null : ORMap.empty((CausalCrdt) prototype);
            }
        }

        @Override
        Object read(In in) throws IOException {
            in.expect(JsonToken.START_OBJECT);
            return readFields(in, false);
        }

        @Override
        Object readAfterType(In in) throws IOException {
            return readFields(in, true);
        }

        private Object readFields(In in, boolean typed) throws IOException {
            CausalContext context = CausalContext.empty();
            HashTrie<Object, Object> store = HashTrie.empty();
            HashTrie<Object, Boolean> hints = null;
            Set<String> seen = new HashSet<>();
            if (typed) {
                seen.add("type");
            }
            for (String f; (f = in.nextField(seen)) != null; ) {
                switch (f) {
                    case "type" -> {
                        in.type(kind);
                        typed = true;
                    }
                    case "context" -> context = in.context();
                    case "entries" -> {
                        in.expect(JsonToken.START_ARRAY);
                        int[] count = {0};
                        while (in.nextElement(count)) {
                            Object[] kv = entry(in);
                            if (store.containsKey(kv[0])) {
                                throw in.malformed("repeated key " + kv[0]);
                            }
                            store = store.put(kv[0], kv[1]);
                        }
                    }
                    case "removed" -> {
                        in.expect(JsonToken.START_ARRAY);
                        hints = HashTrie.empty();
                        int[] count = {0};
                        while (in.nextElement(count)) {
                            Object k = in.value(keys);
                            if (hints.containsKey(k)) {
                                throw in.malformed("repeated removed key " + k);
                            }
                            hints = hints.put(k, Boolean.TRUE);
                        }
                    }
                    default -> throw in.malformed("unknown field " + f);
                }
            }
            if (!typed) {
                throw in.malformed("missing type");
            }
            if (kind.equals("ORMap")) {
                return ACCESS.makeORMap(prototype, store, context, hints);
            }
            return ACCESS.makeMap(kind, store, context, hints);
        }

        /** One entry object: {key, store}. */
        private Object[] entry(In in) throws IOException {
            in.expect(JsonToken.START_OBJECT);
            String keyField = kind.equals("ORSet") ? "element" : "key";
            Object key = null;
            Object store = null;
            Set<String> seen = new HashSet<>();
            for (String f; (f = in.nextField(seen)) != null; ) {
                if (f.equals(keyField)) {
                    key = in.value(keys);
                } else if (kind.equals("ORSet") && f.equals("dots")) {
                    store = dots(in);
                } else if (kind.equals("AWLWWMap") && f.equals("values")) {
                    store = taggedList(in, "AWLWWMap", values);
                } else if (kind.equals("ORMap") && f.equals("value")) {
                    store = nested(in);
                } else if (kind.equals("MixedORMap") && f.equals("value") && !seen.contains("values")) {
                    store = mixedValue(in);
                } else if (kind.equals("MixedORMap") && f.equals("values") && !seen.contains("value")) {
                    store = mixedValues(in);
                } else {
                    throw in.malformed("unknown entry field " + f);
                }
            }
            if (key == null || store == null) {
                throw in.malformed("an entry needs its " + keyField + " and its value");
            }
            return new Object[] {key, store};
        }

        /**
         * A value nested in a MixedORMap: an object whose first field is its {@code "type"}, the
         * type tag that picks its deserializer. Elements are read as JSON-natural values.
         */
        private Object mixedValue(In in) throws IOException {
            in.expect(JsonToken.START_OBJECT);
            if (in.next() != JsonToken.FIELD_NAME || !"type".equals(in.p.currentName())) {
                throw in.malformed("a MixedORMap value starts with its type");
            }
            in.next();
            String tag = in.string();
            Base d;
            switch (tag) {
                case "ORSet" -> d = new MapDeserializer(type, limits, tag, NATURAL, null, null);
                case "AWLWWMap" -> d = new MapDeserializer(type, limits, tag, NATURAL, NATURAL, null);
                case "MixedORMap" -> d = new MapDeserializer(type, limits, tag, keys, null, null);
                case "EWFlag", "DWFlag", "CausalCounter" -> d = new SingleDeserializer(type, limits, tag, null);
                case "MVRegister" -> d = new SingleDeserializer(type, limits, tag, NATURAL);
                default -> throw in.malformed("unknown type tag " + tag + " in a MixedORMap");
            }
            in.enter();
            Object v = d.readAfterType(in);
            in.exit();
            return v;
        }

        /** Two or more values of one MixedORMap key, in type-tag order. */
        private Object mixedValues(In in) throws IOException {
            in.expect(JsonToken.START_ARRAY);
            List<Object> list = new ArrayList<>(2);
            String prev = null;
            int[] count = {0};
            while (in.nextElement(count)) {
                CausalCrdt<?> v = (CausalCrdt<?>) mixedValue(in);
                String tag = MixedORMap.typeTag(v);
                if (prev != null && prev.compareTo(tag) >= 0) {
                    throw in.malformed("the values of a key are not in type-tag order");
                }
                prev = tag;
                list.add(v);
            }
            if (list.size() < 2) {
                throw in.malformed("\"values\" holds two or more types; one is written as \"value\"");
            }
            return ACCESS.mixedEntry(list);
        }

        private Object nested(In in) throws IOException {
            in.enter();
            Object v = values instanceof Base b ? b.read(in) : in.value(values);
            in.exit();
            if (v == null || v.getClass() != prototype.getClass()) {
                throw in.malformed("nested value is not a " + prototype.getClass().getSimpleName());
            }
            return v;
        }
    }

    /**
     * The elements, keys and values inside a MixedORMap, whose Java types the JSON does not name:
     * strings as {@code String}, integers as {@code Long}, other numbers as {@code Double},
     * booleans as {@code Boolean}; anything else is malformed.
     */
    static final JsonDeserializer<Object> NATURAL = new StdDeserializer<>(Object.class) {
        private static final long serialVersionUID = 1L;

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            switch (p.currentToken()) {
                case VALUE_STRING:
                    return p.getText();
                case VALUE_NUMBER_INT:
                    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        throw new MalformedFrameException("integer outside the range of a long",
                                JacksonSupport.offsetOf(p.currentLocation()));
                    }
                    return p.getLongValue();
                case VALUE_NUMBER_FLOAT:
                    return p.getDoubleValue();
                case VALUE_TRUE:
                    return Boolean.TRUE;
                case VALUE_FALSE:
                    return Boolean.FALSE;
                default:
                    throw new MalformedFrameException("a MixedORMap's elements are strings, numbers or booleans, found "
                            + p.currentToken(), JacksonSupport.offsetOf(p.currentLocation()));
            }
        }
    };

    static Object dots(In in) throws IOException {
        in.expect(JsonToken.START_ARRAY);
        List<Object> list = new ArrayList<>(1);
        Set<Dot> seen = new HashSet<>();
        int[] count = {0};
        while (in.nextElement(count)) {
            Dot d = in.dot();
            if (!seen.add(d)) {
                throw in.malformed("repeated dot " + d);
            }
            list.add(d);
        }
        if (list.isEmpty()) {
            throw in.malformed("an element needs at least one dot");
        }
        return DotEntries.of(list);
    }

    /** An array of dot-function entries: {dot, [stamp], value} or {dot, up, down}; may be empty. */
    static Object taggedList(In in, String kind, JsonDeserializer<Object> values) throws IOException {
        in.expect(JsonToken.START_ARRAY);
        List<Object> list = new ArrayList<>(1);
        Set<Dot> dots = new HashSet<>();
        int[] count = {0};
        while (in.nextElement(count)) {
            in.expect(JsonToken.START_OBJECT);
            Dot dot = null;
            long stamp = kind.equals("AWLWWMap") ? -1 : 0;
            long up = -1;
            long down = -1;
            Object value = null;
            Set<String> seen = new HashSet<>();
            for (String f; (f = in.nextField(seen)) != null; ) {
                if (f.equals("dot")) {
                    dot = in.dot();
                } else if (f.equals("stamp") && kind.equals("AWLWWMap")) {
                    stamp = in.stamp();
                } else if (f.equals("value") && !kind.equals("CausalCounter")) {
                    value = in.value(values);
                } else if (f.equals("up") && kind.equals("CausalCounter")) {
                    up = in.counter(0);
                } else if (f.equals("down") && kind.equals("CausalCounter")) {
                    down = in.counter(0);
                } else {
                    throw in.malformed("unknown entry field " + f);
                }
            }
            if (kind.equals("CausalCounter")) {
                if (dot == null || up < 0 || down < 0) {
                    throw in.malformed("a counter entry needs dot, up and down");
                }
                value = ACCESS.counterTotalsValue(up, down);
            } else if (dot == null || stamp < 0 || value == null) {
                throw in.malformed("an entry needs its dot" + (kind.equals("AWLWWMap") ? ", stamp" : "")
                        + " and value");
            }
            if (!dots.add(dot)) {
                throw in.malformed("repeated dot " + dot);
            }
            list.add(new Tagged(dot, stamp, value));
        }
        if (list.isEmpty() && kind.equals("AWLWWMap")) {
            throw in.malformed("a key needs at least one value");
        }
        return DotEntries.of(list);
    }

    // ------------------------------------------------------------------------------ single stores

    static final class SingleDeserializer extends Base {
        private static final long serialVersionUID = 1L;
        private final String kind;
        private final JsonDeserializer<Object> values;

        SingleDeserializer(JavaType type, CodecLimits limits, String kind, JsonDeserializer<Object> values) {
            super(type, limits);
            this.kind = kind;
            this.values = values;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
                throws JsonMappingException {
            if (!kind.equals("MVRegister")) {
                return this;
            }
            return new SingleDeserializer(type, limits, kind, param(ctxt, property, 0));
        }

        @Override
        public Object getEmptyValue(DeserializationContext ctxt) {
            switch (kind) {
                case "EWFlag":
                    return EWFlag.empty();
                case "DWFlag":
                    return DWFlag.empty();
                case "MVRegister":
                    return MVRegister.empty();
                default:
                    return CausalCounter.empty();
            }
        }

        @Override
        Object read(In in) throws IOException {
            in.expect(JsonToken.START_OBJECT);
            return readFields(in, false);
        }

        @Override
        Object readAfterType(In in) throws IOException {
            return readFields(in, true);
        }

        private Object readFields(In in, boolean typed) throws IOException {
            boolean flag = kind.equals("EWFlag") || kind.equals("DWFlag");
            CausalContext context = CausalContext.empty();
            Object store = null;
            Set<String> seen = new HashSet<>();
            if (typed) {
                seen.add("type");
            }
            for (String f; (f = in.nextField(seen)) != null; ) {
                if (f.equals("type")) {
                    in.type(kind);
                    typed = true;
                } else if (f.equals("context")) {
                    context = in.context();
                } else if (flag && f.equals("dots")) {
                    in.expect(JsonToken.START_ARRAY);
                    List<Object> list = new ArrayList<>(1);
                    Set<Dot> dots = new HashSet<>();
                    int[] count = {0};
                    while (in.nextElement(count)) {
                        Dot d = in.dot();
                        if (!dots.add(d)) {
                            throw in.malformed("repeated dot " + d);
                        }
                        list.add(d);
                    }
                    store = DotEntries.of(list);
                } else if (!flag && f.equals("entries")) {
                    store = taggedList(in, kind, values);
                } else {
                    throw in.malformed("unknown field " + f);
                }
            }
            if (!typed) {
                throw in.malformed("missing type");
            }
            return ACCESS.makeSingle(kind, store, context);
        }
    }
}
