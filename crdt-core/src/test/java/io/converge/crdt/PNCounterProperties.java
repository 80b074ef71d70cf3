package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class PNCounterProperties extends ReplicatedDataContract<PNCounter> {
    @Override
    PNCounter bottom() {
        return PNCounter.empty();
    }

    @Override
    Arbitrary<Operation<PNCounter>> operations() {
        return ConvergeArbitraries.pnCounterOperations();
    }
}
