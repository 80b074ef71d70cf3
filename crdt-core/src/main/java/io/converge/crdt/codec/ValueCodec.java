package io.converge.crdt.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.UUID;

/**
 * Encodes one user value (a set element, a map key or value, a register value) to bytes and
 * back, inside a frame written by {@link BinaryCodec}.
 *
 * <p><b>Contract.</b> An implementation must
 * <ul>
 *   <li>be <em>self-delimiting</em>: {@link #decode} reads exactly the bytes {@link #encode}
 *       wrote (prefix variable-length data with its length);
 *   <li>write at least one byte per value (a decoder checks declared counts against the
 *       remaining bytes at one byte per value);
 *   <li>be <em>deterministic and injective</em>: equal values give equal bytes and different
 *       values different bytes, because keys are ordered and compared by their encoding
 *       (canonical frames), and {@code decode(encode(v)).equals(v)};
 *   <li>treat input as hostile: use the checked readers of {@link CodecReader} (lengths are
 *       bounded by {@link CodecLimits#maxStringBytes()}), raise {@link DecodeException}s
 *       ({@link CodecReader#malformed}) and never return null;
 *   <li>not write replica ids: values are not scanned for them when the frame's id table is built.
 * </ul>
 * {@link #id()} names the encoding stably (it may be compared across versions and nodes).
 *
 * <p>The built-in codecs are immutable and thread-safe; implementations should be too.
 *
 * @param <T> the value type
 */
public interface ValueCodec<T> {
    /** A stable name of this encoding, such as {@code string} or {@code int64}. */
    String id();

    /**
     * Writes {@code value}.
     *
     * @throws EncodeException if the value holds what a decoder would refuse (a string with an
     *     unpaired surrogate or above {@link CodecLimits#maxStringBytes()}, for example: the
     *     writer's checked methods raise it)
     * @throws IllegalArgumentException if the value cannot be encoded for another reason
     */
    void encode(T value, CodecWriter out);

    /**
     * Reads one value.
     *
     * @throws DecodeException if the bytes are not a valid encoding
     */
    T decode(CodecReader in);

    /**
     * Strings as a varint byte length and UTF-8, decoded strictly (malformed UTF-8 is an error,
     * never replaced); at most {@link CodecLimits#maxStringBytes()} bytes. Encoding a string with
     * an unpaired surrogate, or a longer one, throws {@link EncodeException}. Id {@code string}.
     */
    static ValueCodec<String> string() {
        return BuiltinValueCodecs.STRING;
    }

    /** Longs as zigzag varints (1 byte for -64..63, at most 10). Id {@code int64}. */
    static ValueCodec<Long> int64() {
        return BuiltinValueCodecs.INT64;
    }

    /** Integers as zigzag varints (at most 5 bytes; larger values are malformed). Id {@code int32}. */
    static ValueCodec<Integer> int32() {
        return BuiltinValueCodecs.INT32;
    }

    /**
     * Byte arrays, length-prefixed, at most {@link CodecLimits#maxStringBytes()} bytes. Id
     * {@code bytes}. <b>Arrays compare by identity</b>: as a set element or register value they
     * make equal states look different; wrap them in a record with value equality instead.
     */
    static ValueCodec<byte[]> bytes() {
        return BuiltinValueCodecs.BYTES;
    }

    /** UUIDs as 16 bytes, most significant first. Id {@code uuid}. */
    static ValueCodec<UUID> uuid() {
        return BuiltinValueCodecs.UUID_CODEC;
    }

    /**
     * Records and POJOs as length-prefixed JSON written and read by a copy of {@code mapper},
     * with the default {@link CodecLimits}. See {@link #json(Class, ObjectMapper, CodecLimits)}.
     */
    static <T> ValueCodec<T> json(Class<T> type, ObjectMapper mapper) {
        return json(type, mapper, CodecLimits.defaults());
    }

    /**
     * Records and POJOs as length-prefixed JSON (at most {@link CodecLimits#maxStringBytes()}
     * bytes), written and read by a copy of {@code mapper} that is locked down: default typing
     * off, every polymorphic subtype denied (no class names are read from the wire), Jackson's
     * {@code StreamReadConstraints} set from {@code limits}, trailing tokens rejected, map entries
     * and properties sorted so equal values give equal bytes. Id {@code json:} + the class name.
     *
     * <p>The value's {@code equals} must match its JSON (no ignored fields, no sets or maps with
     * order-dependent output).
     *
     * @throws IllegalArgumentException if {@code type} is abstract, an interface or
     *     {@code Object} (which would need polymorphic deserialization)
     */
    static <T> ValueCodec<T> json(Class<T> type, ObjectMapper mapper, CodecLimits limits) {
        return new JsonValueCodec<>(type, mapper, limits);
    }
}
