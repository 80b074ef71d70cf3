package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
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

    @Test
    void aSetLargerThanAMessageTravelsInBoundedPartsAndArrivesWhole() {
        Simulator<ORSet<String>> sim = new Simulator<>(ORSet.empty(), 2, SMALL_MESSAGES);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 1234; i++) {
            many.add("e" + i);
        }
        // One delta of 1,234 elements: above the cap, so the peer gets a transfer in parts.
        sim.run(new Schedule.Update<>(0, "big", Operation.<ORSet<String>>of("addAll", (s, c) -> s.addAll(c.replica(), many))));
        AtomicInteger largest = new AtomicInteger();
        AtomicInteger parts = new AtomicInteger();
        sim.observeDeliveries(m -> {
            largest.accumulateAndGet(m.entries(), Math::max);
            if (m instanceof Message.StatePart) {
                parts.incrementAndGet();
            }
        });
        sim.healAndSettle(200);
        sim.checkConverged();
        assertEquals(1234, ((ORSet<?>) sim.machine(1).get("big").orElseThrow()).size());
        assertTrue(largest.get() <= 50, "largest message held " + largest.get() + " entries");
        assertTrue(parts.get() >= 25, "sent in parts: " + parts.get());
    }

    @Test
    void partsArrivingOutOfOrderWithLossStillAssemble() {
        Simulator<ORSet<String>> sim = new Simulator<>(ORSet.empty(), 3, SMALL_MESSAGES);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add("x" + i);
        }
        sim.run(new Schedule.Update<>(1, "big", Operation.<ORSet<String>>of("addAll", (s, c) -> s.addAll(c.replica(), many))));
        for (int i = 0; i < 300; i++) {
            sim.run(i % 7 == 0 ? new Schedule.Drop<>(i * 31) : new Schedule.Deliver<>(i * 17));
            if (i % 20 == 0) {
                sim.run(new Schedule.Tick<>(600));
            }
        }
        sim.healAndSettle(300);
        sim.checkConverged();
    }
}
