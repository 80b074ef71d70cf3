package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonCodecTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final JsonCodec<ORSet<String>> SETS = JsonCodec.of(new TypeReference<ORSet<String>>() { });

    record Point(int x, int y) {
    }

    static HybridLogicalClock clock() {
        return HybridLogicalClock.of(() -> 1_700_000_000_000L, 500, HlcTimestamp.ZERO);
    }

    @Test
    void anOrSetDeltaReadsLikeItsDefinition() {
        ORSet<String> s = ORSet.<String>empty().add(A, "x");
        assertEquals("{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1}},"
                + "\"entries\":[{\"element\":\"x\",\"dots\":[[\"a\",1]]}],\"removed\":[]}", SETS.encodeToString(s));
        ORSet<String> state = s.join(ORSet.<String>empty().add(B, "y"));
        ORSet<String> remove = state.remove("x");
        assertEquals("{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1}},\"entries\":[],\"removed\":[\"x\"]}",
                SETS.encodeToString(remove));
        assertEquals(remove, SETS.decode(SETS.encodeToString(remove)));
    }

    @Test
    void everyBuiltInTypeRoundTripsWithoutClassNames() {
        HybridLogicalClock clock = clock();
        GCounter g = GCounter.empty().increment(A, 3);
        PNCounter pn = PNCounter.empty().decrement(B, 2);
        AWLWWMap<String, Point> m = AWLWWMap.<String, Point>empty().put(A, clock, "p", new Point(1, 2));
        ORMap<String, ORSet<String>> om = ORMap.<String, ORSet<String>>empty(ORSet.empty())
                .apply("cart", c -> c.add(A, "milk"));
        EWFlag ew = EWFlag.empty().enable(A);
        DWFlag dw = DWFlag.empty().disable(B);
        MVRegister<String> mv = MVRegister.<String>empty().write(A, "v");
        LWWRegister<Long> lww = LWWRegister.<Long>empty().write(A, clock, 7L);
        CausalCounter cc = CausalCounter.empty().increment(A, 5);
        check(JsonCodec.of(GCounter.class), g, "{\"type\":\"GCounter\",\"counts\":{\"a\":3}}");
        check(JsonCodec.of(PNCounter.class), pn, "{\"type\":\"PNCounter\",\"increments\":{},\"decrements\":{\"b\":2}}");
        check(JsonCodec.of(new TypeReference<AWLWWMap<String, Point>>() { }), m,
                "{\"type\":\"AWLWWMap\",\"context\":{\"vv\":{\"a\":1}},\"entries\":[{\"key\":\"p\",\"values\":"
                + "[{\"dot\":[\"a\",1],\"stamp\":[1700000000000,0],\"value\":{\"x\":1,\"y\":2}}]}],\"removed\":[]}");
        check(JsonCodec.of(new TypeReference<ORMap<String, ORSet<String>>>() { }), om,
                "{\"type\":\"ORMap\",\"context\":{\"vv\":{\"a\":1}},\"entries\":[{\"key\":\"cart\",\"value\":"
                + "{\"type\":\"ORSet\",\"entries\":[{\"element\":\"milk\",\"dots\":[[\"a\",1]]}],\"removed\":[]}}],"
                + "\"removed\":[]}");
        check(JsonCodec.of(EWFlag.class), ew, "{\"type\":\"EWFlag\",\"context\":{\"vv\":{\"a\":1}},\"dots\":[[\"a\",1]]}");
        check(JsonCodec.of(DWFlag.class), dw, "{\"type\":\"DWFlag\",\"context\":{\"vv\":{\"b\":1}},\"dots\":[[\"b\",1]]}");
        check(JsonCodec.of(new TypeReference<MVRegister<String>>() { }), mv,
                "{\"type\":\"MVRegister\",\"context\":{\"vv\":{\"a\":1}},\"entries\":[{\"dot\":[\"a\",1],\"value\":\"v\"}]}");
        check(JsonCodec.of(new TypeReference<LWWRegister<Long>>() { }), lww,
                "{\"type\":\"LWWRegister\",\"writer\":\"a\",\"stamp\":[1700000000000,1],\"value\":7}");
        check(JsonCodec.of(CausalCounter.class), cc,
                "{\"type\":\"CausalCounter\",\"context\":{\"vv\":{\"a\":1}},\"entries\":[{\"dot\":[\"a\",1],\"up\":5,\"down\":0}]}");
        check(JsonCodec.of(new TypeReference<LWWRegister<Long>>() { }), LWWRegister.empty(), "{\"type\":\"LWWRegister\"}");
    }

    private static <S extends io.converge.crdt.ReplicatedData<S>> void check(JsonCodec<S> codec, S value, String json) {
        String text = codec.encodeToString(value);
        assertEquals(json, text);
        assertFalse(text.contains("io.converge") || text.contains("java."), text);
        assertEquals(value, codec.decode(text));
        assertEquals(value, codec.decode(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void contextCloudsAppearAsDotLists() {
        ORSet<String> s = ORSet.<String>empty().join(ORSet.<String>empty().add(A, "x")).add(A, "y");
        String text = SETS.encodeToString(s);
        assertTrue(text.contains("\"cloud\":[[\"a\",2]]"), text);
        assertEquals(s, SETS.decode(text));
    }

    @Test
    void badInputIsAlwaysATypedError() {
        for (String bad : List.of(
                "", "{", "[]", "null", "42", "{\"type\":\"ORSet\"} trailing",
                "{\"entries\":[]}",
                "{\"type\":\"EWFlag\",\"entries\":[]}",
                "{\"type\":\"ORSet\",\"unknown\":1}",
                "{\"type\":\"ORSet\",\"type\":\"ORSet\"}",
                "{\"type\":\"ORSet\",\"entries\":[{\"element\":\"x\",\"dots\":[[\"a\",1]]}]}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1}},\"entries\":[{\"element\":\"x\",\"dots\":[]}]}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1}},\"entries\":[{\"element\":null,\"dots\":[[\"a\",1]]}]}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":0}}}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a b\":1}}}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1e3}}}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":123456789012345678901234567890}}}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1}},\"entries\":[{\"element\":\"x\",\"dots\":[[\"a\",1],[\"a\",1]]}]}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":2}},\"entries\":[{\"element\":\"x\",\"dots\":[[\"a\",1]]},"
                        + "{\"element\":\"x\",\"dots\":[[\"a\",2]]}]}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1}},\"entries\":[{\"element\":\"x\",\"dots\":[[\"a\",1]]}],"
                        + "\"removed\":[\"x\"]}",
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1},\"cloud\":[[\"a\"]]}}",
                "{\"type\":\"ORSet\",\"entries\":[{\"element\":\"\\uD800\",\"dots\":[[\"a\",1]]}]")) {
            DecodeException e = assertThrows(DecodeException.class, () -> SETS.decode(bad), bad);
            assertTrue(e.offset() >= 0, bad);
        }
    }

    @Test
    void limitsApplyToJson() {
        CodecLimits limits = CodecLimits.builder().maxFrameBytes(200).maxElements(2).maxDepth(4)
                .maxStringBytes(8).maxReplicaIdsPerMessage(2).build();
        JsonCodec<ORSet<String>> small = JsonCodec.of(new TypeReference<ORSet<String>>() { }, limits);
        assertThrows(FrameTooLargeException.class, () -> small.decode("{" + " ".repeat(300) + "}"));
        assertEquals("maxElements", assertThrows(LimitExceededException.class, () -> small.decode(
                "{\"type\":\"ORSet\",\"context\":{\"cloud\":[[\"a\",5],[\"a\",7],[\"a\",9]]}}")).limitName());
        assertEquals("maxReplicaIdsPerMessage", assertThrows(LimitExceededException.class, () -> small.decode(
                "{\"type\":\"ORSet\",\"context\":{\"vv\":{\"a\":1,\"b\":1},\"cloud\":[[\"c\",5]]}}")).limitName());
        assertEquals("maxStringBytes", assertThrows(LimitExceededException.class, () -> small.decode(
                "{\"type\":\"ORSet\",\"removed\":[\"0123456789abcdef\"]}")).limitName());
        assertEquals("maxDepth", assertThrows(LimitExceededException.class, () -> small.decode(
                "{\"type\":\"ORSet\",\"context\":{\"cloud\":[[[[[\"a\",1]]]]]}}")).limitName());
        JsonCodec<ORMap<String, ORMap<String, ORSet<String>>>> nested = JsonCodec.of(
                new TypeReference<ORMap<String, ORMap<String, ORSet<String>>>>() { },
                CodecLimits.builder().maxDepth(2).build());
        ORMap<String, ORMap<String, ORSet<String>>> m = ORMap.<String, ORMap<String, ORSet<String>>>empty(
                ORMap.empty(ORSet.empty())).apply("x", inner -> inner.apply("y", s -> s.add(A, "z")));
        String text = JsonCodec.of(new TypeReference<ORMap<String, ORMap<String, ORSet<String>>>>() { })
                .encodeToString(m);
        assertEquals("maxDepth", assertThrows(LimitExceededException.class, () -> nested.decode(text)).limitName());
    }

    @Test
    void theModuleWorksOnAUserMapperForRecordsInsideCrdts() {
        ObjectMapper mapper = new ObjectMapper().registerModule(new ConvergeJacksonModule());
        AWLWWMap<String, Point> m = AWLWWMap.<String, Point>empty().put(A, clock(), "p", new Point(3, 4));
        JsonCodec<AWLWWMap<String, Point>> codec = JsonCodec.of(new TypeReference<AWLWWMap<String, Point>>() { },
                mapper, CodecLimits.defaults());
        assertEquals(m, codec.decode(codec.encode(m)));
        assertEquals(Map.of("p", new Point(3, 4)), codec.decode(codec.encode(m)).value());
    }
}
