package io.converge.crdt.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.store.FsyncPolicy;
import io.converge.crdt.testing.ConvergenceFailure;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import org.junit.jupiter.api.Test;

/** Crashes on the simulator: what survives on the simulated disk, and how a node comes back. */
class CrashScenariosTest {
    /** Disk writes take 20 to 40 ms, so a crash right after updates finds one pending. */
    static final Simulator.Faults SLOW_DISK = new Simulator.Faults(1, 5, 0, 0, 0, 0, 0, 50, 0, 4_000, 40, 0);

    static Simulator.Builder<ORSet<String>> sets() {
        return Simulator.builder(ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
    }

    static Schedule.Update<ORSet<String>> add(int node, String key, String element) {
        return new Schedule.Update<>(node, key, Operation.<ORSet<String>>of("add(" + element + ")",
                (s, c) -> s.add(c.replica(), element)));
    }

    @Test
    void aCrashUnderFsyncAlwaysLosesNoAcknowledgedWriteAndTheNodeCatchesUp() {
        Simulator<ORSet<String>> sim = sets().nodes(3).faults(Simulator.Faults.typical()).seed(7).build();
        sim.advance(2_000);
        for (int i = 0; i < 30; i++) {
            sim.run(add(0, "k" + (i % 3), "e" + i));
            sim.run(add(1, "k" + (i % 3), "f" + i));
            sim.advance(7);
        }
        int acknowledged = sim.acknowledgedWrites();
        sim.run(new Schedule.Crash<>(0, 50));
        assertTrue(acknowledged > 40, "most writes were acknowledged before the crash: " + acknowledged);
        sim.advance(1_000);
        for (int i = 0; i < 10; i++) {
            sim.run(add(1, "k0", "while-n0-is-down-" + i)); // n0 must catch up with these
        }
        sim.advance(1_000);
        sim.run(new Schedule.Restart<>(0));
        assertEquals(2, sim.incarnation(0), "a restart is a new incarnation");
        Runs.healAndCheck(sim); // every acknowledged write on every node, all equal
        assertTrue(sim.get(0, "k0").orElseThrow().contains("while-n0-is-down-9"));
    }

    @Test
    void aTornLastRecordIsDroppedAtRecoveryAndTheNodeRecoversThroughTheRealDecoder() {
        Simulator<ORSet<String>> sim = sets().nodes(2).faults(SLOW_DISK).seed(3).traceEvents(true).build();
        sim.advance(1_000);
        for (int i = 0; i < 5; i++) {
            sim.run(add(0, "k", "durable-" + i));
            sim.advance(100);
        }
        // One update, then the crash while its record is being written: half of it lands.
        sim.run(add(0, "k", "torn"));
        sim.run(new Schedule.Crash<>(0, 50));
        sim.run(new Schedule.Restart<>(0));
        assertTrue(sim.disk(0).droppedTornRecord(), "recovery found the cut record and dropped it\n" + sim.traceText());
        ORSet<String> recovered = sim.get(0, "k").orElseThrow();
        assertTrue(recovered.contains("durable-4"), "every acknowledged record was replayed");
        assertTrue(!recovered.contains("torn"), "the torn write was never acknowledged and is gone");
        Runs.healAndCheck(sim);
    }

    @Test
    void aCrashUnderFsyncNeverCanLoseAcknowledgedWritesAndTheCheckSaysSo() {
        // Why crash schedules run with ALWAYS: here n0's acknowledged writes never left its page cache.
        Simulator<ORSet<String>> sim = sets().nodes(2).fsync(FsyncPolicy.NEVER).snapshotEvery(1_000).build();
        sim.advance(1_000);
        sim.run(new Schedule.Partition<>(0b01)); // n0 alone: nobody else gets its writes either
        sim.advance(1_000);
        sim.run(add(0, "k", "acknowledged"));
        sim.advance(100);
        assertEquals(1, sim.acknowledgedWrites());
        sim.run(new Schedule.Crash<>(0, 0)); // power loss: nothing unsynced survives
        ConvergenceFailure f = assertThrows(ConvergenceFailure.class, () -> {
            sim.healAndSettle();
            sim.check();
        });
        assertTrue(f.getMessage().contains("acknowledged write is lost"), f.getMessage());
    }
}
