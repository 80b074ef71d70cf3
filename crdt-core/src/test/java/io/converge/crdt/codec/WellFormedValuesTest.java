package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.converge.crdt.AWLWWMap;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every codec refuses what another codec cannot carry: decoders accept only well-formed strings
 * (JSON used to accept a lone surrogate that the binary encoder then refused), and encoders
 * refuse, with a typed {@link EncodeException}, what the decoders under the same limits would
 * refuse.
 */
class WellFormedValuesTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());
    private static final TypeReference<ORSet<String>> SET_TYPE = new TypeReference<>() { };
    private static final String LONE = "x\uD800y";

    /** A record for {@link ValueCodec#json}. */
    public record Item(String name, List<String> tags) {
    }

    // ------------------------------------------------------------------------------ decoders

    @Test
    void jsonRefusesALoneSurrogateAsAnElement() {
        String json = "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1}},"
                + "\"entries\":[{\"element\":\"\\uD800\",\"dots\":[[\"a\",1]]}]}";
        MalformedFrameException e = assertThrows(MalformedFrameException.class,
                () -> JsonCodec.of(SET_TYPE).decode(json));
        assertTrue(e.getMessage().contains("surrogate"), e.getMessage());
        // a low surrogate alone, and a pair in the wrong order
        for (String bad : new String[] {"\\uDC00", "\\uDC00\\uD800", "a\\uD83D"}) {
            assertThrows(MalformedFrameException.class, () -> JsonCodec.of(SET_TYPE).decode(json.replace("\\uD800", bad)));
        }
        // a well-formed pair is fine
        assertEquals(java.util.Set.of("\uD83D\uDE00"),
                JsonCodec.of(SET_TYPE).decode(json.replace("\\uD800", "\\uD83D\\uDE00")).value());
    }

    @Test
    void jsonRefusesALoneSurrogateInAMapKeyAndInAValueCodecDocument() {
        String map = "{\"type\":\"AWLWWMap\",\"context\":{\"vv\":{\"a\":1}},"
                + "\"entries\":[{\"key\":\"k\",\"values\":[{\"dot\":[\"a\",1],\"stamp\":[1,0],\"value\":\"\\uDFFF\"}]}]}";
        assertThrows(MalformedFrameException.class,
                () -> JsonCodec.of(new TypeReference<AWLWWMap<String, String>>() { }).decode(map));

        ValueCodec<Item> items = ValueCodec.json(Item.class, new ObjectMapper());
        ORSet<Item> ok = ORSet.<Item>empty().add(A, new Item("nnnnnn", List.of("t")));
        BinaryCodec<ORSet<Item>> codec = BinaryCodec.of(CrdtCodecs.orSet(items));
        byte[] frame = codec.encodeToBytes(ok);
        String text = new String(frame, java.nio.charset.StandardCharsets.ISO_8859_1);
        // the element's JSON, {"name":"nnnnnn","tags":["t"]}, with "t" made the escape of a lone surrogate
        byte[] patched = text.replace("[\"t\"]", "[\"\\uD800\"]").replace("\"nnnnnn\"", "\"n\"")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(frame.length, patched.length, "same length: the length prefix still holds");
        MalformedFrameException e = assertThrows(MalformedFrameException.class,
                () -> codec.decode(Frames.reseal(patched)));
        assertTrue(e.getMessage().contains("surrogate"), e.getMessage());
    }

    @Test
    void binaryRefusesAnEncodedSurrogate() {
        // "ED A0 80" is U+D800 in (invalid) UTF-8, as CESU-8 or a lenient encoder would write it
        byte[] frame = Frames.binary("ORSet<string>", 1, "a", 1, 0, 1, 4, 3, 0xED, 0xA0, 0x80, 0, 1);
        MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> BinaryCodec.of(SET).decode(frame));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    // ------------------------------------------------------------------------------ encoders

    @Test
    void everyEncoderRefusesALoneSurrogateWithATypedError() {
        ORSet<String> bad = ORSet.<String>empty().add(A, LONE);
        EncodeException b = assertThrows(EncodeException.class, () -> BinaryCodec.of(SET).encodeToBytes(bad));
        assertNull(b.limitName());
        assertTrue(b.getMessage().contains("surrogate"), b.getMessage());
        assertThrows(EncodeException.class, () -> BinaryCodec.of(SET).encodeCanonical(bad, Unpooled.buffer()));
        assertThrows(EncodeException.class, () -> JsonCodec.of(SET_TYPE).encode(bad));
        MessageCodec messages = new MessageCodec(CodecRegistry.of(), CodecLimits.defaults());
        messages.registry().bind("k", SET);
        assertThrows(EncodeException.class,
                () -> messages.encodeToBytes(new Message.Deltas(0, 1, Map.of("k", bad), Map.of())));
        assertThrows(EncodeException.class, () -> messages.encodedSize("k", bad));
        ValueCodec<Item> items = ValueCodec.json(Item.class, new ObjectMapper());
        assertThrows(EncodeException.class, () -> BinaryCodec.of(CrdtCodecs.orSet(items))
                .encodeToBytes(ORSet.<Item>empty().add(A, new Item(LONE, List.of()))));
    }

    @Test
    void aFailedEncodingLeavesTheBufferAsItWas() {
        ByteBuf out = Unpooled.buffer();
        try {
            out.writeByte(42);
            assertThrows(EncodeException.class, () -> BinaryCodec.of(SET).encode(ORSet.<String>empty().add(A, LONE), out));
            assertEquals(1, out.readableBytes());
        } finally {
            out.release();
        }
    }

    @Test
    void encodersRefuseAStringAboveMaxStringBytes() {
        CodecLimits small = CodecLimits.builder().maxStringBytes(8).build();
        ORSet<String> nine = ORSet.<String>empty().add(A, "123456789");
        ORSet<String> eight = ORSet.<String>empty().add(A, "12345678");
        EncodeException e = assertThrows(EncodeException.class, () -> BinaryCodec.of(SET, small).encodeToBytes(nine));
        assertEquals("maxStringBytes", e.limitName());
        assertEquals(9, e.size());
        assertEquals(8, e.limit());
        assertEquals(eight, BinaryCodec.of(SET, small).decode(BinaryCodec.of(SET, small).encodeToBytes(eight)));
        // in UTF-8 bytes, as the decoder counts: 3 × "é" is 6 bytes, 5 × is 10
        assertThrows(EncodeException.class,
                () -> BinaryCodec.of(SET, small).encodeToBytes(ORSet.<String>empty().add(A, "ééééé")));
        assertThrows(EncodeException.class, () -> JsonCodec.of(SET_TYPE, small).encode(nine));
        MessageCodec messages = new MessageCodec(CodecRegistry.of(), small);
        messages.registry().bind("k", SET);
        assertEquals("maxStringBytes", assertThrows(EncodeException.class,
                () -> messages.encodedSize("k", nine)).limitName());
        // byte arrays too
        assertThrows(EncodeException.class, () -> BinaryCodec.of(CrdtCodecs.lwwRegister(ValueCodec.bytes()), small)
                .encodeToBytes(io.converge.crdt.LWWRegister.<byte[]>empty().write(A,
                        HybridLogicalClock.of(() -> 1_700_000_000_000L, 500, HlcTimestamp.ZERO), new byte[9])));
    }

    @Test
    void encodersRefuseACollectionAboveMaxElementsAndAFrameAboveMaxFrameBytes() {
        CodecLimits four = CodecLimits.builder().maxElements(4).build();
        ORSet<String> s = ORSet.empty();
        for (int i = 0; i < 5; i++) {
            s = s.join(s.add(A, "e" + i));
        }
        ORSet<String> five = s;
        EncodeException e = assertThrows(EncodeException.class, () -> BinaryCodec.of(SET, four).encodeToBytes(five));
        assertEquals("maxElements", e.limitName());
        assertEquals(5, e.size());
        assertThrows(EncodeException.class, () -> JsonCodec.of(SET_TYPE, four).encode(five));
        ORSet<String> fourElements = five.join(five.remove("e0"));
        assertEquals(fourElements, BinaryCodec.of(SET, four).decode(BinaryCodec.of(SET, four).encodeToBytes(fourElements)));

        List<ReplicaId> ids = new ArrayList<>();
        GCounter many = GCounter.empty();
        for (int i = 0; i < 3; i++) {
            ReplicaId id = ReplicaId.of("r" + i);
            ids.add(id);
            many = many.join(many.increment(id, 1));
        }
        GCounter three = many;
        CodecLimits two = CodecLimits.builder().maxReplicaIdsPerMessage(2).build();
        assertEquals("maxReplicaIdsPerMessage", assertThrows(EncodeException.class,
                () -> BinaryCodec.of(CrdtCodecs.gCounter(), two).encodeToBytes(three)).limitName());

        CodecLimits tiny = CodecLimits.builder().maxFrameBytes(32).build();
        ORSet<String> big = ORSet.<String>empty().add(A, "x".repeat(40));
        assertEquals("maxFrameBytes", assertThrows(EncodeException.class,
                () -> BinaryCodec.of(SET, tiny).encodeToBytes(big)).limitName());
        assertEquals("maxFrameBytes", assertThrows(EncodeException.class,
                () -> JsonCodec.of(SET_TYPE, tiny).encode(big)).limitName());
    }

    @Test
    void whatAnEncoderWritesItsDecoderReadsAtEqualLimits() {
        CodecLimits limits = CodecLimits.builder().maxStringBytes(16).maxElements(3).build();
        ORSet<String> s = ORSet.<String>empty();
        for (String e : new String[] {"a", "0123456789abcdef", "ü"}) {
            s = s.join(s.add(A, e));
        }
        BinaryCodec<ORSet<String>> codec = BinaryCodec.of(SET, limits);
        assertEquals(s, codec.decode(codec.encodeToBytes(s)));
        JsonCodec<ORSet<String>> json = JsonCodec.of(SET_TYPE, limits);
        assertEquals(s, json.decode(json.encode(s)));
        assertArrayEquals(codec.encodeToBytes(s), codec.encodeToBytes(codec.decode(codec.encodeToBytes(s))));
    }
}
