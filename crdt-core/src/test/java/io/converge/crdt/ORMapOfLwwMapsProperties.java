package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfLwwMapsProperties extends ReplicatedDataContract<ORMap<String, AWLWWMap<String, Integer>>> {
    @Override
    ORMap<String, AWLWWMap<String, Integer>> bottom() {
        return ORMap.empty(AWLWWMap.<String, Integer>empty());
    }

    @Override
    Arbitrary<Operation<ORMap<String, AWLWWMap<String, Integer>>>> operations() {
        return ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"), ConvergeArbitraries.awlwwMapOperations(ConvergeArbitraries.smallStrings(), Arbitraries.integers().between(0, 9)));
    }
}
