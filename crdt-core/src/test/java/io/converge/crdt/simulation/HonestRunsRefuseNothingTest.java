package io.converge.crdt.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.protocol.MachineStats;
import io.converge.crdt.testing.Simulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;

/**
 * No false alarm: over seeded simulated schedules of every type (reordering, duplicates, drops,
 * crashes with torn writes, restarts from the simulated disk, partitions), no replica ever
 * refuses an honest delta or state as a conflict, nor takes its own id for reused. A false
 * positive would be worse than the divergence the checks exist to catch: it stops a key, or all
 * of a node's writes, for good. A jqwik container, as {@link SimulationTest}: the schedules come
 * from jqwik's generators.
 */
class HonestRunsRefuseNothingTest {
    private static final int SCHEDULES = Integer.getInteger("converge.sim.honestSchedules", 1_000);

    @Example
    void seededSchedulesOfEveryTypeRefuseNothing() {
        long base = Long.getLong("converge.sim.baseSeed", new Random().nextLong());
        List<String> alarms = new ArrayList<>();
        for (int i = 0; i < SCHEDULES; i++) {
            SimulatedType<?> type = SimulatedType.ALL.get(i % SimulatedType.ALL.size());
            SimulationTest.Run<?> run = SimulationTest.Run.of(SimulationTest.seedOf(base, i), type);
            alarms.addAll(alarms(run));
        }
        assertEquals(List.of(), alarms, "base seed " + base);
    }

    private static <S extends io.converge.crdt.ReplicatedData<S>> List<String> alarms(SimulationTest.Run<S> run) {
        Simulator<S> sim = run.builder(false).build(run.schedule());
        sim.run(run.schedule());
        Runs.healAndCheck(sim);
        List<String> out = new ArrayList<>();
        for (int n = 0; n < sim.nodes(); n++) {
            MachineStats m = sim.replicator(n).stats().protocol();
            if (m.conflictsRefused() > 0 || m.replicaIdReused()) {
                out.add(run.replayCommand() + ": node " + n + " refused " + m.conflictsRefused()
                        + " conflicts, id reused: " + m.replicaIdReused());
            }
        }
        return out;
    }
}
