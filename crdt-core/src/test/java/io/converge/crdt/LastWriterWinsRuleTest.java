package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The tie rule of docs/data-types.md, pinned: a write is one clock event, so writes whose clocks
 * read the same time tie on their stamps and the larger replica id wins, even after the writer
 * overwrote its own earlier value.
 */
class LastWriterWinsRuleTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    @Test
    void aRegisterTieAfterAnOwnEarlierWriteGoesToTheLargerReplicaId() {
        AtomicLong timeA = new AtomicLong(0);
        AtomicLong timeB = new AtomicLong(10);
        HybridLogicalClock clockA = HybridLogicalClock.of(timeA::get, 500, HlcTimestamp.ZERO);
        HybridLogicalClock clockB = HybridLogicalClock.of(timeB::get, 500, HlcTimestamp.ZERO);
        LWWRegister<String> a = LWWRegister.empty();
        a = a.join(a.write(A, clockA, "a1"));
        timeA.set(10);
        a = a.join(a.write(A, clockA, "a2"));
        LWWRegister<String> b = LWWRegister.<String>empty();
        b = b.join(b.write(B, clockB, "b1"));
        assertEquals(Optional.of("b1"), a.join(b).value(), "both stamps read (10, 0): b is larger");
        assertEquals(Optional.of("b1"), b.join(a).value());
    }

    @Test
    void aMapTieAfterAnOwnEarlierPutGoesToTheLargerReplicaId() {
        AtomicLong timeA = new AtomicLong(0);
        HybridLogicalClock clockA = HybridLogicalClock.of(timeA::get, 500, HlcTimestamp.ZERO);
        HybridLogicalClock clockB = HybridLogicalClock.of(() -> 10, 500, HlcTimestamp.ZERO);
        AWLWWMap<String, String> a = AWLWWMap.empty();
        a = a.join(a.put(A, clockA, "k", "a1"));
        timeA.set(10);
        a = a.join(a.put(A, clockA, "k", "a2"));
        AWLWWMap<String, String> b = AWLWWMap.empty();
        b = b.join(b.put(B, clockB, "k", "b1"));
        assertEquals(Optional.of("b1"), a.join(b).get("k"));
    }

    /**
     * Reference model: on a clock frozen at time t, a replica that sees only its own writes stamps
     * its n-th write (t, n - 1): one event per write, never two.
     */
    @Property(tries = 200)
    void ownOverwritesCostOneClockEventEach(@ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 3) Integer> gaps) {
        AtomicLong time = new AtomicLong(1_000);
        HybridLogicalClock clock = HybridLogicalClock.of(time::get, 500, HlcTimestamp.ZERO);
        LWWRegister<Integer> r = LWWRegister.empty();
        HlcTimestamp model = HlcTimestamp.ZERO;
        for (int i = 0; i < gaps.size(); i++) {
            time.addAndGet(gaps.get(i));
            model = model.millis() == time.get() ? HlcTimestamp.of(model.millis(), model.counter() + 1)
                    : HlcTimestamp.of(time.get(), 0);
            r = r.join(r.write(A, clock, i));
            assertEquals(model, clock.last(), "write " + i + " is one event");
        }
        assertEquals(Optional.of(gaps.size() - 1), r.value());
    }
}
