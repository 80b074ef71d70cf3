package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class EWFlagProperties extends ReplicatedDataContract<EWFlag> {
    @Override
    EWFlag bottom() {
        return EWFlag.empty();
    }

    @Override
    Arbitrary<Operation<EWFlag>> operations() {
        return ConvergeArbitraries.ewFlagOperations();
    }
}
