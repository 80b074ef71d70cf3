package io.converge.crdt.codec;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.netty.buffer.ByteBuf;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a {@link CrdtCodec} or {@link ValueCodec} reads one frame's body: a view of the input
 * {@link ByteBuf} plus the frame's replica-id table, the {@link CodecLimits} and checked readers
 * for Converge's binary format (the mirror of {@link CodecWriter}).
 *
 * <p><b>Guarantees.</b> Every method checks before it allocates: a count must be within its
 * limit <em>and</em> fit the remaining bytes at its minimum encoded size ({@link #readCount}); a
 * varint longer than 10 bytes, overlong (a redundant trailing zero group) or out of range, a
 * negative length, a truncated read, malformed UTF-8 (encoded surrogates included: a string read
 * here is always well-formed) and an unknown replica index all raise
 * {@link MalformedFrameException}; limits raise {@link LimitExceededException}, and so does a
 * counter or dot counter above {@link VersionVector#MAX_COUNTER} (limit {@code maxCounter}).
 * Reading through {@link #buffer()} directly is allowed; an index error there is turned into a
 * {@link MalformedFrameException} by {@link BinaryCodec}.
 *
 * <p>The reader never retains, releases or writes the caller's buffer. Created by
 * {@link BinaryCodec} for one decoding; not thread-safe, never to be kept after the call that
 * received it returns.
 */
public final class CodecReader {
    private final ByteBuf in;
    private final int start;
    private final CodecLimits limits;
    private ReplicaId[] table = new ReplicaId[0];
    private int depth;
    private boolean hasContext;
    // The reference context of readDotInContext, by record: sorted table indexes, vector, cloud.
    private int[] dotIds;
    private long[] dotVector;
    private long[][] dotClouds;

    CodecReader(ByteBuf in, CodecLimits limits) {
        this.in = in;
        this.start = in.readerIndex();
        this.limits = limits;
    }

    /** The input, positioned at the next byte to read. Do not retain or release it. */
    public ByteBuf buffer() {
        return in;
    }

    /** The limits in force. */
    public CodecLimits limits() {
        return limits;
    }

    /** The position of the next byte, counted from the start of the frame. */
    public int offset() {
        return in.readerIndex() - start;
    }

    /** Number of bytes left in the frame. */
    public int remaining() {
        return in.readableBytes();
    }

    /** A {@link MalformedFrameException} at the current offset, for the caller to throw. */
    public MalformedFrameException malformed(String reason) {
        return new MalformedFrameException(reason, offset());
    }

    /**
     * Checks that {@code n} more bytes are there.
     *
     * @throws MalformedFrameException if fewer remain
     */
    public void require(int n) {
        if (n < 0 || in.readableBytes() < n) {
            throw malformed("truncated: " + n + " bytes needed, " + in.readableBytes() + " left");
        }
    }

    /** Reads one unsigned byte. */
    public int readUnsignedByte() {
        require(1);
        return in.readUnsignedByte();
    }

    /**
     * Reads an unsigned LEB128 varint (the full 64 bits: a result may be negative as a signed long).
     *
     * @throws MalformedFrameException if truncated, longer than 10 bytes, overflowing 64 bits or
     *     overlong (ends with a zero group)
     */
    public long readVarLong() {
        long result = 0;
        for (int i = 0; i < 10; i++) {
            if (!in.isReadable()) {
                throw malformed("truncated varint");
            }
            int b = in.readUnsignedByte();
            if (i == 9 && b > 1) {
                throw malformed("varint overflows 64 bits");
            }
            result |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw malformed("overlong varint");
                }
                return result;
            }
        }
        throw malformed("varint longer than 10 bytes");
    }

    /**
     * Reads an unsigned varint that must lie in {@code 0..Long.MAX_VALUE}.
     *
     * @throws MalformedFrameException if it does not
     */
    public long readNonNegativeLong() {
        long v = readVarLong();
        if (v < 0) {
            throw malformed("value out of range: " + Long.toUnsignedString(v));
        }
        return v;
    }

    /**
     * Reads an unsigned varint that must fit a non-negative int.
     *
     * @throws MalformedFrameException if it does not
     */
    public int readVarInt() {
        long v = readVarLong();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw malformed("value out of int range: " + Long.toUnsignedString(v));
        }
        return (int) v;
    }

    /**
     * Reads a per-replica counter or dot counter written by {@link CodecWriter#writeCounter}:
     * {@code 0..}{@link VersionVector#MAX_COUNTER}.
     *
     * @throws LimitExceededException if above the bound (limit {@code maxCounter}): such a value
     *     would make the key's next update overflow
     * @throws MalformedFrameException if the varint is malformed
     */
    public long readCounter() {
        int off = offset();
        return checkCounter(readVarLong(), off);
    }

    static long checkCounter(long v, int off) {
        if (v < 0 || v > VersionVector.MAX_COUNTER) {
            throw new LimitExceededException("maxCounter", v, VersionVector.MAX_COUNTER, off);
        }
        return v;
    }

    /** Reads a zigzag varint written by {@link CodecWriter#writeSignedVarLong}. */
    public long readSignedVarLong() {
        long v = readVarLong();
        return (v >>> 1) ^ -(v & 1);
    }

    /**
     * Reads a count of elements and checks it before anything is allocated for them: at most
     * {@link CodecLimits#maxElements()}, and no more than the remaining bytes allow at
     * {@code minBytesEach} bytes per element.
     *
     * @param what what is counted, for the error message
     * @param minBytesEach the fewest bytes one element can take (0 disables the size check)
     * @throws LimitExceededException if above the limit
     * @throws MalformedFrameException if the remaining bytes cannot hold that many
     */
    public int readCount(String what, int minBytesEach) {
        int off = offset();
        long n = readVarLong();
        return checkCount(what, n, minBytesEach, off);
    }

    int checkCount(String what, long n, int minBytesEach, int off) {
        if (n < 0 || n > limits.maxElements()) {
            throw new LimitExceededException("maxElements", n, limits.maxElements(), off);
        }
        if (n * minBytesEach > in.readableBytes()) {
            throw new MalformedFrameException("declared " + n + " " + what + " but only " + in.readableBytes()
                    + " bytes remain", off);
        }
        return (int) n;
    }

    private int readLength() {
        return readLength(limits.maxStringBytes());
    }

    private int readLength(int max) {
        int off = offset();
        long n = readVarLong();
        if (n < 0) {
            throw new MalformedFrameException("negative length", off);
        }
        if (n > max) {
            throw new LimitExceededException("maxStringBytes", n, max, off);
        }
        if (n > in.readableBytes()) {
            throw new MalformedFrameException("length " + n + " exceeds the " + in.readableBytes()
                    + " remaining bytes", off);
        }
        return (int) n;
    }

    /** Reads a length-prefixed byte array of at most {@link CodecLimits#maxStringBytes()} bytes. */
    public byte[] readBytes() {
        int n = readLength();
        byte[] b = new byte[n];
        in.readBytes(b);
        return b;
    }

    /**
     * Reads a length-prefixed UTF-8 string of at most {@link CodecLimits#maxStringBytes()} bytes,
     * strictly: malformed or overlong UTF-8 and encoded surrogates are errors, never replaced.
     */
    public String readString() {
        return readString(readLength());
    }

    /** Reads a codec id: a string of at most {@link CodecLimits#maxCodecIdBytes()} bytes. */
    String readCodecId() {
        return readString(readLength(limits.maxCodecIdBytes()));
    }

    /**
     * Reads a codec id that must be {@code expected} (whose UTF-8 form is {@code expectedBytes}),
     * allocating nothing when it is.
     *
     * @throws CodecMismatchException if it is another id
     */
    void expectCodecId(String expected, byte[] expectedBytes) {
        int at = offset();
        int n = readLength(limits.maxCodecIdBytes());
        if (n == expectedBytes.length) {
            int p = in.readerIndex();
            int i = 0;
            while (i < n && in.getByte(p + i) == expectedBytes[i]) {
                i++;
            }
            if (i == n) {
                in.skipBytes(n);
                return;
            }
        }
        throw new CodecMismatchException(expected, readString(n), at);
    }

    private String readString(int n) {
        int at = in.readerIndex();
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            if (in.getByte(at + i) < 0) {
                ascii = false;
                break;
            }
        }
        String s;
        if (ascii) {
            s = in.toString(at, n, StandardCharsets.US_ASCII);
        } else {
            try {
                s = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(in.nioBuffer(at, n)).toString();
            } catch (CharacterCodingException e) {
                throw new MalformedFrameException("malformed UTF-8: " + e, offset(), e);
            }
        }
        in.skipBytes(n);
        return s;
    }

    /** Reads the replica table: count, then ids in their stable binary form, strictly ascending. */
    void readReplicaTable() {
        int off = offset();
        long n = readVarLong();
        if (n < 0 || n > limits.maxReplicaIdsPerMessage()) {
            throw new LimitExceededException("maxReplicaIdsPerMessage", n, limits.maxReplicaIdsPerMessage(), off);
        }
        if (n * 2 > in.readableBytes()) {
            throw new MalformedFrameException("declared " + n + " replica ids but only " + in.readableBytes()
                    + " bytes remain", off);
        }
        ReplicaId[] t = new ReplicaId[(int) n];
        for (int i = 0; i < t.length; i++) {
            int at = offset();
            int len = readUnsignedByte();
            if (len < 1 || len > ReplicaId.MAX_LENGTH) {
                throw new MalformedFrameException("replica id length " + len, at);
            }
            require(len);
            byte[] b = new byte[len + 1];
            b[0] = (byte) len;
            in.readBytes(b, 1, len);
            try {
                t[i] = ReplicaId.fromBytes(b);
            } catch (IllegalArgumentException e) {
                throw new MalformedFrameException("bad replica id: " + e.getMessage(), at, e);
            }
            if (i > 0 && t[i - 1].compareTo(t[i]) >= 0) {
                throw new MalformedFrameException("replica table not strictly sorted", at);
            }
        }
        table = t;
    }

    /** The number of ids in the frame's replica table. */
    public int replicaCount() {
        return table.length;
    }

    /** Reads a replica id written by {@link CodecWriter#writeReplica}. */
    public ReplicaId readReplica() {
        return table[readReplicaIndex()];
    }

    int readReplicaIndex() {
        int off = offset();
        long i = readVarLong();
        return checkIndex(i, off);
    }

    int checkIndex(long i, int off) {
        if (i < 0 || i >= table.length) {
            throw new MalformedFrameException("replica index " + Long.toUnsignedString(i) + " outside the table of "
                    + table.length, off);
        }
        return (int) i;
    }

    ReplicaId replica(int index) {
        return table[index];
    }

    /** Reads a dot written by {@link CodecWriter#writeDot}. */
    public Dot readDot() {
        ReplicaId r = readReplica();
        long c = readCounter();
        if (c < 1) {
            throw malformed("dot counter out of range: " + Long.toUnsignedString(c));
        }
        return new Dot(r, c);
    }

    /** Reads an HLC timestamp written by {@link CodecWriter#writeTimestamp}. */
    public HlcTimestamp readTimestamp() {
        return new HlcTimestamp(readStamp());
    }

    long readStamp() {
        int off = offset();
        long v = readVarLong();
        long millis = v >>> 1;
        if (millis > HlcTimestamp.MAX_MILLIS) {
            throw new MalformedFrameException("HLC millis out of range", off);
        }
        long counter = 0;
        if ((v & 1) != 0) {
            counter = readVarLong();
            if (counter < 1 || counter > HlcTimestamp.MAX_COUNTER) {
                throw new MalformedFrameException("HLC counter out of range", off);
            }
        }
        return millis << 16 | counter;
    }

    /**
     * Reads a causal context written by {@link CodecWriter#writeContext} and makes it the
     * reference of {@link #readDotInContext}. Only the canonical form is accepted.
     */
    public CausalContext readContext() {
        int records = readCount("context records", 2);
        // Sized by the record count, which the remaining bytes bound, never by the table.
        int[] ids = new int[records];
        long[] vv = new long[records];
        long[][] clouds = new long[records][];
        CausalContext.Builder b = CausalContext.builder();
        int prev = -1;
        for (int r = 0; r < records; r++) {
            int off = offset();
            long h = readVarLong();
            int idx = checkIndex(h >>> 2, off);
            if (idx <= prev) {
                throw new MalformedFrameException("context records out of order", off);
            }
            prev = idx;
            int kind = (int) (h & 3);
            long v;
            long[] cloud = null;
            switch (kind) {
                case 0:
                    v = readCounter();
                    if (v == 0) {
                        throw new MalformedFrameException("empty context record", off);
                    }
                    break;
                case 1:
                    v = 0;
                    cloud = new long[] {plus(2, readNonNegativeLong(), off)};
                    break;
                case 2:
                    v = readCounter();
                    if (v == 0) {
                        throw new MalformedFrameException("non-canonical context record", off);
                    }
                    cloud = new long[] {plus(plus(v, 2, off), readNonNegativeLong(), off)};
                    break;
                default:
                    v = readCounter();
                    int n = readCount("cloud dots", 1);
                    if (n < 2) {
                        throw new MalformedFrameException("non-canonical context record", off);
                    }
                    cloud = new long[n];
                    cloud[0] = plus(plus(v, 2, off), readNonNegativeLong(), off);
                    for (int i = 1; i < n; i++) {
                        cloud[i] = plus(plus(cloud[i - 1], 1, off), readNonNegativeLong(), off);
                    }
                    break;
            }
            ReplicaId id = table[idx];
            ids[r] = idx;
            vv[r] = v;
            clouds[r] = cloud;
            b.addUpTo(id, v);
            if (cloud != null) {
                for (long c : cloud) {
                    b.add(id, c);
                }
            }
        }
        hasContext = true;
        dotIds = ids;
        dotVector = vv;
        dotClouds = clouds;
        return b.build();
    }

    /** {@code a + b} for non-negative operands, a dot counter: at most {@link VersionVector#MAX_COUNTER}. */
    private static long plus(long a, long b, int off) {
        // Both below 2^63: the sum, read as unsigned, is exact.
        return checkCounter(a + b, off);
    }

    /** Reads a dot written by {@link CodecWriter#writeDotInContext}: it is always in that context. */
    public Dot readDotInContext() {
        int idx = readReplicaIndex();
        return new Dot(table[idx], counterAt(idx, readVarLong()));
    }

    /** The counter of the {@code rank}-th dot of replica {@code idx} in the reference context. */
    long counterAt(int idx, long rank) {
        if (!hasContext) {
            throw malformed("dot before any context");
        }
        if (rank < 1) {
            throw malformed("dot rank out of range: " + Long.toUnsignedString(rank));
        }
        int k = java.util.Arrays.binarySearch(dotIds, idx);
        if (k < 0) {
            throw malformed("dot of a replica outside the context");
        }
        long v = dotVector[k];
        if (rank <= v) {
            return rank;
        }
        long[] cl = dotClouds[k];
        long j = rank - v - 1;
        if (cl == null || j >= cl.length) {
            throw malformed("dot outside the context");
        }
        return cl[(int) j];
    }

    /**
     * Reads a value with {@code codec}.
     *
     * @throws MalformedFrameException if the codec returns null or consumes no byte
     */
    public <T> T readValue(ValueCodec<T> codec) {
        Objects.requireNonNull(codec, "codec");
        int at = in.readerIndex();
        T v = codec.decode(this);
        if (v == null) {
            throw new MalformedFrameException(codec.id() + " decoded null", at - start);
        }
        if (in.readerIndex() <= at) {
            throw new MalformedFrameException(codec.id() + " consumed no byte", at - start);
        }
        return v;
    }

    /**
     * Enters one level of CRDT nesting; pair with {@link #exit()}.
     *
     * @throws LimitExceededException if deeper than {@link CodecLimits#maxDepth()}
     */
    public void enter() {
        if (++depth > limits.maxDepth()) {
            throw new LimitExceededException("maxDepth", depth, limits.maxDepth(), offset());
        }
    }

    /** Leaves one level of nesting. */
    public void exit() {
        depth--;
    }

    /** Compares the bytes {@code [s1, e1)} and {@code [s2, e2)} of the input, unsigned, shorter first. */
    int compareRanges(int s1, int e1, int s2, int e2) {
        int n = Math.min(e1 - s1, e2 - s2);
        for (int i = 0; i < n; i++) {
            int c = (in.getByte(s1 + i) & 0xFF) - (in.getByte(s2 + i) & 0xFF);
            if (c != 0) {
                return c;
            }
        }
        return (e1 - s1) - (e2 - s2);
    }

    /** The absolute reader index (for ordering checks). */
    int position() {
        return in.readerIndex();
    }

    /** Absolute position to frame offset. */
    int offsetOf(int position) {
        return position - start;
    }
}
