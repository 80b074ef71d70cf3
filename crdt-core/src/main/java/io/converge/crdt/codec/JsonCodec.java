package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.converge.crdt.ReplicatedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * JSON for one CRDT type, in the format of {@link ConvergeJacksonModule}: a convenience over a
 * locked-down {@link ObjectMapper} that turns every failure into a {@link DecodeException}.
 *
 * <pre>{@code
 * JsonCodec<ORSet<String>> json = JsonCodec.of(new TypeReference<ORSet<String>>() { });
 * String text = json.encodeToString(set);
 * ORSet<String> back = json.decode(text);
 * }</pre>
 *
 * <p>Decoding checks the input's size against {@link CodecLimits#maxFrameBytes()} first, then
 * parses under Jackson's {@code StreamReadConstraints} set from the limits (nesting, string and
 * document length) and the module's own bounds; every string and field name must be well-formed
 * (no unpaired surrogate, which {@code "\uD800"} would otherwise decode to). A document of
 * another type is a {@link CodecMismatchException}. Encoding refuses, with
 * {@link EncodeException}, what decoding under the same limits would refuse. JSON carries no
 * checksum, by design: it is for people and HTTP, whose transports protect it. JSON output is
 * readable, not canonical: use {@link BinaryCodec} for digests.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <S> the CRDT type
 */
public final class JsonCodec<S extends ReplicatedData<S>> {
    private final JavaType type;
    private final CodecLimits limits;
    private final ObjectReader reader;
    private final ObjectWriter writer;

    private JsonCodec(JavaType type, ObjectMapper mapper, CodecLimits limits) {
        this.type = type;
        this.limits = limits;
        this.reader = mapper.readerFor(type);
        this.writer = mapper.writerFor(type);
    }

    /**
     * A new mapper with the {@link ConvergeJacksonModule} and the lock-down of
     * {@link ValueCodec#json}: {@code StreamReadConstraints} from {@code limits}, duplicate
     * fields rejected, no default typing, every polymorphic subtype denied, trailing tokens
     * rejected.
     *
     * @throws NullPointerException if {@code limits} is null
     */
    public static ObjectMapper newObjectMapper(CodecLimits limits) {
        Objects.requireNonNull(limits, "limits");
        return JacksonSupport.lockDown(JsonMapper.builder().addModule(new ConvergeJacksonModule(limits)).build(),
                limits);
    }

    /** A codec for {@code type} with the default limits. */
    public static <S extends ReplicatedData<S>> JsonCodec<S> of(TypeReference<S> type) {
        return of(type, CodecLimits.defaults());
    }

    /**
     * A codec for {@code type} (for example {@code new TypeReference<ORSet<String>>() { }}) whose
     * elements use Jackson's default serializers.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <S extends ReplicatedData<S>> JsonCodec<S> of(TypeReference<S> type, CodecLimits limits) {
        ObjectMapper m = newObjectMapper(limits);
        return new JsonCodec<>(m.getTypeFactory().constructType(Objects.requireNonNull(type, "type")), m, limits);
    }

    /**
     * A codec for {@code type} that reads and writes elements with a locked-down copy of
     * {@code mapper} (for its modules and settings) plus the {@link ConvergeJacksonModule}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <S extends ReplicatedData<S>> JsonCodec<S> of(TypeReference<S> type, ObjectMapper mapper,
            CodecLimits limits) {
        Objects.requireNonNull(limits, "limits");
        ObjectMapper m = mapper.copy();
        m.registerModule(new ConvergeJacksonModule(limits));
        JacksonSupport.lockDown(m, limits);
        return new JsonCodec<>(m.getTypeFactory().constructType(Objects.requireNonNull(type, "type")), m, limits);
    }

    /** A codec for a non-generic type such as {@code GCounter.class}, with the default limits. */
    public static <S extends ReplicatedData<S>> JsonCodec<S> of(Class<S> type) {
        ObjectMapper m = newObjectMapper(CodecLimits.defaults());
        return new JsonCodec<>(m.getTypeFactory().constructType(Objects.requireNonNull(type, "type")), m,
                CodecLimits.defaults());
    }

    /** The limits enforced when decoding. */
    public CodecLimits limits() {
        return limits;
    }

    /**
     * The UTF-8 JSON of {@code value}.
     *
     * @throws EncodeException if a decoder with the same limits would refuse the document: a
     *     string with an unpaired surrogate or above {@link CodecLimits#maxStringBytes()} UTF-8
     *     bytes, an array or object above {@link CodecLimits#maxElements()} entries, nesting
     *     deeper than {@link CodecLimits#maxDepth()}, a document above
     *     {@link CodecLimits#maxFrameBytes()}, a counter above
     *     {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}
     * @throws IllegalArgumentException if an element cannot be written as JSON
     */
    public byte[] encode(S value) {
        Objects.requireNonNull(value, "value");
        return JacksonSupport.write(writer, value, limits);
    }

    /** The JSON of {@code value} as a string. */
    public String encodeToString(S value) {
        return new String(encode(value), StandardCharsets.UTF_8);
    }

    /**
     * Decodes UTF-8 JSON.
     *
     * @throws FrameTooLargeException if longer than {@link CodecLimits#maxFrameBytes()}
     * @throws LimitExceededException if a limit is exceeded
     * @throws MalformedFrameException if the input is not valid JSON of a valid value
     */
    @SuppressWarnings("unchecked")
    public S decode(byte[] json) {
        Objects.requireNonNull(json, "json");
        if (json.length > limits.maxFrameBytes()) {
            throw new FrameTooLargeException(json.length, limits.maxFrameBytes());
        }
        Object v;
        try {
            v = JacksonSupport.read(reader, json, 0, json.length);
        } catch (IOException | RuntimeException e) {
            throw JacksonSupport.translate(e, 0, limits);
        }
        return check((S) v);
    }

    /**
     * Decodes JSON text.
     *
     * @throws DecodeException as {@link #decode(byte[])}
     */
    @SuppressWarnings("unchecked")
    public S decode(String json) {
        Objects.requireNonNull(json, "json");
        if (json.length() > limits.maxFrameBytes()) {
            throw new FrameTooLargeException(json.length(), limits.maxFrameBytes());
        }
        Object v;
        try {
            v = JacksonSupport.read(reader, json);
        } catch (IOException | RuntimeException e) {
            throw JacksonSupport.translate(e, 0, limits);
        }
        return check((S) v);
    }

    private S check(S v) {
        if (v == null) {
            throw new MalformedFrameException("JSON null where a value was expected", 0);
        }
        if (!type.getRawClass().isInstance(v)) {
            throw new MalformedFrameException("decoded a " + v.getClass().getSimpleName() + ", not a "
                    + type.getRawClass().getSimpleName(), 0);
        }
        return v;
    }

    @Override
    public String toString() {
        return "JsonCodec[" + type + "]";
    }
}
