package io.converge.crdt.codec;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Converge's binary format for one CRDT type: encodes a state or delta into a self-contained
 * frame and decodes it back, safely, from untrusted bytes.
 *
 * <h2>Frame</h2>
 * <pre>
 *   version    u8 = 1
 *   codec id   varint length, UTF-8: the {@link CrdtCodec#id()} that wrote the body
 *   replicas   varint n, then n replica ids in their stable binary form ({@link ReplicaId#toBytes()}),
 *              strictly ascending in {@link ReplicaId} order; the body names them by index
 *   body       the {@link CrdtCodec}'s encoding
 *   checksum   u32, big-endian: CRC32C of every byte before it
 * </pre>
 * The frame names its type: decoding it with another codec is a {@link CodecMismatchException}
 * naming both, never a value of the wrong type (whose fields could look valid: a counter's
 * replica entries read as a set's context would remove that set's elements when joined). The
 * checksum makes a frame changed in a file, a cache or on a plaintext link a
 * {@link ChecksumMismatchException}, never a different valid value. The transport's length
 * prefix, or the caller, delimits the frame: it is the whole readable part of the buffer given to
 * {@link #decode(ByteBuf)}.
 *
 * <h2>Canonical bytes</h2>
 * Equal values give equal bytes: replica ids, keys (by their encoded bytes), dots and contexts
 * all have one order and one form, and the decoder accepts only that form. Keyed deltas also
 * carry their removal hints, which {@code equals} ignores; {@link #encodeCanonical} drops them,
 * so its bytes depend on the lattice state alone (use it for digests).
 *
 * <h2>Decoding untrusted bytes</h2>
 * The frame size is checked against {@link CodecLimits#maxFrameBytes()} before anything is read,
 * then the version, the checksum and the codec id, all before the body; every count is checked
 * against its limit and the remaining bytes
 * before anything is allocated for it; the value is built immutable, its
 * {@link ReplicatedData#checkInvariants()} run, and only then returned. Every failure is a
 * {@link DecodeException}: nothing else escapes, and nothing is half-applied.
 *
 * <h2>Encoding</h2>
 * The encoder refuses, with {@link EncodeException}, every value that a decoder with the same
 * limits would refuse (an unpaired surrogate, a string above {@code maxStringBytes}, a collection
 * above {@code maxElements}, more than {@code maxReplicaIdsPerMessage} replica ids, a counter
 * above {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}, a frame above
 * {@code maxFrameBytes}): what one codec writes, the same codec reads back anywhere. Nesting
 * depth is checked when decoding only.
 *
 * <h2>Buffers</h2>
 * {@link #decode(ByteBuf)} reads a buffer it does not own: it never retains or releases it and
 * consumes its readable bytes only on success. {@link #encode(ReplicatedData, ByteBuf)} appends to
 * the caller's buffer and leaves it as it was on failure; the caller releases what it allocates.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <S> the CRDT type
 */
public final class BinaryCodec<S extends ReplicatedData<S>> {
    /** The format version this codec writes and the only one it reads. */
    public static final int VERSION = 1;

    private final CrdtCodec<S> codec;
    private final CodecLimits limits;
    /** The codec id in UTF-8, as every frame starts with it. */
    private final byte[] idBytes;

    private BinaryCodec(CrdtCodec<S> codec, CodecLimits limits) {
        this.codec = codec;
        this.limits = limits;
        String name = Objects.requireNonNull(codec.id(), "codec.id()");
        if (CodecWriter.unpairedSurrogate(name) >= 0) {
            throw new IllegalArgumentException("codec id '" + name + "' holds an unpaired surrogate");
        }
        this.idBytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * A binary codec for the type {@code codec} encodes, with the default limits.
     *
     * @throws NullPointerException if {@code codec} is null
     * @throws IllegalArgumentException if its id is not a well-formed string
     */
    public static <S extends ReplicatedData<S>> BinaryCodec<S> of(CrdtCodec<S> codec) {
        return of(codec, CodecLimits.defaults());
    }

    /**
     * A binary codec for the type {@code codec} encodes, decoding within {@code limits}.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the codec's id is not a well-formed string
     */
    public static <S extends ReplicatedData<S>> BinaryCodec<S> of(CrdtCodec<S> codec, CodecLimits limits) {
        return new BinaryCodec<>(Objects.requireNonNull(codec, "codec"), Objects.requireNonNull(limits, "limits"));
    }

    /** The type's codec. */
    public CrdtCodec<S> codec() {
        return codec;
    }

    /** The limits enforced when decoding, and when encoding. */
    public CodecLimits limits() {
        return limits;
    }

    /**
     * Appends the frame of {@code value} (keyed deltas keep their removal hints) to {@code out};
     * on failure {@code out} is left as it was.
     *
     * @throws NullPointerException if an argument is null
     * @throws EncodeException if a decoder with this codec's {@link #limits()} would refuse the frame
     * @throws IllegalArgumentException if a user value codec cannot encode a value (see {@link ValueCodec#encode})
     */
    public void encode(S value, ByteBuf out) {
        encode(value, out, true);
    }

    /**
     * Appends the frame of {@code value} without removal hints: the bytes depend only on the
     * lattice state (what {@code equals} compares), for digests. The frame decodes to an equal,
     * non-keyed value (joining it visits every key).
     *
     * @throws NullPointerException if an argument is null
     * @throws EncodeException as {@link #encode(ReplicatedData, ByteBuf)}
     */
    public void encodeCanonical(S value, ByteBuf out) {
        encode(value, out, false);
    }

    /**
     * The frame of {@code value} in a new buffer from {@code alloc}, which the caller must release.
     *
     * @throws NullPointerException if an argument is null
     */
    public ByteBuf encode(S value, ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer();
        try {
            encode(value, buf);
            return buf;
        } catch (RuntimeException | Error e) {
            buf.release();
            throw e;
        }
    }

    /** The frame of {@code value} as a byte array. */
    public byte[] encodeToBytes(S value) {
        ByteBuf buf = Unpooled.buffer();
        try {
            encode(value, buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private void encode(S value, ByteBuf out, boolean keepHints) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(out, "out");
        TreeSet<ReplicaId> ids = new TreeSet<>();
        codec.visitReplicas(value, ids::add);
        if (idBytes.length > limits.maxCodecIdBytes()) {
            throw new EncodeException("maxStringBytes", idBytes.length, limits.maxCodecIdBytes(), "the codec id");
        }
        if (ids.size() > limits.maxReplicaIdsPerMessage()) {
            throw new EncodeException("maxReplicaIdsPerMessage", ids.size(), limits.maxReplicaIdsPerMessage(),
                    "a " + codec.id());
        }
        Map<ReplicaId, Integer> index = new HashMap<>(ids.size() * 2);
        int start = out.writerIndex();
        CodecWriter w = CodecWriter.forFrame(out, index, keepHints, limits, true);
        boolean done = false;
        try {
            out.writeByte(VERSION);
            w.writeVarInt(idBytes.length);
            out.writeBytes(idBytes);
            w.writeVarInt(ids.size());
            for (ReplicaId id : ids) {
                index.put(id, index.size());
                out.writeBytes(id.toBytes());
            }
            w.enter();
            codec.encode(value, w);
            w.exit();
            long size = (long) out.writerIndex() - start + FrameChecksum.BYTES;
            if (size > limits.maxFrameBytes()) {
                throw new EncodeException("maxFrameBytes", size, limits.maxFrameBytes(), "a " + codec.id());
            }
            FrameChecksum.append(out, start);
            done = true;
        } finally {
            w.release();
            if (!done) {
                out.writerIndex(start);
            }
        }
    }

    /**
     * Decodes the frame held by the readable bytes of {@code frame}. On success the bytes are
     * consumed; on failure the reader index is unchanged. The buffer is neither retained nor
     * released.
     *
     * @throws FrameTooLargeException if the frame exceeds {@link CodecLimits#maxFrameBytes()}
     * @throws UnsupportedVersionException if the version byte is not {@value #VERSION}
     * @throws ChecksumMismatchException if the frame's CRC32C does not match its bytes
     * @throws CodecMismatchException if the frame holds another type than this codec's
     * @throws LimitExceededException if a declared count, length or depth, or a counter, exceeds its limit
     * @throws MalformedFrameException if the bytes are not a valid, canonical encoding of a value
     *     that satisfies its invariants
     * @throws NullPointerException if {@code frame} is null
     */
    public S decode(ByteBuf frame) {
        Objects.requireNonNull(frame, "frame");
        int size = frame.readableBytes();
        if (size > limits.maxFrameBytes()) {
            throw new FrameTooLargeException(size, limits.maxFrameBytes());
        }
        FrameChecksum.checkHeader(frame, size, VERSION, 1 + 1);
        // The body ends where the checksum starts.
        ByteBuf body = frame.duplicate();
        body.writerIndex(body.readerIndex() + size - FrameChecksum.BYTES);
        CodecReader r = new CodecReader(body, limits);
        S value;
        try {
            value = decodeFrame(r);
        } catch (DecodeException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MalformedFrameException("cannot decode " + codec.id() + ": " + e, r.offset(), e);
        }
        frame.skipBytes(size);
        return value;
    }

    /**
     * Decodes a frame held in a byte array.
     *
     * @throws DecodeException as {@link #decode(ByteBuf)}
     */
    public S decode(byte[] frame) {
        Objects.requireNonNull(frame, "frame");
        return decode(Unpooled.wrappedBuffer(frame));
    }

    private S decodeFrame(CodecReader r) {
        r.readUnsignedByte(); // the version, checked
        r.expectCodecId(codec.id(), idBytes);
        r.readReplicaTable();
        r.enter();
        S value = codec.decode(r);
        r.exit();
        if (value == null) {
            throw r.malformed(codec.id() + " decoded null");
        }
        if (r.remaining() != 0) {
            throw r.malformed(r.remaining() + " trailing bytes");
        }
        try {
            value.checkInvariants();
        } catch (RuntimeException e) {
            throw new MalformedFrameException("decoded value breaks its invariants: " + e.getMessage(), r.offset(), e);
        }
        return value;
    }

    @Override
    public String toString() {
        return "BinaryCodec[" + codec.id() + "]";
    }
}
