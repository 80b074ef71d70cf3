package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * The lattice, delta-mutator and convergence laws for a map whose two keys are given sets, flags,
 * counters, maps of flags, maps of sets and nested mixed maps by different replicas, so that
 * concurrent updates often give one key two or more types.
 */
class MixedORMapProperties extends ReplicatedDataContract<MixedORMap<String>> {
    static Arbitrary<Operation<MixedORMap<String>>> mixedOperations() {
        Arbitrary<String> keys = Arbitraries.of("x", "y");
        Arbitrary<String> inner = Arbitraries.of("p", "q");
        Arbitrary<Operation<MixedORMap<String>>> nested = ConvergeArbitraries.mixedMapOperations(inner,
                ConvergeArbitraries.mixedMapUpdates(inner, ORSet.<String>empty(),
                        ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())),
                ConvergeArbitraries.mixedMapUpdates(inner, EWFlag.empty(), ConvergeArbitraries.ewFlagOperations()));
        return ConvergeArbitraries.mixedMapOperations(keys,
                ConvergeArbitraries.mixedMapUpdates(keys, ORSet.<String>empty(),
                        ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())),
                ConvergeArbitraries.mixedMapUpdates(keys, EWFlag.empty(), ConvergeArbitraries.ewFlagOperations()),
                ConvergeArbitraries.mixedMapUpdates(keys, CausalCounter.empty(),
                        ConvergeArbitraries.causalCounterOperations()),
                ConvergeArbitraries.mixedMapUpdates(keys, ORMap.<String, EWFlag>empty(EWFlag.empty()),
                        ConvergeArbitraries.orMapOperations(inner, ConvergeArbitraries.ewFlagOperations())),
                ConvergeArbitraries.mixedMapUpdates(keys, ORMap.<String, ORSet<String>>empty(ORSet.empty()),
                        ConvergeArbitraries.orMapOperations(inner,
                                ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()))),
                ConvergeArbitraries.mixedMapUpdates(keys, MixedORMap.<String>empty(), nested));
    }

    @Override
    MixedORMap<String> bottom() {
        return MixedORMap.empty();
    }

    @Override
    Arbitrary<Operation<MixedORMap<String>>> operations() {
        return mixedOperations();
    }
}
