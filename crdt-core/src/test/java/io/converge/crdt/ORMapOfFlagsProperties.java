package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfFlagsProperties extends ReplicatedDataContract<ORMap<String, EWFlag>> {
    @Override
    ORMap<String, EWFlag> bottom() {
        return ORMap.empty(EWFlag.empty());
    }

    @Override
    Arbitrary<Operation<ORMap<String, EWFlag>>> operations() {
        return ConvergeArbitraries.orMapOperations(ConvergeArbitraries.smallStrings(), ConvergeArbitraries.ewFlagOperations());
    }
}
