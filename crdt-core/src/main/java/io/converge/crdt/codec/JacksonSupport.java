package io.converge.crdt.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.CharBuffer;

/** How Converge configures Jackson: locked-down mappers and translation of Jackson's errors. */
final class JacksonSupport {
    private JacksonSupport() {
    }

    /** Jackson's read constraints for {@code limits}. */
    static StreamReadConstraints constraints(CodecLimits limits) {
        return StreamReadConstraints.builder()
                .maxNestingDepth(limits.maxDepth())
                .maxStringLength(limits.maxStringBytes())
                .maxNameLength(limits.maxStringBytes())
                .maxDocumentLength(limits.maxFrameBytes())
                .build();
    }

    /**
     * Locks down {@code mapper} (a private copy) in place: constraints, strict duplicate
     * detection, no default typing, every polymorphic subtype denied, trailing tokens rejected,
     * deterministic property and map order.
     */
    @SuppressWarnings("deprecation")
    static ObjectMapper lockDown(ObjectMapper mapper, CodecLimits limits) {
        mapper.getFactory().setStreamReadConstraints(constraints(limits));
        mapper.getFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.deactivateDefaultTyping();
        mapper.setPolymorphicTypeValidator(BasicPolymorphicTypeValidator.builder().build());
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        mapper.configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true);
        return mapper;
    }

    /**
     * The typed error for whatever Jackson (or a deserializer) threw while reading input that
     * started at {@code baseOffset}: a {@link DecodeException} in the cause chain is returned as
     * it is; Jackson's constraint violations become {@link LimitExceededException}s, everything
     * else a {@link MalformedFrameException}.
     */
    static DecodeException translate(Throwable e, long baseOffset, CodecLimits limits) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DecodeException d) {
                return d;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        long offset = baseOffset;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException j && j.getLocation() != null) {
                offset = baseOffset + offsetOf(j.getLocation());
                break;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StreamConstraintsException c) {
                String m = String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT);
                if (m.contains("depth")) {
                    return new LimitExceededException("maxDepth", limits.maxDepth(), offset, c);
                }
                if (m.contains("document length")) {
                    return new LimitExceededException("maxFrameBytes", limits.maxFrameBytes(), offset, c);
                }
                return new LimitExceededException("maxStringBytes", limits.maxStringBytes(), offset, c);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return new MalformedFrameException("invalid JSON: " + e.getMessage(), offset, e);
    }

    static long offsetOf(JsonLocation loc) {
        if (loc == null) {
            return 0;
        }
        long b = loc.getByteOffset();
        return b >= 0 ? b : Math.max(0, loc.getCharOffset());
    }

    // ------------------------------------------------------------------------------ reading

    /**
     * Reads one value from UTF-8 JSON: every string and field name is checked to be well-formed
     * (Jackson decodes {@code "\uD800"} into a lone surrogate, which no UTF-8 encoder can write
     * back), and tokens after the value are refused.
     */
    static <T> T read(ObjectReader reader, byte[] json, int offset, int length) throws IOException {
        return read(reader, reader.createParser(json, offset, length));
    }

    /** {@link #read(ObjectReader, byte[], int, int)} for JSON text. */
    static <T> T read(ObjectReader reader, String json) throws IOException {
        return read(reader, reader.createParser(json));
    }

    private static <T> T read(ObjectReader reader, JsonParser raw) throws IOException {
        try (JsonParser p = new WellFormedStrings(raw)) {
            T v = reader.readValue(p);
            if (v != null && p.nextToken() != null) {
                throw new MalformedFrameException("trailing tokens after the value", offsetOf(p.currentLocation()));
            }
            return v;
        }
    }

    /** A parser that refuses a string value or field name holding an unpaired surrogate. */
    static final class WellFormedStrings extends JsonParserDelegate {
        WellFormedStrings(JsonParser p) {
            super(p);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            return check(delegate.nextToken());
        }

        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken t = delegate.nextValue();
            if (t != null && t != JsonToken.FIELD_NAME && delegate.currentName() != null) {
                check(JsonToken.FIELD_NAME, delegate.currentName());
            }
            return check(t);
        }

        private JsonToken check(JsonToken t) throws IOException {
            if (t == JsonToken.VALUE_STRING) {
                check(t, delegate.getText());
            } else if (t == JsonToken.FIELD_NAME) {
                check(t, delegate.currentName());
            }
            return t;
        }

        private void check(JsonToken t, String s) {
            int bad = CodecWriter.unpairedSurrogate(s);
            if (bad >= 0) {
                throw new MalformedFrameException((t == JsonToken.FIELD_NAME ? "a field name" : "a string")
                        + " holds an unpaired surrogate at index " + bad, offsetOf(delegate.currentLocation()));
            }
        }
    }

    // ------------------------------------------------------------------------------ writing

    /**
     * The UTF-8 JSON of {@code value}, refusing with {@link EncodeException} what a reader under
     * {@code limits} would refuse: a string or field name with an unpaired surrogate or above
     * {@link CodecLimits#maxStringBytes()} (counted in UTF-8 bytes), nesting deeper than
     * {@link CodecLimits#maxDepth()}, a document above {@link CodecLimits#maxFrameBytes()}; the
     * module's serializers check collections, replica ids and counters.
     *
     * @throws IllegalArgumentException if Jackson cannot write the value for another reason
     */
    static byte[] write(ObjectWriter writer, Object value, CodecLimits limits) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = new CheckedGenerator(writer.createGenerator(out), limits)) {
            writer.writeValue(g, value);
        } catch (IOException | RuntimeException e) {
            for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
                if (t instanceof EncodeException x) {
                    throw x;
                }
            }
            if (e instanceof RuntimeException r && !(e instanceof IllegalArgumentException)) {
                throw r;
            }
            String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + m,
                    e);
        }
        if (out.size() > limits.maxFrameBytes()) {
            throw new EncodeException("maxFrameBytes", out.size(), limits.maxFrameBytes(), "a JSON document");
        }
        return out.toByteArray();
    }

    /** A generator that refuses what a reader under the limits would refuse (see {@link #write}). */
    static final class CheckedGenerator extends JsonGeneratorDelegate {
        private final CodecLimits limits;

        CheckedGenerator(JsonGenerator g, CodecLimits limits) {
            super(g, false);
            this.limits = limits;
        }

        private void string(CharSequence s, String what) {
            CodecWriter.checkWellFormed(s);
            int n = ByteBufUtil.utf8Bytes(s);
            if (n > limits.maxStringBytes()) {
                throw new EncodeException("maxStringBytes", n, limits.maxStringBytes(), what);
            }
        }

        private void bytes(int n) {
            if (n > limits.maxStringBytes()) {
                throw new EncodeException("maxStringBytes", n, limits.maxStringBytes(), "a string");
            }
        }

        private void opened() {
            int depth = delegate.getOutputContext().getNestingDepth();
            if (depth > limits.maxDepth()) {
                throw new EncodeException("maxDepth", depth, limits.maxDepth(), "a JSON document");
            }
        }

        @Override
        public void writeString(String text) throws IOException {
            if (text != null) {
                string(text, "a string");
            }
            delegate.writeString(text);
        }

        @Override
        public void writeString(char[] text, int offset, int len) throws IOException {
            string(CharBuffer.wrap(text, offset, len), "a string");
            delegate.writeString(text, offset, len);
        }

        @Override
        public void writeString(SerializableString text) throws IOException {
            string(text.getValue(), "a string");
            delegate.writeString(text);
        }

        @Override
        public void writeUTF8String(byte[] text, int offset, int length) throws IOException {
            bytes(length);
            delegate.writeUTF8String(text, offset, length);
        }

        @Override
        public void writeRawUTF8String(byte[] text, int offset, int length) throws IOException {
            bytes(length);
            delegate.writeRawUTF8String(text, offset, length);
        }

        @Override
        public void writeFieldName(String name) throws IOException {
            string(name, "a field name");
            delegate.writeFieldName(name);
        }

        @Override
        public void writeFieldName(SerializableString name) throws IOException {
            string(name.getValue(), "a field name");
            delegate.writeFieldName(name);
        }

        @Override
        public void writeStartArray() throws IOException {
            delegate.writeStartArray();
            opened();
        }

        @Override
        @SuppressWarnings("deprecation")
        public void writeStartArray(int size) throws IOException {
            delegate.writeStartArray(size);
            opened();
        }

        @Override
        public void writeStartArray(Object forValue) throws IOException {
            delegate.writeStartArray(forValue);
            opened();
        }

        @Override
        public void writeStartArray(Object forValue, int size) throws IOException {
            delegate.writeStartArray(forValue, size);
            opened();
        }

        @Override
        public void writeStartObject() throws IOException {
            delegate.writeStartObject();
            opened();
        }

        @Override
        public void writeStartObject(Object forValue) throws IOException {
            delegate.writeStartObject(forValue);
            opened();
        }

        @Override
        public void writeStartObject(Object forValue, int size) throws IOException {
            delegate.writeStartObject(forValue, size);
            opened();
        }

    }
}
