package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.Message;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A frame names the type it holds, and decoding it as another type is a typed error: never a
 * value of the wrong type that looks valid (finding: a PNCounter frame read as an ORSet gave
 * {@code ORSet{} ctx={a=5}}, which, joined into a set of five elements written by {@code a},
 * emptied it).
 */
class CodecMismatchTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());

    @Test
    void aCounterFrameDecodedAsASetIsATypedErrorNamingBothTypes() {
        PNCounter counter = PNCounter.empty().increment(A, 5);
        byte[] frame = BinaryCodec.of(CrdtCodecs.pnCounter()).encodeToBytes(counter);
        ORSet<String> five = ORSet.empty();
        for (int i = 0; i < 5; i++) {
            five = five.join(five.add(A, "e" + i));
        }
        BinaryCodec<ORSet<String>> sets = BinaryCodec.of(SET);
        CodecMismatchException e = assertThrows(CodecMismatchException.class, () -> sets.decode(frame));
        assertEquals("ORSet<string>", e.expected());
        assertEquals("PNCounter", e.found());
        assertEquals(5, five.size(), "nothing was decoded, so nothing could be joined");
        assertEquals(counter, BinaryCodec.of(CrdtCodecs.pnCounter()).decode(frame));
    }

    @Test
    void elementEncodingsAreTypesToo() {
        ORSet<Long> longs = ORSet.<Long>empty().add(A, 7L);
        byte[] frame = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.int64())).encodeToBytes(longs);
        CodecMismatchException e = assertThrows(CodecMismatchException.class, () -> BinaryCodec.of(SET).decode(frame));
        assertEquals("ORSet<int64>", e.found());
        assertThrows(CodecMismatchException.class,
                () -> BinaryCodec.of(CrdtCodecs.gCounter()).decode(frame));
    }

    @Test
    void jsonOfAnotherTypeIsTheSameTypedError() {
        String json = JsonCodec.of(GCounter.class).encodeToString(GCounter.empty().increment(A, 5));
        CodecMismatchException e = assertThrows(CodecMismatchException.class,
                () -> JsonCodec.of(new TypeReference<ORSet<String>>() { }).decode(json));
        assertEquals("ORSet", e.expected());
        assertEquals("GCounter", e.found());
    }

    @Test
    void aMessageValueForAKeyBoundToAnotherCodecIsTheSameTypedError() {
        MessageCodec sender = new MessageCodec(CodecRegistry.of(), CodecLimits.defaults());
        sender.registry().bind("k", CrdtCodecs.pnCounter());
        byte[] frame = sender.encodeToBytes(new Message.Deltas(0, 1, Map.of("k", PNCounter.empty().increment(A, 5)),
                Map.of()));
        CodecRegistry here = CodecRegistry.of(CrdtCodecs.pnCounter());
        here.bind("k", SET);
        CodecMismatchException e = assertThrows(CodecMismatchException.class,
                () -> new MessageCodec(here, CodecLimits.defaults()).decode(frame));
        assertEquals("ORSet<string>", e.expected());
        assertEquals("PNCounter", e.found());
    }
}
