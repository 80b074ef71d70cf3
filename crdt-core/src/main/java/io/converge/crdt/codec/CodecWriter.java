package io.converge.crdt.codec;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Where a {@link CrdtCodec} or {@link ValueCodec} writes one frame's body: a {@link ByteBuf}
 * plus the frame's replica-id table and the helpers of Converge's binary format (unsigned LEB128
 * varints, zigzag varints, length-prefixed strict UTF-8, replica ids as table indexes, dots and
 * causal contexts).
 *
 * <p><b>Replica ids.</b> A frame names each replica id once, in a table sorted by
 * {@link ReplicaId} order ahead of the body; {@link #writeReplica} writes the id's index. The
 * table is filled before the body is written from {@link CrdtCodec#visitReplicas}, so writing an
 * id that visit did not report fails with {@link IllegalStateException}.
 *
 * <p><b>Dots in a context.</b> {@link #writeContext} also makes that context the reference for
 * {@link #writeDotInContext}, which writes a dot as (replica index, rank of the counter among the
 * context's dots of that replica). In a delta the rank is a single byte however large the
 * counter, and a reader can only decode dots that lie in the context.
 *
 * <p><b>Limits.</b> A writer refuses, with {@link EncodeException}, what the matching
 * {@link CodecReader} would refuse under the same {@link CodecLimits}, so what one node writes
 * another reads: a string with an unpaired surrogate, a string or byte array above
 * {@link CodecLimits#maxStringBytes()}, a counter above
 * {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}, and, in self-contained frames
 * ({@link BinaryCodec}), a collection above {@link CodecLimits#maxElements()}
 * ({@link #writeCount}). Message frames leave collection sizes to the sync layer, which cuts
 * messages to {@code maxEntriesPerMessage} entries and sends a larger key in parts.
 *
 * <p>Created by {@link BinaryCodec} or {@link MessageCodec} for one encoding; not thread-safe,
 * never to be kept after the call that received it returns.
 */
public final class CodecWriter {
    private final ByteBuf out;
    private final Map<ReplicaId, Integer> index;
    private final Consumer<? super ReplicaId> collector;
    private final boolean keepHints;
    private final boolean ownsBuffer;
    /** What a reader would refuse; null to check well-formedness only (collecting replica ids). */
    private final CodecLimits limits;
    /** CRDT nesting entered so far: the mirror of {@link CodecReader}'s, so what a reader refuses is refused here. */
    private int depth;
    /** Whether collection sizes are checked against {@link CodecLimits#maxElements()}. */
    private final boolean countLimits;
    private CausalContext dotContext;
    private Map<ReplicaId, long[]> dotClouds;
    private CodecWriter scratch;

    private CodecWriter(ByteBuf out, Map<ReplicaId, Integer> index, Consumer<? super ReplicaId> collector,
            boolean keepHints, boolean ownsBuffer, CodecLimits limits, boolean countLimits) {
        this.out = out;
        this.index = index;
        this.collector = collector;
        this.keepHints = keepHints;
        this.ownsBuffer = ownsBuffer;
        this.limits = limits;
        this.countLimits = countLimits && limits != null;
    }

    /** A writer for a body whose replica table is {@code index}, within the default limits. */
    static CodecWriter forFrame(ByteBuf out, Map<ReplicaId, Integer> index, boolean keepHints) {
        return forFrame(out, index, keepHints, CodecLimits.defaults(), true);
    }

    /**
     * A writer for a body whose replica table is {@code index}, refusing what a reader under
     * {@code limits} would refuse; collection sizes only if {@code countLimits}.
     */
    static CodecWriter forFrame(ByteBuf out, Map<ReplicaId, Integer> index, boolean keepHints, CodecLimits limits,
            boolean countLimits) {
        return new CodecWriter(out, index, null, keepHints, false, limits, countLimits);
    }

    /**
     * Reports every replica id {@code codec} writes for {@code value} by encoding it into a
     * scratch buffer that is then dropped: the default of {@link CrdtCodec#visitReplicas}.
     */
    static <S extends ReplicatedData<S>> void collect(CrdtCodec<S> codec, S value,
            Consumer<? super ReplicaId> visitor) {
        CodecWriter w = new CodecWriter(Unpooled.buffer(64), null, visitor, true, true, null, false);
        try {
            codec.encode(value, w);
        } finally {
            w.release();
        }
    }

    /** Releases the scratch buffers this writer allocated (never the caller's buffer). */
    void release() {
        if (scratch != null) {
            scratch.release();
            scratch = null;
        }
        if (ownsBuffer && out.refCnt() > 0) {
            out.release();
        }
    }

    /** The buffer being written: the codec may write to it directly. */
    public ByteBuf buffer() {
        return out;
    }

    /**
     * Whether keyed values keep their removal hints (the keys a keyed delta names beyond its
     * store). False for {@link BinaryCodec#encodeCanonical}, whose bytes depend only on the
     * lattice state. Codecs of types without such hints ignore it.
     */
    public boolean keepsRemovalHints() {
        return keepHints;
    }

    /** Writes one byte (the low 8 bits of {@code b}). */
    public void writeByte(int b) {
        out.writeByte(b);
    }

    /** Writes {@code v} as an unsigned LEB128 varint: 1 byte below 128, at most 10. */
    public void writeVarLong(long v) {
        writeVarLong(out, v);
    }

    static void writeVarLong(ByteBuf out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    /**
     * Writes a non-negative int as an unsigned varint.
     *
     * @throws IllegalArgumentException if {@code v} is negative
     */
    public void writeVarInt(int v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative varint " + v);
        }
        writeVarLong(v);
    }

    /** Writes a signed long as a zigzag varint (small magnitudes, positive or negative, stay short). */
    public void writeSignedVarLong(long v) {
        writeVarLong((v << 1) ^ (v >> 63));
    }

    /**
     * Writes a count of elements that follow (the mirror of {@link CodecReader#readCount}).
     *
     * @throws EncodeException if above {@link CodecLimits#maxElements()} in a self-contained frame
     * @throws IllegalArgumentException if negative
     */
    public void writeCount(int n) {
        checkCount(n);
        writeVarInt(n);
    }

    /** Checks a collection size as {@link #writeCount} does, for a count written in another form. */
    void checkCount(long n) {
        if (countLimits && n > limits.maxElements()) {
            throw new EncodeException("maxElements", n, limits.maxElements(), "a collection");
        }
    }

    /**
     * Writes a per-replica counter or dot counter as a varint (the mirror of
     * {@link CodecReader#readCounter}).
     *
     * @throws EncodeException if above {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}
     * @throws IllegalArgumentException if negative
     */
    public void writeCounter(long v) {
        checkCounter(v);
        writeVarLong(v);
    }

    static void checkCounter(long v) {
        if (v > VersionVector.MAX_COUNTER) {
            throw new EncodeException("maxCounter", v, VersionVector.MAX_COUNTER, "a counter");
        }
        if (v < 0) {
            throw new IllegalArgumentException("negative counter " + v);
        }
    }

    /**
     * Enters one level of CRDT nesting, where {@link CodecReader#enter()} enters one on decoding;
     * pair with {@link #exit()}.
     *
     * @throws EncodeException if deeper than {@link CodecLimits#maxDepth()}
     */
    public void enter() {
        if (limits != null && depth + 1 > limits.maxDepth()) {
            throw new EncodeException("maxDepth", depth + 1, limits.maxDepth(), "a nested value");
        }
        depth++;
    }

    /** Leaves one level of nesting. */
    public void exit() {
        depth--;
    }

    private void checkLength(long n, String what) {
        if (limits != null && n > limits.maxStringBytes()) {
            throw new EncodeException("maxStringBytes", n, limits.maxStringBytes(), what);
        }
    }

    /**
     * Writes a length-prefixed byte array.
     *
     * @throws EncodeException if longer than {@link CodecLimits#maxStringBytes()}
     */
    public void writeBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        checkLength(bytes.length, "a byte array");
        writeVarInt(bytes.length);
        out.writeBytes(bytes);
    }

    /** Writes bytes as they are, without a length (for example a value encoded with {@link #encodeValue}). */
    public void writeRaw(byte[] bytes) {
        out.writeBytes(Objects.requireNonNull(bytes, "bytes"));
    }

    /**
     * Writes a string as a varint byte length and its UTF-8 bytes.
     *
     * @throws EncodeException if the string holds an unpaired surrogate, which UTF-8 cannot
     *     represent (a lenient encoder would silently write {@code '?'}), or its UTF-8 form is
     *     longer than {@link CodecLimits#maxStringBytes()}
     */
    public void writeString(String s) {
        Objects.requireNonNull(s, "s");
        checkWellFormed(s);
        int len = ByteBufUtil.utf8Bytes(s);
        checkLength(len, "a string");
        writeVarInt(len);
        ByteBufUtil.reserveAndWriteUtf8(out, s, len);
    }

    /** Writes a codec id as a string, bounded by {@link CodecLimits#maxCodecIdBytes()}. */
    void writeCodecId(String id) {
        checkWellFormed(id);
        int len = ByteBufUtil.utf8Bytes(id);
        if (limits != null && len > limits.maxCodecIdBytes()) {
            throw new EncodeException("maxStringBytes", len, limits.maxCodecIdBytes(), "the codec id");
        }
        writeVarInt(len);
        ByteBufUtil.reserveAndWriteUtf8(out, id, len);
    }

    /**
     * Checks that {@code s} holds no unpaired surrogate: that it has a UTF-8 form.
     *
     * @throws EncodeException if it does
     */
    static void checkWellFormed(CharSequence s) {
        int bad = unpairedSurrogate(s);
        if (bad >= 0) {
            throw new EncodeException("a string holds an unpaired surrogate at index " + bad);
        }
    }

    /** The index of the first unpaired surrogate of {@code s}, or -1 if it is well-formed. */
    static int unpairedSurrogate(CharSequence s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * Writes a replica id as its index in the frame's table.
     *
     * @throws IllegalStateException if the id is not in the table (the codec's
     *     {@link CrdtCodec#visitReplicas} did not report it)
     */
    public void writeReplica(ReplicaId id) {
        writeVarInt(replicaIndex(id));
    }

    int replicaIndex(ReplicaId id) {
        Objects.requireNonNull(id, "id");
        if (collector != null) {
            collector.accept(id);
            return 0;
        }
        Integer i = index.get(id);
        if (i == null) {
            throw new IllegalStateException("replica id " + id + " is not in the frame's table: "
                    + "the codec's visitReplicas must report every id it writes");
        }
        return i;
    }

    /** Writes a dot as (replica index, counter), independent of any context. */
    public void writeDot(Dot dot) {
        writeReplica(dot.replica());
        writeCounter(dot.counter());
    }

    /** Writes an HLC timestamp: {@code millis << 1 | (counter != 0)}, then the counter if not 0. */
    public void writeTimestamp(HlcTimestamp stamp) {
        writeStamp(stamp.packed());
    }

    void writeStamp(long packed) {
        if (packed < 0) {
            throw new IllegalArgumentException("negative HLC stamp " + packed);
        }
        long millis = packed >>> 16;
        int counter = (int) (packed & 0xFFFF);
        writeVarLong(millis << 1 | (counter != 0 ? 1 : 0));
        if (counter != 0) {
            writeVarLong(counter);
        }
    }

    /**
     * Writes a causal context and makes it the reference of {@link #writeDotInContext}. Layout:
     * the number of replica records, then per replica in table order a varint
     * {@code index << 2 | kind} and: kind 0, the vector counter; kind 1, one cloud dot without
     * vector entry (as {@code counter - 2}); kind 2, the vector counter and one cloud dot (as
     * {@code counter - vv - 2}); kind 3, the vector counter, the cloud size and the cloud as gaps.
     * A compacted context has exactly one such form, so equal contexts give equal bytes.
     */
    public void writeContext(CausalContext context) {
        Objects.requireNonNull(context, "context");
        TreeMap<ReplicaId, long[]> clouds = clouds(context);
        TreeMap<ReplicaId, Long> vv = new TreeMap<>(context.versionVector().toMap());
        List<ReplicaId> ids = new ArrayList<>(vv.keySet());
        for (ReplicaId id : clouds.keySet()) {
            if (!vv.containsKey(id)) {
                ids.add(id);
            }
        }
        ids.sort(null);
        writeCount(ids.size());
        for (ReplicaId id : ids) {
            long idx = replicaIndex(id);
            long v = vv.getOrDefault(id, 0L);
            long[] cl = clouds.get(id);
            checkCounter(v);
            if (cl != null) {
                checkCounter(cl[cl.length - 1]);
                checkCount(cl.length);
            }
            if (cl == null) {
                writeVarLong(idx << 2);
                writeVarLong(v);
            } else if (cl.length == 1 && v == 0) {
                writeVarLong(idx << 2 | 1);
                writeVarLong(cl[0] - 2);
            } else if (cl.length == 1) {
                writeVarLong(idx << 2 | 2);
                writeVarLong(v);
                writeVarLong(cl[0] - v - 2);
            } else {
                writeVarLong(idx << 2 | 3);
                writeVarLong(v);
                writeVarInt(cl.length);
                writeVarLong(cl[0] - v - 2);
                for (int i = 1; i < cl.length; i++) {
                    writeVarLong(cl[i] - cl[i - 1] - 1);
                }
            }
        }
        dotContext = context;
        dotClouds = clouds;
        if (scratch != null) {
            scratch.dotContext = context;
            scratch.dotClouds = clouds;
        }
    }

    private static TreeMap<ReplicaId, long[]> clouds(CausalContext context) {
        TreeMap<ReplicaId, long[]> clouds = new TreeMap<>();
        if (context.isCompact()) {
            return clouds;
        }
        TreeMap<ReplicaId, List<Long>> lists = new TreeMap<>();
        context.forEachCloudDot(d -> lists.computeIfAbsent(d.replica(), r -> new ArrayList<>()).add(d.counter()));
        lists.forEach((id, l) -> {
            long[] a = new long[l.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = l.get(i);
            }
            Arrays.sort(a);
            clouds.put(id, a);
        });
        return clouds;
    }

    /**
     * Writes a dot of the context last written with {@link #writeContext}, as (replica index,
     * rank), where the rank is the counter's position among that replica's dots in the context.
     *
     * @throws IllegalStateException if no context was written, or the dot is not in it
     */
    public void writeDotInContext(Dot dot) {
        writeVarInt(replicaIndex(dot.replica()));
        writeVarLong(rank(dot.replica(), dot.counter()));
    }

    long rank(ReplicaId replica, long counter) {
        if (collector != null) {
            return 1;
        }
        if (dotContext == null) {
            throw new IllegalStateException("a dot in context was written before any context");
        }
        long v = dotContext.versionVector().get(replica);
        if (counter <= v) {
            return counter;
        }
        long[] cl = dotClouds.get(replica);
        int i = cl == null ? -1 : Arrays.binarySearch(cl, counter);
        if (i < 0) {
            throw new IllegalStateException("dot (" + replica + "," + counter
                    + ") is not in the context: the value breaks its invariants");
        }
        return v + 1 + i;
    }

    /**
     * Writes {@code value} with {@code codec}.
     *
     * @throws IllegalStateException if the codec wrote nothing (every value takes at least a byte)
     */
    public <T> void writeValue(ValueCodec<T> codec, T value) {
        Objects.requireNonNull(value, "value");
        int start = out.writerIndex();
        codec.encode(value, this);
        if (out.writerIndex() <= start) {
            throw new IllegalStateException("value codec " + codec.id() + " wrote no byte for " + value);
        }
    }

    /**
     * The bytes {@code codec} writes for {@code value}, without writing them here: for codecs that
     * must order values by their encoding (canonical form), then {@link #writeRaw} them.
     */
    public <T> byte[] encodeValue(ValueCodec<T> codec, T value) {
        if (scratch == null) {
            scratch = new CodecWriter(Unpooled.buffer(64), index, collector, keepHints, true, limits, countLimits);
            scratch.dotContext = dotContext;
            scratch.dotClouds = dotClouds;
        }
        ByteBuf b = scratch.out;
        b.clear();
        scratch.writeValue(codec, value);
        return ByteBufUtil.getBytes(b);
    }
}
