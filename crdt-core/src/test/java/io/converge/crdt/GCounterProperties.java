package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class GCounterProperties extends ReplicatedDataContract<GCounter> {
    @Override
    GCounter bottom() {
        return GCounter.empty();
    }

    @Override
    Arbitrary<Operation<GCounter>> operations() {
        return ConvergeArbitraries.gCounterOperations();
    }
}
