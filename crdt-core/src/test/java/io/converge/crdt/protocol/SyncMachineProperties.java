package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.simulation.Runs;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The real engine of three and four nodes on the {@link Simulator}, under jqwik schedules that
 * reorder, duplicate and drop frames, crash, restart and remove nodes and cut links; then a heal
 * and a quiet period. Every node must end with equal states holding every acknowledged write
 * (and, when nothing crashed, nothing beyond what was written). jqwik shrinks a failing schedule;
 * {@code simulation.SimulationTest} runs many more, seeded, over every type.
 */
class SyncMachineProperties {
    /** Small messages and buffers, so chunking and eviction happen in small runs too. */
    static final SyncConfig TIGHT = (SyncConfig.builder().maxEntriesPerMessage(2)
            .bufferMaxEntries(6).ackTimeout(Duration.ofMillis(500)).syncInterval(Duration.ofMillis(50)).build());

    @Provide
    Arbitrary<Schedule<ORSet<String>>> orSetSchedules() {
        return ConvergeArbitraries.schedules(ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()), 3, 4, 60);
    }

    @Property(tries = 200)
    void orSetStoresConvergeUnderLossReorderingCrashesAndPartitions(@ForAll("orSetSchedules") Schedule<ORSet<String>> schedule) {
        for (SyncConfig config : new SyncConfig[] {TIGHT, SyncConfig.defaults()}) {
            Runs.check(sets().sync(config), schedule);
        }
    }

    private static Simulator.Builder<ORSet<String>> sets() {
        return Simulator.builder(ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()))
                .faults(Simulator.Faults.typical());
    }

    private static Simulator.Builder<AWLWWMap<String, Integer>> maps() {
        return Simulator.builder(AWLWWMap.<String, Integer>empty(), CrdtCodecs.awlwwMap(ValueCodec.string(),
                ValueCodec.int32())).faults(Simulator.Faults.typical()).sync(TIGHT);
    }

    /**
     * Repeats each update 1 to 4 times in a row: updates in a row reach a node's sync loop
     * together, so the driver's group commit gets groups with repeated keys.
     */
    static <S extends io.converge.crdt.ReplicatedData<S>> Arbitrary<Schedule<S>> bursts(Arbitrary<Schedule<S>> schedules) {
        return schedules.flatMap(sch -> Arbitraries.integers().between(1, 4).list().ofSize(sch.steps().size()).map(reps -> {
            java.util.List<Schedule.Step<S>> steps = new java.util.ArrayList<>();
            for (int i = 0; i < sch.steps().size(); i++) {
                Schedule.Step<S> st = sch.steps().get(i);
                for (int r = st instanceof Schedule.Update<S> ? reps.get(i) : 1; r > 0; r--) {
                    steps.add(st);
                }
            }
            return new Schedule<>(sch.nodes(), sch.seed(), steps);
        }));
    }

    @Provide
    Arbitrary<Schedule<ORSet<String>>> orSetBursts() {
        return bursts(orSetSchedules());
    }

    @Provide
    Arbitrary<Schedule<AWLWWMap<String, Integer>>> mapBursts() {
        return bursts(mapSchedules());
    }

    @Property(tries = 200)
    void orSetStoresConvergeWhenUpdatesAreAppliedInGroups(@ForAll("orSetBursts") Schedule<ORSet<String>> schedule) {
        for (SyncConfig config : new SyncConfig[] {TIGHT, SyncConfig.defaults()}) {
            Runs.check(sets().sync(config), schedule);
        }
    }

    @Provide
    Arbitrary<Schedule<AWLWWMap<String, Integer>>> mapSchedules() {
        return ConvergeArbitraries.schedules(ConvergeArbitraries.awlwwMapOperations(ConvergeArbitraries.smallStrings(),
                Arbitraries.integers().between(0, 9)), 3, 3, 60);
    }

    @Property(tries = 200)
    void awlwwMapStoresConverge(@ForAll("mapSchedules") Schedule<AWLWWMap<String, Integer>> schedule) {
        Runs.check(maps(), schedule);
    }

    @Property(tries = 200)
    void awlwwMapStoresConvergeWhenUpdatesAreAppliedInGroups(
            @ForAll("mapBursts") Schedule<AWLWWMap<String, Integer>> schedule) {
        Runs.check(maps(), schedule);
    }

    @Provide
    Arbitrary<Schedule<PNCounter>> counterSchedules() {
        return ConvergeArbitraries.schedules(ConvergeArbitraries.pnCounterOperations(), 4, 3, 60);
    }

    @Property(tries = 200)
    void counterStoresConvergeOnFourNodes(@ForAll("counterSchedules") Schedule<PNCounter> schedule) {
        Runs.check(Simulator.builder(PNCounter.empty(), CrdtCodecs.pnCounter()).faults(Simulator.Faults.harsh())
                .sync(TIGHT), schedule);
    }

    @Provide
    Arbitrary<Schedule<ORMap<String, ORSet<String>>>> nestedSchedules() {
        return ConvergeArbitraries.schedules(ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"),
                ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())), 3, 2, 60);
    }

    @Property(tries = 100)
    void nestedMapStoresConverge(@ForAll("nestedSchedules") Schedule<ORMap<String, ORSet<String>>> schedule) {
        Runs.check(Simulator.builder(ORMap.<String, ORSet<String>>empty(ORSet.<String>empty()),
                CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string())))
                .faults(Simulator.Faults.typical()).sync(TIGHT), schedule);
    }

    @Property(tries = 50)
    void inSyncNodesSendOnlyHeartbeatsWhenIdle(@ForAll("orSetSchedules") Schedule<ORSet<String>> schedule) {
        Simulator<ORSet<String>> sim = sets().sync(SyncConfig.defaults()).build(schedule);
        sim.run(schedule);
        Runs.healAndCheck(sim);
        long before = sim.framesDelivered();
        // Ten idle seconds: only heartbeats (every 2 s per link) may flow.
        sim.advance(10_000);
        long idle = sim.framesDelivered() - before;
        assertTrue(idle <= 6 * 6, "3 nodes, 6 links, a heartbeat per link every 2 s: got " + idle + " messages");
    }
}
