package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Representation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BinaryCodecTest {
    private static final ReplicaId NODE = ReplicaId.of("node-1");
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final BinaryCodec<ORSet<String>> SETS = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.string()));

    static <T> int encodedSize(ValueCodec<T> codec, T value) {
        ByteBuf b = Unpooled.buffer();
        try {
            CodecWriter.forFrame(b, Map.of(), true).writeValue(codec, value);
            return b.readableBytes();
        } finally {
            b.release();
        }
    }

    @SuppressWarnings("unchecked")
    static <S> S withContextOnly(String kind, ReplicaId id, long seen) {
        CausalContext ctx = seen == 0 ? CausalContext.empty() : CausalContext.of(VersionVector.of(Map.of(id, seen)));
        return (S) Representation.access().makeMap(kind, HashTrie.empty(), ctx, null);
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    /** A sealed frame of {@code SETS}'s type: version, codec id, then {@code tableAndBody}, then the CRC32C. */
    static byte[] set(int... tableAndBody) {
        return Frames.binary(SETS.codec().id(), (Object) bytes(tableAndBody));
    }

    /** A sealed GCounter frame. */
    static byte[] gc(int... tableAndBody) {
        return Frames.binary("GCounter", (Object) bytes(tableAndBody));
    }

    /** The bytes a frame of {@code codec} spends on naming its type and on its checksum. */
    static int typeAndChecksum(BinaryCodec<?> codec) {
        return Frames.header(codec.codec().id()) - 1 + 4;
    }

    /** Bytes allocated by this thread so far (HotSpot's com.sun.management API, through reflection). */
    static long allocatedBytes() {
        try {
            Class<?> c = Class.forName("com.sun.management.ThreadMXBean");
            return (Long) c.getMethod("getThreadAllocatedBytes", long.class)
                    .invoke(ManagementFactory.getThreadMXBean(), Thread.currentThread().getId());
        } catch (ReflectiveOperationException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------------------ size

    /**
     * The body and replica table of a one-add delta cost at most its payload plus 24 bytes; the
     * frame adds its type (the codec id, 1 + 13 bytes for {@code ORSet<string>}) and its CRC32C
     * (4 bytes). In a message frame the type is named once per frame, shared by its values.
     */
    @Test
    void oneElementAddDeltaCostsAtMostItsPayloadPlus24BytesBesidesItsTypeAndChecksum() {
        String element = "milk";
        int payload = encodedSize(ValueCodec.string(), element);
        for (long seen : new long[] {0, 1, 126, 16_000, 2_000_000}) {
            ORSet<String> state = withContextOnly("ORSet", NODE, seen);
            ORSet<String> delta = state.add(NODE, element);
            int frame = SETS.encodeToBytes(delta).length;
            int fixed = typeAndChecksum(SETS);
            System.out.printf("ORSet add delta, node-1 counter %d: frame %d B = element %d B (%d B UTF-8) + %d B"
                    + " overhead + %d B type and checksum%n", seen + 1, frame, payload, element.length(),
                    frame - payload - fixed, fixed);
            assertTrue(frame - payload - fixed <= 24, "overhead " + (frame - payload - fixed));
        }
        ORSet<String> s = ORSet.<String>empty().join(ORSet.<String>empty().add(NODE, element));
        ORSet<String> readd = s.add(NODE, element);
        System.out.printf("ORSet re-add delta (covers the old dot): overhead %d B%n",
                SETS.encodeToBytes(readd).length - payload);
    }

    @Test
    void oneAwLwwMapPutDeltaCostsAtMostItsPayloadPlus24BytesBesidesItsTypeAndChecksum() {
        BinaryCodec<AWLWWMap<String, String>> codec = BinaryCodec.of(
                CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.string()));
        String key = "user:42";
        String value = "online";
        int payload = encodedSize(ValueCodec.string(), key) + encodedSize(ValueCodec.string(), value);
        for (long seen : new long[] {0, 1, 126, 16_000, 2_000_000}) {
            for (int earlierWritesThisMillisecond : new int[] {0, 1}) {
                // A fixed physical clock: the HLC counter is 0 for the first stamp of a millisecond.
                HybridLogicalClock clock = HybridLogicalClock.of(() -> 1_764_000_000_000L, 500, HlcTimestamp.ZERO);
                for (int i = 0; i < earlierWritesThisMillisecond; i++) {
                    clock.now();
                }
                AWLWWMap<String, String> state = withContextOnly("AWLWWMap", NODE, seen);
                AWLWWMap<String, String> delta = state.put(NODE, clock, key, value);
                int frame = codec.encodeToBytes(delta).length;
                int fixed = typeAndChecksum(codec);
                System.out.printf("AWLWWMap put delta, node-1 counter %d, HLC counter %d: frame %d B = key+value %d B"
                        + " + %d B overhead (HLC stamp included) + %d B type and checksum%n", seen + 1,
                        earlierWritesThisMillisecond, frame, payload, frame - payload - fixed, fixed);
                assertTrue(frame - payload - fixed <= 24, "overhead " + (frame - payload - fixed));
            }
        }
        HybridLogicalClock clock = HybridLogicalClock.of(() -> 1_764_000_000_000L, 500, HlcTimestamp.ZERO);
        AWLWWMap<String, String> m = AWLWWMap.<String, String>empty().join(
                AWLWWMap.<String, String>empty().put(NODE, clock, key, value));
        System.out.printf("AWLWWMap overwrite delta (covers the old dot): overhead %d B%n",
                codec.encodeToBytes(m.put(NODE, clock, key, value)).length - payload);
    }

    @Test
    void replicaIdsAreWrittenOncePerFrame() {
        ReplicaId longId = ReplicaId.of("a-rather-long-replica-name-0123456789");
        ORSet<String> s = ORSet.empty();
        for (int i = 0; i < 100; i++) {
            s = s.join(s.add(longId, "e" + i));
        }
        String frame = new String(SETS.encodeToBytes(s), StandardCharsets.ISO_8859_1);
        assertEquals(frame.indexOf(longId.name()), frame.lastIndexOf(longId.name()));
    }

    // ------------------------------------------------------------------------------ limits

    @Test
    void declaredCountOf2Pow31InATenByteFrameFailsFastWithoutAllocating() {
        // version, no replica, empty context, header (2^31 entries << 2 | full), padding
        byte[] frame = set(0, 0, 0x80, 0x80, 0x80, 0x80, 0x20, 0, 0);
        assertEquals(10 + typeAndChecksum(SETS), frame.length);
        assertThrows(LimitExceededException.class, () -> SETS.decode(frame));
        long before = allocatedBytes();
        LimitExceededException e = assertThrows(LimitExceededException.class, () -> SETS.decode(frame));
        long allocated = allocatedBytes() - before;
        assertEquals("maxElements", e.limitName());
        assertEquals(1L << 31, e.declared());
        assertEquals(3 + Frames.header(SETS.codec().id()) - 1, e.offset());
        assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes");

        BinaryCodec<ORSet<String>> unbounded = BinaryCodec.of(SETS.codec(),
                CodecLimits.builder().maxElements(Integer.MAX_VALUE).build());
        byte[] frame30 = set(0, 0, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0); // 2^30 entries: within the limit
        MalformedFrameException m = assertThrows(MalformedFrameException.class, () -> unbounded.decode(frame30));
        assertTrue(m.getMessage().contains("remain"), m.getMessage());
    }

    @Test
    void hugeDeclaredReplicaTableAndStringLengthAreLimitErrors() {
        assertEquals("maxReplicaIdsPerMessage", assertThrows(LimitExceededException.class,
                () -> SETS.decode(set(0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0, 0, 0, 0))).limitName());
        // one entry whose string key declares 2^31 bytes
        assertEquals("maxStringBytes", assertThrows(LimitExceededException.class,
                () -> SETS.decode(set(0, 0, 4, 0x80, 0x80, 0x80, 0x80, 0x08, 0))).limitName());
        // the same length as a 10-byte varint above 2^63: a negative length
        assertThrows(MalformedFrameException.class, () -> SETS.decode(
                set(0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0, 0)));
    }

    @Test
    void frameAboveMaxFrameBytesIsRejectedBeforeAnythingIsRead() {
        BinaryCodec<ORSet<String>> small = BinaryCodec.of(SETS.codec(), CodecLimits.builder().maxFrameBytes(64).build());
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer();
        try {
            buf.writeZero(65);
            FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> small.decode(buf));
            assertEquals(65, e.frameBytes());
            assertEquals(64, e.limit());
            assertEquals(0, buf.readerIndex());
            assertEquals(1, buf.refCnt());
        } finally {
            buf.release();
        }
    }

    @Test
    void unknownVersionFailsBeforeTheBodyIsRead() {
        UnsupportedVersionException e = assertThrows(UnsupportedVersionException.class,
                () -> SETS.decode(bytes(2, 0xFF, 0xFF, 0xFF)));
        assertEquals(2, e.version());
        assertEquals(1, e.maxSupported());
        assertThrows(UnsupportedVersionException.class, () -> SETS.decode(bytes(0)));
        assertThrows(MalformedFrameException.class, () -> SETS.decode(new byte[0]));
    }

    @Test
    void nestingDeeperThanMaxDepthIsALimitError() {
        ORMap<String, ORMap<String, ORSet<String>>> empty = ORMap.empty(ORMap.<String, ORSet<String>>empty(ORSet.empty()));
        ORMap<String, ORMap<String, ORSet<String>>> m = empty.join(
                empty.apply("x", inner -> inner.apply("y", set -> set.add(A, "z"))));
        CrdtCodec<ORMap<String, ORMap<String, ORSet<String>>>> codec = CrdtCodecs.orMap(ValueCodec.string(),
                CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string())));
        byte[] frame = BinaryCodec.of(codec).encodeToBytes(m);
        assertEquals(m, BinaryCodec.of(codec, CodecLimits.builder().maxDepth(3).build()).decode(frame));
        LimitExceededException e = assertThrows(LimitExceededException.class,
                () -> BinaryCodec.of(codec, CodecLimits.builder().maxDepth(2).build()).decode(frame));
        assertEquals("maxDepth", e.limitName());
        assertEquals(2, e.limit());
    }

    // ------------------------------------------------------------------------------ malformed

    @Test
    void overlongAndTooLongVarintsAreMalformed() {
        BinaryCodec<GCounter> g = BinaryCodec.of(CrdtCodecs.gCounter());
        assertEquals(GCounter.empty(), g.decode(gc(0, 0)));
        assertThrows(MalformedFrameException.class, () -> g.decode(gc(0x80, 0x00, 0)));
        assertThrows(MalformedFrameException.class,
                () -> g.decode(gc(0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)));
        assertThrows(MalformedFrameException.class,
                () -> g.decode(gc(0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02)));
        assertThrows(MalformedFrameException.class, () -> g.decode(gc(0, 0x80)));
    }

    @Test
    void trailingBytesUnsortedTablesAndUnknownIndexesAreMalformed() {
        BinaryCodec<GCounter> g = BinaryCodec.of(CrdtCodecs.gCounter());
        GCounter c = GCounter.of(Map.of(A, 3L, B, 1L));
        byte[] ok = g.encodeToBytes(c);
        assertEquals(c, g.decode(ok));
        byte[] trailing = Frames.seal(java.util.Arrays.copyOf(ok, ok.length - 4 + 1)); // a zero before the CRC
        MalformedFrameException t = assertThrows(MalformedFrameException.class, () -> g.decode(trailing));
        assertTrue(t.getMessage().contains("trailing"), t.getMessage());
        // table "b","a" instead of "a","b"
        assertThrows(MalformedFrameException.class,
                () -> g.decode(gc(2, 1, 'b', 1, 'a', 1, 0, 3)));
        // counter entry naming replica index 5 of a table of 1
        assertThrows(MalformedFrameException.class, () -> g.decode(gc(1, 1, 'a', 1, 5, 3)));
        // a replica id with a forbidden character
        assertThrows(MalformedFrameException.class, () -> g.decode(gc(1, 1, '/', 1, 0, 3)));
    }

    @Test
    void dotsOutsideTheContextKeysOutOfOrderAndBrokenInvariantsAreMalformed() {
        // context {a=1}; entry "x" with rank 2 of replica a: outside the context
        assertThrows(MalformedFrameException.class, () -> SETS.decode(set(1, 1, 'a', 1, 0, 1, 4, 1, 'x', 0, 2)));
        assertEquals(Representation.access().makeMap("ORSet", HashTrie.empty().put("x", io.converge.crdt.causal.Dot.of("a", 1)),
                CausalContext.ofDots(io.converge.crdt.causal.Dot.of("a", 1)), null),
                SETS.decode(set(1, 1, 'a', 1, 0, 1, 4, 1, 'x', 0, 1)));
        // context {a=2}; entries "y" then "x": not ascending
        assertThrows(MalformedFrameException.class,
                () -> SETS.decode(set(1, 1, 'a', 1, 0, 2, 8, 1, 'y', 0, 1, 1, 'x', 0, 2)));
        // keyed with a hint naming "x", which the store holds: breaks the invariants
        assertThrows(MalformedFrameException.class,
                () -> SETS.decode(set(1, 1, 'a', 1, 0, 1, 6, 1, 1, 'x', 1, 'x', 0, 1)));
        // context {a=1}; entries "x" and "y" under the same dot (a,1): one write cannot name two keys
        assertThrows(MalformedFrameException.class,
                () -> SETS.decode(set(1, 1, 'a', 1, 0, 1, 8, 1, 'x', 0, 1, 1, 'y', 0, 1)));
        assertEquals(2, (SETS.decode(set(1, 1, 'a', 1, 0, 2, 8, 1, 'x', 0, 1, 1, 'y', 0, 2)))
                .value().size());
        // malformed UTF-8 in the element
        assertThrows(MalformedFrameException.class, () -> SETS.decode(set(1, 1, 'a', 1, 0, 1, 4, 1, 0xC3, 0, 1)));
    }

    // ------------------------------------------------------------------------------ buffers, keyed

    @Test
    void failedEncodingLeavesTheBufferAsItWas() {
        ORSet<String> bad = ORSet.<String>empty().add(A, "\uD800");
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer();
        try {
            buf.writeInt(42);
            assertThrows(EncodeException.class, () -> SETS.encode(bad, buf));
            assertEquals(4, buf.writerIndex());
        } finally {
            buf.release();
        }
    }

    @Test
    void decoderConsumesOnlyOnSuccessAndNeverRetainsOrReleases() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer();
        try {
            buf.writeBytes(set(0, 0, 0x80));
            assertThrows(MalformedFrameException.class, () -> SETS.decode(buf));
            assertEquals(0, buf.readerIndex());
            assertEquals(1, buf.refCnt());
            buf.clear();
            SETS.encode(ORSet.<String>empty().add(A, "x"), buf);
            assertEquals(ORSet.<String>empty().add(A, "x"), SETS.decode(buf));
            assertEquals(buf.writerIndex(), buf.readerIndex());
            assertEquals(1, buf.refCnt());
        } finally {
            buf.release();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDecodedKeyedDeltaStaysKeyedAndJoinsIntoALargeStateLikeTheOriginal() {
        List<String> elements = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            elements.add("e" + i);
        }
        ORSet<String> big = ORSet.<String>empty().addAll(A, elements);
        big = (ORSet<String>) Representation.access().makeMap("ORSet", Representation.access().mapStore(big),
                big.context(), null);
        ORSet<String> remove = big.remove("e7");
        ORSet<String> add = big.add(B, "new");
        for (ORSet<String> delta : List.of(remove, add, remove.join(add))) {
            assertNotNull(Representation.access().removedHints(delta));
            ORSet<String> decoded = SETS.decode(SETS.encodeToBytes(delta));
            assertEquals(Representation.access().removedHints(delta), Representation.access().removedHints(decoded));
            assertEquals(big.join(delta), big.join(decoded));
        }
        ByteBuf canonical = Unpooled.buffer();
        try {
            SETS.encodeCanonical(remove, canonical);
            assertNull(Representation.access().removedHints(SETS.decode(canonical)));
        } finally {
            canonical.release();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void equalStatesWithDifferentKeyednessHaveEqualCanonicalBytes() {
        ORSet<String> keyed = ORSet.<String>empty().add(A, "x");
        ORSet<String> full = (ORSet<String>) Representation.access().makeMap("ORSet",
                Representation.access().mapStore(keyed), keyed.context(), null);
        assertEquals(keyed, full);
        ByteBuf x = Unpooled.buffer();
        ByteBuf y = Unpooled.buffer();
        try {
            SETS.encodeCanonical(keyed, x);
            SETS.encodeCanonical(full, y);
            assertEquals(x, y);
            assertTrue(!java.util.Arrays.equals(SETS.encodeToBytes(keyed), SETS.encodeToBytes(full)));
        } finally {
            x.release();
            y.release();
        }
        assertArrayEquals(SETS.encodeToBytes(full), SETS.encodeToBytes(SETS.decode(SETS.encodeToBytes(full))));
    }
}
