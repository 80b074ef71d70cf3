package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
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
 * The real protocol machines of three nodes, under schedules that reorder, duplicate and drop
 * messages, crash nodes and partition the network; then a quiet period of reliable delivery.
 * Every node must end with, for every key, exactly the join of every delta written to it.
 */
class SyncMachineProperties {
    /** Small messages and buffers, so chunking and eviction happen in small runs too. */
    static final SyncConfig TIGHT = SyncConfig.builder().maxEntriesPerMessage(2).bufferMaxEntries(6)
            .ackTimeout(Duration.ofMillis(500)).syncInterval(Duration.ofMillis(50)).build();

    @Provide
    Arbitrary<Schedule<ORSet<String>>> orSetSchedules() {
        return ConvergeArbitraries.schedules(ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()), 3, 4, 60);
    }

    @Property(tries = 200)
    void orSetStoresConvergeUnderLossReorderingCrashesAndPartitions(@ForAll("orSetSchedules") Schedule<ORSet<String>> schedule) {
        for (SyncConfig config : new SyncConfig[] {TIGHT, SyncConfig.defaults()}) {
            Simulator<ORSet<String>> sim = new Simulator<>(ORSet.empty(), schedule.nodes(), config);
            sim.run(schedule);
            sim.healAndSettle(200);
            sim.checkConverged();
        }
    }

    /** Repeats each update 1 to 4 times in a row, so group commit gets groups with repeated keys. */
    static <S extends io.converge.crdt.ReplicatedData<S>> Arbitrary<Schedule<S>> bursts(Arbitrary<Schedule<S>> schedules) {
        return schedules.flatMap(sch -> Arbitraries.integers().between(1, 4).list().ofSize(sch.steps().size()).map(reps -> {
            java.util.List<Schedule.Step<S>> steps = new java.util.ArrayList<>();
            for (int i = 0; i < sch.steps().size(); i++) {
                Schedule.Step<S> st = sch.steps().get(i);
                for (int r = st instanceof Schedule.Update<S> ? reps.get(i) : 1; r > 0; r--) {
                    steps.add(st);
                }
            }
            return new Schedule<>(sch.nodes(), steps);
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
            Simulator<ORSet<String>> sim = new Simulator<>(ORSet.empty(), schedule.nodes(), config);
            sim.groupCommit(true);
            sim.run(schedule);
            sim.healAndSettle(200);
            sim.checkConverged();
        }
    }

    @Provide
    Arbitrary<Schedule<AWLWWMap<String, Integer>>> mapSchedules() {
        return ConvergeArbitraries.schedules(ConvergeArbitraries.awlwwMapOperations(ConvergeArbitraries.smallStrings(),
                Arbitraries.integers().between(0, 9)), 3, 3, 60);
    }

    @Property(tries = 200)
    void awlwwMapStoresConverge(@ForAll("mapSchedules") Schedule<AWLWWMap<String, Integer>> schedule) {
        Simulator<AWLWWMap<String, Integer>> sim = new Simulator<>(AWLWWMap.empty(), schedule.nodes(), TIGHT);
        sim.run(schedule);
        sim.healAndSettle(200);
        sim.checkConverged();
    }

    @Property(tries = 200)
    void awlwwMapStoresConvergeWhenUpdatesAreAppliedInGroups(
            @ForAll("mapBursts") Schedule<AWLWWMap<String, Integer>> schedule) {
        Simulator<AWLWWMap<String, Integer>> sim = new Simulator<>(AWLWWMap.empty(), schedule.nodes(), TIGHT);
        sim.groupCommit(true);
        sim.run(schedule);
        sim.healAndSettle(200);
        sim.checkConverged();
    }

    @Provide
    Arbitrary<Schedule<PNCounter>> counterSchedules() {
        return ConvergeArbitraries.schedules(ConvergeArbitraries.pnCounterOperations(), 4, 3, 60);
    }

    @Property(tries = 200)
    void counterStoresConvergeOnFourNodes(@ForAll("counterSchedules") Schedule<PNCounter> schedule) {
        Simulator<PNCounter> sim = new Simulator<>(PNCounter.empty(), schedule.nodes(), TIGHT);
        sim.run(schedule);
        sim.healAndSettle(200);
        sim.checkConverged();
    }

    @Provide
    Arbitrary<Schedule<ORMap<String, ORSet<String>>>> nestedSchedules() {
        return ConvergeArbitraries.schedules(ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"),
                ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())), 3, 2, 60);
    }

    @Property(tries = 100)
    void nestedMapStoresConverge(@ForAll("nestedSchedules") Schedule<ORMap<String, ORSet<String>>> schedule) {
        Simulator<ORMap<String, ORSet<String>>> sim = new Simulator<>(ORMap.empty(ORSet.<String>empty()),
                schedule.nodes(), TIGHT);
        sim.run(schedule);
        sim.healAndSettle(200);
        sim.checkConverged();
    }

    @Property(tries = 50)
    void inSyncNodesSendOnlyHeartbeatsWhenIdle(@ForAll("orSetSchedules") Schedule<ORSet<String>> schedule) {
        Simulator<ORSet<String>> sim = new Simulator<>(ORSet.empty(), schedule.nodes(), SyncConfig.defaults());
        sim.run(schedule);
        sim.healAndSettle(200);
        long before = sim.messagesDelivered();
        // Ten idle seconds: only heartbeats (every 2 s per link) may flow.
        for (int i = 0; i < 10; i++) {
            sim.run(new Schedule.Tick<>(1000));
            for (int k = 0; k < 20; k++) {
                sim.run(new Schedule.Deliver<>(0));
            }
        }
        long idle = sim.messagesDelivered() - before;
        assertTrue(idle <= 6 * 6, "3 nodes, 6 links, a heartbeat per link every 2 s: got " + idle + " messages");
    }
}
