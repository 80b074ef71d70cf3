package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class DWFlagProperties extends ReplicatedDataContract<DWFlag> {
    @Override
    DWFlag bottom() {
        return DWFlag.empty();
    }

    @Override
    Arbitrary<Operation<DWFlag>> operations() {
        return ConvergeArbitraries.dwFlagOperations();
    }
}
