package io.converge.crdt.simulation;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.RandomGenerator;

/**
 * One type configuration of the contract suites ({@code *Properties}, {@code codec/*CodecProperties})
 * as the simulation runs it: its bottom, its codec (every frame and record is encoded) and its
 * operations from {@link ConvergeArbitraries}. Schedules come from jqwik's generator fed by a
 * {@link Random} of the seed, so a seed names one schedule, in any JVM (for one jqwik version);
 * run inside a jqwik container ({@code @Example}), which the generators need.
 *
 * @param name what {@code -Dconverge.sim.type} names
 */
record SimulatedType<S extends ReplicatedData<S>>(String name, S bottom, CrdtCodec<S> codec,
        Arbitrary<Operation<S>> operations) {
    /** Generations size: large enough that lists use their whole length range. */
    private static final int GEN_SIZE = 1000;

    static final List<SimulatedType<?>> ALL = List.of(
            new SimulatedType<>("gcounter", GCounter.empty(), CrdtCodecs.gCounter(),
                    ConvergeArbitraries.gCounterOperations()),
            new SimulatedType<>("pncounter", PNCounter.empty(), CrdtCodecs.pnCounter(),
                    ConvergeArbitraries.pnCounterOperations()),
            new SimulatedType<>("causalcounter", CausalCounter.empty(), CrdtCodecs.causalCounter(),
                    ConvergeArbitraries.causalCounterOperations()),
            new SimulatedType<>("orset", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()),
                    ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())),
            new SimulatedType<>("ewflag", EWFlag.empty(), CrdtCodecs.ewFlag(), ConvergeArbitraries.ewFlagOperations()),
            new SimulatedType<>("dwflag", DWFlag.empty(), CrdtCodecs.dwFlag(), ConvergeArbitraries.dwFlagOperations()),
            new SimulatedType<>("mvregister", MVRegister.<Integer>empty(), CrdtCodecs.mvRegister(ValueCodec.int32()),
                    ConvergeArbitraries.mvRegisterOperations(Arbitraries.integers().between(0, 9))),
            new SimulatedType<>("lwwregister", LWWRegister.<Integer>empty(), CrdtCodecs.lwwRegister(ValueCodec.int32()),
                    ConvergeArbitraries.lwwRegisterOperations(Arbitraries.integers().between(0, 9))),
            new SimulatedType<>("awlwwmap", AWLWWMap.<String, Integer>empty(),
                    CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.int32()),
                    ConvergeArbitraries.awlwwMapOperations(ConvergeArbitraries.smallStrings(),
                            Arbitraries.integers().between(0, 9))),
            new SimulatedType<>("ormap-counters", ORMap.<String, CausalCounter>empty(CausalCounter.empty()),
                    CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.causalCounter()),
                    ConvergeArbitraries.orMapOperations(ConvergeArbitraries.smallStrings(),
                            ConvergeArbitraries.causalCounterOperations())),
            new SimulatedType<>("ormap-flags", ORMap.<String, EWFlag>empty(EWFlag.empty()),
                    CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.ewFlag()),
                    ConvergeArbitraries.orMapOperations(ConvergeArbitraries.smallStrings(),
                            ConvergeArbitraries.ewFlagOperations())),
            new SimulatedType<>("ormap-registers", ORMap.<String, MVRegister<Long>>empty(MVRegister.<Long>empty()),
                    CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.mvRegister(ValueCodec.int64())),
                    ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"),
                            ConvergeArbitraries.mvRegisterOperations(Arbitraries.longs().between(0, 9)))),
            new SimulatedType<>("ormap-sets", ORMap.<String, ORSet<String>>empty(ORSet.<String>empty()),
                    CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string())),
                    ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y", "z"),
                            ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()))),
            new SimulatedType<>("ormap-maps",
                    ORMap.<String, ORMap<String, ORSet<String>>>empty(ORMap.<String, ORSet<String>>empty(ORSet.<String>empty())),
                    CrdtCodecs.orMap(ValueCodec.string(),
                            CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string()))),
                    ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"),
                            ConvergeArbitraries.orMapOperations(Arbitraries.of("p", "q"),
                                    ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())))),
            new SimulatedType<>("ormap-mixed", io.converge.crdt.MixedORMap.<String>empty(),
                    CrdtCodecs.mixedMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string()), CrdtCodecs.ewFlag(),
                            CrdtCodecs.causalCounter()),
                    ConvergeArbitraries.mixedMapOperations(Arbitraries.of("x", "y"),
                            ConvergeArbitraries.mixedMapUpdates(Arbitraries.of("x", "y"), ORSet.<String>empty(),
                                    ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())),
                            ConvergeArbitraries.mixedMapUpdates(Arbitraries.of("x", "y"), EWFlag.empty(),
                                    ConvergeArbitraries.ewFlagOperations()),
                            ConvergeArbitraries.mixedMapUpdates(Arbitraries.of("x", "y"), CausalCounter.empty(),
                                    ConvergeArbitraries.causalCounterOperations()))),
            new SimulatedType<>("ormap-lwwmaps",
                    ORMap.<String, AWLWWMap<String, Integer>>empty(AWLWWMap.<String, Integer>empty()),
                    CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.int32())),
                    ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"),
                            ConvergeArbitraries.awlwwMapOperations(ConvergeArbitraries.smallStrings(),
                                    Arbitraries.integers().between(0, 9)))));

    /** The configuration called {@code name}. */
    static SimulatedType<?> named(String name) {
        for (SimulatedType<?> t : ALL) {
            if (t.name.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no simulated type '" + name + "'; one of "
                + ALL.stream().map(SimulatedType::name).toList());
    }

    /** A simulator builder for this type. */
    Simulator.Builder<S> builder() {
        return Simulator.builder(bottom, codec);
    }

    /** Generators of schedules by shape, made once: jqwik memoizes them only per arbitrary. */
    private static final Map<String, RandomGenerator<?>> GENERATORS = new HashMap<>();

    /** The schedule {@code random} draws for this type: {@code nodes} nodes, up to {@code keys} keys. */
    @SuppressWarnings("unchecked")
    Schedule<S> schedule(Random random, int nodes, int keys, int maxSteps) {
        String shape = name + "/" + nodes + "/" + keys + "/" + maxSteps;
        RandomGenerator<Schedule<S>> g = (RandomGenerator<Schedule<S>>) GENERATORS.computeIfAbsent(shape,
                s -> ConvergeArbitraries.schedules(operations, nodes, keys, maxSteps).generator(GEN_SIZE));
        return g.next(random).value();
    }
}
