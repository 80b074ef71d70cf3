package io.converge.crdt.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.SyncStats;
import io.converge.crdt.protocol.MachineStats;
import io.converge.crdt.protocol.TransferReason;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Membership on the simulator: unreachable peers resume, leavers are released at once, crashed
 * peers are kept as unreachable and then removed, repeated and flapping views change nothing.
 */
class MembershipScenariosTest {
    private static final ReplicaId N2 = ReplicaId.of("n2");

    /** Reliable links; views take exactly {@code lag} ms; crashed peers removed after {@code removeAfter}. */
    private static Simulator.Faults views(long lag, double repeat, long removeAfter) {
        return new Simulator.Faults(1, 3, 0, 0, 0, 0, lag, lag, repeat, removeAfter, 2, 0);
    }

    private static Map<TransferReason, Long> onlyNewPeers(long n) {
        Map<TransferReason, Long> m = new EnumMap<>(TransferReason.class);
        for (TransferReason r : TransferReason.values()) {
            m.put(r, r == TransferReason.NEW_PEER ? n : 0L);
        }
        return m;
    }

    @Test
    void anUnreachablePeerResumesWithoutAFullTransferWhenNothingWasLost() {
        Simulator<ORSet<String>> sim = CrashScenariosTest.sets().nodes(3).faults(views(200, 0, 4_000)).build();
        sim.advance(2_000);
        for (int i = 0; i < 3; i++) {
            assertEquals(onlyNewPeers(2), sim.replicator(i).stats().transfers(), "one transfer per peer at first contact");
        }
        sim.run(new Schedule.Partition<>(0b100)); // n2 on its own
        sim.advance(1_000);
        assertFalse(sim.replicator(0).stats().peers().get(N2).up(), "n0 holds n2 unreachable");
        long kept = sim.replicator(0).stats().acknowledged(N2);
        assertTrue(kept >= 0, "and keeps its position");
        for (int i = 0; i < 20; i++) {
            sim.run(CrashScenariosTest.add(i % 3, "k" + (i % 4), "x" + i));
            sim.advance(50);
        }
        sim.run(new Schedule.Partition<>(0)); // heal
        Runs.healAndCheck(sim);
        for (int i = 0; i < 3; i++) {
            assertEquals(onlyNewPeers(2), sim.replicator(i).stats().transfers(),
                    "n" + i + " resumed from the acknowledged positions, with deltas only");
        }
    }

    @Test
    void aNodeThatLeavesIsReleasedAtOnceWhileACrashedOneStaysUnreachableUntilRemoved() {
        Simulator<ORSet<String>> sim = CrashScenariosTest.sets().nodes(4).faults(views(2_000, 0, 5_000)).build();
        sim.advance(3_000);
        sim.run(CrashScenariosTest.add(2, "k", "from n2"));
        sim.advance(100);
        sim.run(new Schedule.Leave<>(2));
        sim.advance(50); // far less than the 2 s views take: the goodbye did it
        for (int i : new int[] {0, 1, 3}) {
            assertFalse(sim.replicator(i).stats().peers().containsKey(N2), "n" + i + " released the leaver");
            assertTrue(sim.get(i, "k").orElseThrow().contains("from n2"), "after it flushed what it wrote");
        }

        ReplicaId n3 = ReplicaId.of("n3");
        sim.run(new Schedule.Crash<>(3, 0));
        sim.advance(1_000);
        assertTrue(sim.replicator(0).stats().peers().get(n3).up(), "a crash is noticed only when the view says so");
        sim.advance(1_500);
        MachineStats.PeerStats unreachable = sim.replicator(0).stats().peers().get(n3);
        assertFalse(unreachable.up(), "then the crashed node is unreachable");
        assertTrue(unreachable.acknowledged() >= 0, "and keeps its position, in case it comes back");
        sim.advance(5_000);
        assertFalse(sim.replicator(0).stats().peers().containsKey(n3), "until the detector removes it");
    }

    @Test
    void repeatedAndFlappingViewsDoNotResetProgress() {
        Simulator<ORSet<String>> sim = CrashScenariosTest.sets().nodes(3).faults(views(100, 0.9, 4_000)).build();
        sim.advance(2_000);
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 3; i++) {
                sim.run(CrashScenariosTest.add(i, "k" + round % 2, "r" + round + "n" + i));
            }
            sim.advance(500);
            SyncStats before = sim.replicator(round % 3).stats();
            int peer = (round + 1) % 3;
            ReplicaId peerId = ReplicaId.of("n" + peer);
            sim.run(new Schedule.Suspect<>(round % 3, peer)); // down, then up again: same incarnation
            sim.advance(500);
            SyncStats after = sim.replicator(round % 3).stats();
            assertTrue(after.peers().get(peerId).up(), "re-admitted");
            assertTrue(after.acknowledged(peerId) >= before.acknowledged(peerId), "kept its acknowledged position");
        }
        Runs.healAndCheck(sim);
        for (int i = 0; i < 3; i++) {
            assertEquals(onlyNewPeers(2), sim.replicator(i).stats().transfers(),
                    "n" + i + ": repeated peer-ups and flaps never started a transfer");
        }
    }
}
