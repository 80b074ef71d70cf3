package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.EWFlag;
import io.converge.crdt.MixedORMap;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MixedORMapCodecTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    private static MixedORMap<String> setAndFlag() {
        MixedORMap<String> m = MixedORMap.empty();
        m = m.join(m.update("tags", ORSet.<String>empty(), s -> s.add(A, "crdt")));
        return m.join(m.update("done", EWFlag.empty(), f -> f.enable(B)));
    }

    /** A key given a flag on one replica and a set on another: two types under one key. */
    private static MixedORMap<String> conflict() {
        MixedORMap<String> m = MixedORMap.empty();
        return m.update("k", EWFlag.empty(), f -> f.enable(A))
                .join(m.update("k", ORSet.<String>empty(), s -> s.add(B, "x")));
    }

    @Test
    void aHeterogeneousMapRoundTripsInBinaryAndJson() {
        BinaryCodec<MixedORMap<String>> binary = BinaryCodec.of(CrdtCodecs.mixedMap(ValueCodec.string(),
                CrdtCodecs.orSet(ValueCodec.string()), CrdtCodecs.ewFlag()));
        JsonCodec<MixedORMap<String>> json = JsonCodec.of(new TypeReference<MixedORMap<String>>() { });
        for (MixedORMap<String> m : new MixedORMap[] {setAndFlag(), conflict()}) {
            assertEquals(m, binary.decode(binary.encodeToBytes(m)));
            assertEquals(m, json.decode(json.encode(m)));
        }
        assertEquals("{\"type\":\"MixedORMap\",\"context\":{\"vv\":{\"a\":1,\"b\":1}},\"entries\":[{\"key\":\"k\","
                + "\"values\":[{\"type\":\"EWFlag\",\"dots\":[[\"a\",1]]},{\"type\":\"ORSet\",\"entries\":"
                + "[{\"element\":\"x\",\"dots\":[[\"b\",1]]}]}]}],\"removed\":[]}",
                json.encodeToString(conflict()));
    }

    @Test
    void mapsOfDifferentValueTypesRoundTripInBinary() {
        MixedORMap<String> m = MixedORMap.empty();
        m = m.update("flags", ORMap.<String, EWFlag>empty(EWFlag.empty()), x -> x.apply("f", f -> f.enable(A)))
                .join(m.update("flags", ORMap.<String, ORSet<String>>empty(ORSet.empty()),
                        x -> x.apply("s", s -> s.add(B, "y"))));
        BinaryCodec<MixedORMap<String>> binary = BinaryCodec.of(CrdtCodecs.mixedMap(ValueCodec.string(),
                CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.ewFlag()),
                CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string()))));
        assertEquals(m, binary.decode(binary.encodeToBytes(m)));
    }

    @Test
    void anUnknownTypeTagIsATypedDecodeError() {
        byte[] frame = BinaryCodec.of(CrdtCodecs.mixedMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string()),
                CrdtCodecs.ewFlag())).encodeToBytes(setAndFlag());
        BinaryCodec<MixedORMap<String>> onlySets = BinaryCodec.of(CrdtCodecs.mixedMap(ValueCodec.string(),
                CrdtCodecs.orSet(ValueCodec.string())));
        // The frame names its codec, so a codec that lacks a type refuses it before the body.
        CodecMismatchException e = assertThrows(CodecMismatchException.class, () -> onlySets.decode(frame));
        assertTrue(e.getMessage().contains("EWFlag"), e.getMessage());

        String json = JsonCodec.of(new TypeReference<MixedORMap<String>>() { }).encodeToString(setAndFlag())
                .replace("EWFlag", "Nope");
        assertThrows(MalformedFrameException.class, () -> JsonCodec.of(new TypeReference<MixedORMap<String>>() { })
                .decode(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aCodecWithTwoElementTypesForOneCrdtTypeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CrdtCodecs.mixedMap(ValueCodec.string(),
                CrdtCodecs.orSet(ValueCodec.string()), CrdtCodecs.orSet(ValueCodec.int64())));
    }

    @Test
    void encodingATypeTheCodecDoesNotKnowIsRefused() {
        BinaryCodec<MixedORMap<String>> onlySets = BinaryCodec.of(CrdtCodecs.mixedMap(ValueCodec.string(),
                CrdtCodecs.orSet(ValueCodec.string())));
        assertThrows(IllegalArgumentException.class, () -> onlySets.encodeToBytes(setAndFlag()));
    }

    @Test
    void typesOutOfOrderUnderAKeyAreMalformedInJson() {
        String json = "{\"type\":\"MixedORMap\",\"context\":{\"vv\":{\"a\":1,\"b\":1}},\"entries\":[{\"key\":\"k\","
                + "\"values\":[{\"type\":\"ORSet\",\"entries\":[{\"element\":\"x\",\"dots\":[[\"b\",1]]}]},"
                + "{\"type\":\"EWFlag\",\"dots\":[[\"a\",1]]}]}]}";
        assertThrows(MalformedFrameException.class, () -> JsonCodec.of(new TypeReference<MixedORMap<String>>() { })
                .decode(json.getBytes(StandardCharsets.UTF_8)));
    }
}
