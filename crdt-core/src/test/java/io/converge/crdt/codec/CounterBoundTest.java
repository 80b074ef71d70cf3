package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.CounterOverflowException;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * No accepted state can make a key unusable. Before: a peer's ORSet whose context held
 * {@code victim: 2^63-1} removed the victim's elements and made every later add throw
 * {@code ArithmeticException: long overflow}; a GCounter entry at {@code 2^63-1} made every
 * increment throw, forever. Now decoders refuse any dot counter or per-replica counter entry
 * above {@link VersionVector#MAX_COUNTER} (2^62) with a typed {@link LimitExceededException},
 * encoders refuse to write one, and mutators refuse, with {@link CounterOverflowException}, an
 * update that would go beyond it.
 */
class CounterBoundTest {
    private static final long MAX = VersionVector.MAX_COUNTER;
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId VICTIM = ReplicaId.of("victim");
    private static final BinaryCodec<ORSet<String>> SETS = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.string()));
    private static final BinaryCodec<GCounter> GS = BinaryCodec.of(CrdtCodecs.gCounter());

    /** An ORSet frame with no element and the context {victim: n}. */
    private static byte[] setWithContext(long n) {
        return Frames.binary("ORSet<string>", 1, "victim", 1, 0, Frames.varint(n), 0);
    }

    private static byte[] gCounter(long n) {
        return Frames.binary("GCounter", 1, "a", 1, 0, Frames.varint(n));
    }

    private static void assertLimit(Runnable decode) {
        LimitExceededException e = assertThrows(LimitExceededException.class, decode::run);
        assertEquals("maxCounter", e.limitName());
        assertEquals(MAX, e.limit());
    }

    @Test
    void theBoundIsTwoToTheSixtySecond() {
        assertEquals(1L << 62, MAX);
    }

    @Test
    void binaryDecodersRefuseEntriesAboveTheBound() {
        ORSet<String> victims = ORSet.empty();
        for (int i = 0; i < 5; i++) {
            victims = victims.join(victims.add(VICTIM, "e" + i));
        }
        assertLimit(() -> SETS.decode(setWithContext(Long.MAX_VALUE)));
        assertLimit(() -> SETS.decode(setWithContext(MAX + 1)));
        assertLimit(() -> GS.decode(gCounter(Long.MAX_VALUE)));
        assertLimit(() -> GS.decode(gCounter(MAX + 1)));
        // a cloud dot (kind 1: one dot, written as counter - 2) above the bound
        assertLimit(() -> SETS.decode(Frames.binary("ORSet<string>", 1, "victim", 1, 1, Frames.varint(MAX - 1), 0)));
        // PNCounter decrements, CausalCounter totals
        assertLimit(() -> BinaryCodec.of(CrdtCodecs.pnCounter())
                .decode(Frames.binary("PNCounter", 1, "a", 0, 1, 0, Frames.varint(MAX + 1))));
        assertLimit(() -> BinaryCodec.of(CrdtCodecs.causalCounter())
                .decode(Frames.binary("CausalCounter", 1, "a", 1, 0, 1, 1, 0, 1, Frames.varint(MAX + 1), 0)));
        assertLimit(() -> BinaryCodec.of(CrdtCodecs.causalCounter())
                .decode(Frames.binary("CausalCounter", 1, "a", 1, 0, 1, 1, 0, 1, 0, Frames.varint(MAX + 1))));
        // nothing was decoded, so the victim's elements stay
        assertEquals(5, victims.size());
        // at the bound exactly: accepted
        assertEquals(MAX, GS.decode(gCounter(MAX)).value());
        assertEquals(MAX, SETS.decode(setWithContext(MAX)).context().versionVector().get(VICTIM));
    }

    @Test
    void jsonDecodersRefuseEntriesAboveTheBound() {
        String big = Long.toString(MAX + 1);
        assertLimit(() -> JsonCodec.of(new TypeReference<ORSet<String>>() { })
                .decode("{\"type\":\"ORSet\",\"context\":{\"vv\":{\"victim\":9223372036854775807}}}"));
        assertLimit(() -> JsonCodec.of(new TypeReference<ORSet<String>>() { })
                .decode("{\"type\":\"ORSet\",\"context\":{\"cloud\":[[\"victim\"," + big + "]]}}"));
        assertLimit(() -> JsonCodec.of(GCounter.class).decode("{\"type\":\"GCounter\",\"counts\":{\"a\":" + big + "}}"));
        assertLimit(() -> JsonCodec.of(GCounter.class)
                .decode("{\"type\":\"GCounter\",\"counts\":{\"a\":92233720368547758070}}"));
        assertLimit(() -> JsonCodec.of(CausalCounter.class).decode("{\"type\":\"CausalCounter\",\"context\":{\"vv\":{\"a\":1}},"
                + "\"entries\":[{\"dot\":[\"a\",1],\"up\":" + big + ",\"down\":0}]}"));
        assertEquals(MAX, JsonCodec.of(GCounter.class)
                .decode("{\"type\":\"GCounter\",\"counts\":{\"a\":" + MAX + "}}").value());
    }

    @Test
    void encodersRefuseEntriesAboveTheBound() {
        EncodeException e = assertThrows(EncodeException.class,
                () -> GS.encodeToBytes(GCounter.of(Map.of(A, Long.MAX_VALUE))));
        assertEquals("maxCounter", e.limitName());
        assertThrows(EncodeException.class,
                () -> BinaryCodec.of(CrdtCodecs.pnCounter()).encodeToBytes(PNCounter.of(Map.of(), Map.of(A, MAX + 1))));
        assertThrows(EncodeException.class, () -> JsonCodec.of(GCounter.class).encode(GCounter.of(Map.of(A, MAX + 1))));
        assertEquals(GCounter.of(Map.of(A, MAX)), GS.decode(GS.encodeToBytes(GCounter.of(Map.of(A, MAX)))));
    }

    @Test
    void countersRefuseAnIncrementBeyondTheBoundAndStayReadable() {
        GCounter g = GCounter.empty().increment(A, MAX);
        assertEquals(MAX, g.value());
        GCounter full = g;
        assertThrows(CounterOverflowException.class, () -> full.increment(A, 1));
        assertThrows(CounterOverflowException.class, () -> GCounter.empty().increment(A, MAX + 1));
        PNCounter p = PNCounter.empty().decrement(A, MAX);
        assertThrows(CounterOverflowException.class, () -> p.decrement(A, 1));
        assertEquals(MAX, p.increment(A, MAX).increments().get(A));
        CausalCounter c = CausalCounter.empty();
        c = c.join(c.increment(A, MAX));
        CausalCounter cFull = c;
        assertThrows(CounterOverflowException.class, () -> cFull.increment(A, 1));
        assertThrows(CounterOverflowException.class, () -> CausalCounter.empty().decrement(A, MAX + 1));
        // three replicas at the bound: the total leaves a long, and stays readable
        GCounter three = GCounter.empty();
        for (String r : List.of("x", "y", "z")) {
            three = three.join(three.increment(ReplicaId.of(r), MAX));
        }
        assertEquals(BigInteger.valueOf(MAX).multiply(BigInteger.valueOf(3)), three.bigValue());
        assertThrows(CounterOverflowException.class, three::value);
    }

    @Test
    void causalTypesRefuseADotBeyondTheBoundWithATypedErrorWhileOthersKeepWriting() {
        ORSet<String> atBound = SETS.decode(setWithContext(MAX));
        assertThrows(CounterOverflowException.class, () -> atBound.add(VICTIM, "x"));
        assertThrows(CounterOverflowException.class, () -> atBound.addAll(VICTIM, List.of("x", "y")));
        ORSet<String> other = atBound.join(atBound.add(A, "x"));
        assertTrue(other.contains("x"), "other replicas keep writing");

        EWFlag flag = JsonCodec.of(EWFlag.class).decode("{\"type\":\"EWFlag\",\"context\":{\"vv\":{\"a\":" + MAX + "}}}");
        assertThrows(CounterOverflowException.class, () -> flag.enable(A));
        MVRegister<String> reg = JsonCodec.of(new TypeReference<MVRegister<String>>() { })
                .decode("{\"type\":\"MVRegister\",\"context\":{\"vv\":{\"a\":" + MAX + "}}}");
        assertThrows(CounterOverflowException.class, () -> reg.write(A, "v"));
        AWLWWMap<String, String> map = JsonCodec.of(new TypeReference<AWLWWMap<String, String>>() { })
                .decode("{\"type\":\"AWLWWMap\",\"context\":{\"vv\":{\"a\":" + MAX + "}}}");
        HybridLogicalClock clock = HybridLogicalClock.of(() -> 1_700_000_000_000L, 500, HlcTimestamp.ZERO);
        assertThrows(CounterOverflowException.class, () -> map.put(A, clock, "k", "v"));
    }
}
