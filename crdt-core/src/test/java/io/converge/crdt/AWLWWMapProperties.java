package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class AWLWWMapProperties extends ReplicatedDataContract<AWLWWMap<String, Integer>> {
    @Override
    AWLWWMap<String, Integer> bottom() {
        return AWLWWMap.empty();
    }

    @Override
    Arbitrary<Operation<AWLWWMap<String, Integer>>> operations() {
        return ConvergeArbitraries.awlwwMapOperations(ConvergeArbitraries.smallStrings(), Arbitraries.integers().between(0, 9));
    }
}
