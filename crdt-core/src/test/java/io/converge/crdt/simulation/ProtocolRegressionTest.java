package io.converge.crdt.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The {@code SyncMachine} bugs the simulator found, each reduced to a short deterministic schedule
 * (no random faults: every loss is an explicit step): a stale ack ending a newer transfer, a resend
 * after eviction skipping the evicted deltas, a transfer acknowledged without a lost chunk. Each
 * failed before its fix.
 */
class ProtocolRegressionTest {
    private static final ReplicaId N0 = ReplicaId.of("n0");
    /** 10 ms links, views without lag, instant disks: every step's timing is known. */
    private static final Simulator.Faults EXACT = new Simulator.Faults(10, 10, 0, 0, 0, 0, 0, 0, 0, 4_000, 0, 0);
    /** Heartbeats rare enough that digest repair cannot hide what the protocol itself lost. */
    private static final SyncConfig.Builder SLOW_REPAIR = SyncConfig.builder().ackTimeout(Duration.ofMillis(500))
            .heartbeatInterval(Duration.ofSeconds(30));

    private static Simulator<ORSet<String>> sim(SyncConfig sync) {
        return CrashScenariosTest.sets().nodes(2).faults(EXACT).sync(sync).traceEvents(true).build();
    }

    private static Schedule.Update<ORSet<String>> addAll(int node, String key, List<String> elements) {
        return new Schedule.Update<>(node, key, Operation.<ORSet<String>>of("addAll" + elements,
                (s, c) -> s.addAll(c.replica(), elements)));
    }

    /** The index of the one frame in flight that {@code which} picks. */
    private static int pick(Simulator<?> sim, Predicate<Message> which) {
        List<Simulator.Delivery> inFlight = sim.inFlight();
        int found = -1;
        for (int i = 0; i < inFlight.size(); i++) {
            if (which.test(inFlight.get(i).message())) {
                assertEquals(-1, found, "one such frame in flight: " + inFlight);
                found = i;
            }
        }
        assertTrue(found >= 0, "such a frame is in flight: " + inFlight);
        return found;
    }

    @Test
    void anAckSentBeforeATransferRestartedDoesNotEndTheNewTransfer() {
        Simulator<ORSet<String>> sim = sim(SLOW_REPAIR.build());
        sim.run(new Schedule.Partition<>(0b01)); // apart from the start: n1 will need a transfer
        sim.run(CrashScenariosTest.add(0, "k0", "a"));
        sim.advance(100);
        sim.run(new Schedule.Partition<>(0)); // offer, request, states; n1 acknowledges 30 ms in
        sim.advance(35);
        // The ack is in flight when n0's view of n1 flaps: n0 forgets its transfer and starts
        // another one to the same position. n1 writes meanwhile, so it will ask for k0 again.
        sim.run(new Schedule.Suspect<>(0, 1));
        sim.run(CrashScenariosTest.add(1, "k0", "c"));
        sim.advance(10_000);
        assertFalse(sim.replicator(1).stats().peers().get(N0).receivingTransfer(),
                "n1 still waits for the transfer n0 ended on the stale ack\n" + sim.traceText());
    }

    @Test
    void anIntervalResentAfterItsDeltasWereEvictedBecomesATransfer() {
        // Counters: unlike a causal type, whose receiver finds the gap and nacks, nothing notices.
        Simulator<GCounter> sim = Simulator.builder(GCounter.empty(), CrdtCodecs.gCounter()).nodes(2).faults(EXACT)
                .sync(SLOW_REPAIR.bufferMaxEntries(2).build()).traceEvents(true).build();
        Operation<GCounter> inc = Operation.of("increment(1)", (g, c) -> g.increment(c.replica(), 1));
        sim.advance(100);
        sim.run(new Schedule.Update<>(0, "a", inc));
        sim.advance(5);
        sim.run(new Schedule.Drop<>(pick(sim, m -> m instanceof Message.Deltas))); // Δ[0,1) is lost
        for (int i = 0; i < 2; i++) {
            sim.run(new Schedule.Update<>(0, "b", inc)); // the buffer of 2 evicts the update of a
            sim.advance(1);
        }
        sim.advance(2_000); // the ack timeout resends from position 0
        assertEquals(1, sim.get(1, "a").map(GCounter::value).orElse(0L),
                "n1 acknowledged an interval that lacked the evicted update of a\n" + sim.traceText());
    }

    @Test
    void aTransferWithALostChunkIsNotAcknowledged() {
        Simulator<ORSet<String>> sim = sim(SLOW_REPAIR.maxEntriesPerMessage(2).build());
        sim.advance(100);
        sim.run(new Schedule.Partition<>(0b01));
        sim.run(CrashScenariosTest.add(0, "k0", "a"));
        sim.run(addAll(0, "k1", List.of("b", "c")));
        sim.run(new Schedule.Crash<>(1, 0));
        sim.run(new Schedule.Restart<>(1)); // a new incarnation: n0 will send it everything
        sim.advance(100);
        sim.run(new Schedule.Partition<>(0));
        sim.advance(25); // offer, request; now the answer is in flight in two chunks, k0 then k1
        sim.run(new Schedule.Drop<>(pick(sim, m -> m instanceof Message.States s && s.states().containsKey("k0"))));
        sim.advance(3_000);
        assertTrue(sim.get(1, "k0").isPresent(), "n1 acknowledged the transfer without k0\n" + sim.traceText());
    }
}
