package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ValueCodecTest {
    record Point(int x, int y, String label) {
    }

    record Tree(Object node) {
    }

    record Holder(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object value) {
    }

    static <T> byte[] encode(ValueCodec<T> codec, T value) {
        ByteBuf b = Unpooled.buffer();
        try {
            CodecWriter.forFrame(b, Map.of(), true).writeValue(codec, value);
            return io.netty.buffer.ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    static <T> T decode(ValueCodec<T> codec, byte[] bytes, CodecLimits limits) {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        try {
            CodecReader r = new CodecReader(b, limits);
            T v = r.readValue(codec);
            assertEquals(0, r.remaining(), "a value codec reads exactly what it wrote");
            return v;
        } finally {
            b.release();
        }
    }

    static <T> T roundTrip(ValueCodec<T> codec, T value) {
        return decode(codec, encode(codec, value), CodecLimits.defaults());
    }

    @Test
    void stringsRoundTripIncludingSupplementaryCharacters() {
        for (String s : List.of("", "a", "héllo", "日本語", "emoji \uD83D\uDE00 pair", "\u0000nul")) {
            assertEquals(s, roundTrip(ValueCodec.string(), s));
        }
        assertEquals(4, encode(ValueCodec.string(), "abc").length);
    }

    @Test
    void malformedUtf8IsRejectedNeverReplaced() {
        for (byte[] bad : List.of(new byte[] {2, (byte) 0xC3, 0x28}, new byte[] {2, (byte) 0xC0, (byte) 0xAF},
                new byte[] {3, (byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {1, (byte) 0xFF})) {
            assertThrows(MalformedFrameException.class, () -> decode(ValueCodec.string(), bad, CodecLimits.defaults()));
        }
    }

    @Test
    void aStringWithAnUnpairedSurrogateCannotBeEncoded() {
        assertThrows(EncodeException.class, () -> encode(ValueCodec.string(), "x\uD800"));
        assertThrows(EncodeException.class, () -> encode(ValueCodec.string(), "\uDC00y"));
    }

    @Test
    void stringsLongerThanTheLimitAreLimitErrors() {
        byte[] bytes = encode(ValueCodec.string(), "0123456789");
        CodecLimits small = CodecLimits.builder().maxStringBytes(9).build();
        assertEquals("maxStringBytes", assertThrows(LimitExceededException.class,
                () -> decode(ValueCodec.string(), bytes, small)).limitName());
    }

    @Test
    void integersUseZigzagVarints() {
        for (long v : new long[] {0, 1, -1, 63, -64, 64, Long.MAX_VALUE, Long.MIN_VALUE}) {
            assertEquals(v, roundTrip(ValueCodec.int64(), v));
        }
        assertEquals(1, encode(ValueCodec.int64(), -64L).length);
        assertEquals(10, encode(ValueCodec.int64(), Long.MIN_VALUE).length);
        for (int v : new int[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertEquals(v, roundTrip(ValueCodec.int32(), v));
        }
        byte[] tooBig = encode(ValueCodec.int64(), 1L << 40);
        assertThrows(MalformedFrameException.class, () -> decode(ValueCodec.int32(), tooBig, CodecLimits.defaults()));
    }

    @Test
    void bytesAndUuidsRoundTrip() {
        byte[] b = {1, 2, 3, (byte) 0xFF};
        assertArrayEquals(b, roundTrip(ValueCodec.bytes(), b));
        UUID u = UUID.randomUUID();
        assertEquals(u, roundTrip(ValueCodec.uuid(), u));
        assertEquals(16, encode(ValueCodec.uuid(), u).length);
        assertThrows(MalformedFrameException.class, () -> decode(ValueCodec.uuid(), new byte[15], CodecLimits.defaults()));
    }

    @Test
    void jsonValuesRoundTripRecordsDeterministically() {
        ValueCodec<Point> codec = ValueCodec.json(Point.class, new ObjectMapper());
        Point p = new Point(3, -4, "here");
        assertEquals(p, roundTrip(codec, p));
        assertArrayEquals(encode(codec, p), encode(codec, new Point(3, -4, "here")));
        assertEquals("json:" + Point.class.getName(), codec.id());
    }

    @Test
    void jsonValuesNeverDeserializePolymorphically() {
        assertThrows(IllegalArgumentException.class, () -> ValueCodec.json(Object.class, new ObjectMapper()));
        assertThrows(IllegalArgumentException.class, () -> ValueCodec.json(Runnable.class, new ObjectMapper()));
        ValueCodec<Holder> holder = ValueCodec.json(Holder.class, new ObjectMapper());
        byte[] json = "{\"value\":[\"java.util.ArrayList\",[]]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer();
        try {
            CodecWriter.forFrame(b, Map.of(), true).writeBytes(json);
            byte[] frame = io.netty.buffer.ByteBufUtil.getBytes(b);
            assertThrows(MalformedFrameException.class, () -> decode(holder, frame, CodecLimits.defaults()));
        } finally {
            b.release();
        }
    }

    @Test
    void invalidOrTooDeepJsonValuesAreTypedErrors() {
        ValueCodec<Point> codec = ValueCodec.json(Point.class, new ObjectMapper(),
                CodecLimits.builder().maxDepth(3).build());
        assertThrows(MalformedFrameException.class, () -> decode(codec, withLength("{\"x\":"), CodecLimits.defaults()));
        assertThrows(MalformedFrameException.class, () -> decode(codec, withLength("null"), CodecLimits.defaults()));
        assertThrows(MalformedFrameException.class,
                () -> decode(codec, withLength("{\"x\":1,\"y\":2,\"label\":\"a\"} {}"), CodecLimits.defaults()));
        ValueCodec<Tree> trees = ValueCodec.json(Tree.class, new ObjectMapper(), CodecLimits.builder().maxDepth(3).build());
        assertEquals(new Tree(java.util.List.of(1)), decode(trees, withLength("{\"node\":[1]}"), CodecLimits.defaults()));
        assertEquals("maxDepth", assertThrows(LimitExceededException.class,
                () -> decode(trees, withLength("{\"node\":[[[[[1]]]]]}"), CodecLimits.defaults())).limitName());
    }

    static byte[] withLength(String json) {
        byte[] j = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer();
        try {
            CodecWriter.forFrame(b, Map.of(), true).writeBytes(j);
            return io.netty.buffer.ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }
}
