package io.converge.crdt.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.util.Objects;

/** {@link ValueCodec#json}: length-prefixed JSON through a locked-down copy of a mapper. */
final class JsonValueCodec<T> implements ValueCodec<T> {
    private final Class<T> type;
    private final CodecLimits limits;
    private final ObjectReader reader;
    private final ObjectWriter writer;

    JsonValueCodec(Class<T> type, ObjectMapper mapper, CodecLimits limits) {
        this.type = Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mapper, "mapper");
        this.limits = Objects.requireNonNull(limits, "limits");
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers()) || type == Object.class
                || type.isPrimitive()) {
            throw new IllegalArgumentException("ValueCodec.json needs a concrete class (no polymorphic "
                    + "deserialization), got " + type.getName());
        }
        ObjectMapper m = JacksonSupport.lockDown(mapper.copy(), limits);
        this.reader = m.readerFor(type);
        this.writer = m.writerFor(type);
    }

    @Override
    public String id() {
        return "json:" + type.getName();
    }

    @Override
    public void encode(T value, CodecWriter out) {
        out.writeBytes(JacksonSupport.write(writer, value, limits));
    }

    @Override
    public T decode(CodecReader in) {
        byte[] json = in.readBytes();
        long base = in.offset() - json.length;
        T v;
        try {
            v = JacksonSupport.read(reader, json, 0, json.length);
        } catch (IOException | RuntimeException e) {
            throw JacksonSupport.translate(e, base, limits);
        }
        if (v == null) {
            throw new MalformedFrameException("JSON null where a " + type.getSimpleName() + " was expected", base);
        }
        return v;
    }

    @Override
    public String toString() {
        return "ValueCodec.json(" + type.getName() + ")";
    }
}
