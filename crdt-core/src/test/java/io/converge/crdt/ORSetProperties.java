package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitrary;

class ORSetProperties extends ReplicatedDataContract<ORSet<String>> {
    @Override
    ORSet<String> bottom() {
        return ORSet.empty();
    }

    @Override
    Arbitrary<Operation<ORSet<String>>> operations() {
        return ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings());
    }
}
