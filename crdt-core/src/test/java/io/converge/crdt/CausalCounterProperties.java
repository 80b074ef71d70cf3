package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class CausalCounterProperties extends ReplicatedDataContract<CausalCounter> {
    @Override
    CausalCounter bottom() {
        return CausalCounter.empty();
    }

    @Override
    Arbitrary<Operation<CausalCounter>> operations() {
        return ConvergeArbitraries.causalCounterOperations();
    }
}
