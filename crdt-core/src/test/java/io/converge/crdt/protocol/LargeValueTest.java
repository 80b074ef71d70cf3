package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One key larger than a message: it travels in parts and is joined once, atomically. */
class LargeValueTest {
    private static final SyncConfig SMALL_MESSAGES = SyncConfig.builder().maxEntriesPerMessage(50).build();

    private static Simulator.Builder<ORSet<String>> sets() {
        return Simulator.builder(ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string())).sync(SMALL_MESSAGES);
    }

    private static Schedule.Update<ORSet<String>> addAll(int node, List<String> elements) {
        return new Schedule.Update<>(node, "big", Operation.<ORSet<String>>of("addAll(" + elements.size() + ")",
                (s, c) -> s.addAll(c.replica(), elements)));
    }

    @Test
    void aSetLargerThanAMessageTravelsInBoundedPartsAndArrivesWhole() {
        Simulator<ORSet<String>> sim = sets().nodes(2).build();
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 1234; i++) {
            many.add("e" + i);
        }
        AtomicInteger largest = new AtomicInteger();
        AtomicInteger parts = new AtomicInteger();
        sim.observeDeliveries(d -> {
            largest.accumulateAndGet(d.message().entries(), Math::max);
            if (d.message() instanceof Message.StatePart) {
                parts.incrementAndGet();
            }
        });
        // One delta of 1,234 elements: above the cap, so the peer gets a transfer in parts.
        sim.run(new Schedule.Tick<>(1_000));
        sim.run(addAll(0, many));
        sim.healAndSettle();
        sim.check();
        assertEquals(1234, sim.get(1, "big").orElseThrow().size());
        assertTrue(largest.get() <= 50, "largest message held " + largest.get() + " entries");
        assertTrue(parts.get() >= 25, "sent in parts: " + parts.get());
    }

    @Test
    void partsArrivingOutOfOrderWithLossStillAssemble() {
        Simulator<ORSet<String>> sim = sets().nodes(3).faults(new Simulator.Faults(5, 40, 10, 0, 0, 0, 0, 200, 0,
                4_000, 2, 0)).build();
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add("x" + i);
        }
        sim.run(new Schedule.Tick<>(1_000));
        sim.run(addAll(1, many));
        for (int i = 0; i < 300; i++) {
            sim.run(i % 7 == 0 ? new Schedule.Drop<>(i * 31) : new Schedule.Deliver<>(i * 17));
            sim.run(new Schedule.Tick<>(i % 20 == 0 ? 600 : 3));
        }
        sim.healAndSettle();
        sim.check();
        assertEquals(500, sim.get(0, "big").orElseThrow().size());
    }
}
