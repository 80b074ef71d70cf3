package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfCountersProperties extends ReplicatedDataContract<ORMap<String, CausalCounter>> {
    @Override
    ORMap<String, CausalCounter> bottom() {
        return ORMap.empty(CausalCounter.empty());
    }

    @Override
    Arbitrary<Operation<ORMap<String, CausalCounter>>> operations() {
        return ConvergeArbitraries.orMapOperations(ConvergeArbitraries.smallStrings(), ConvergeArbitraries.causalCounterOperations());
    }
}
