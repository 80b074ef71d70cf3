package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfSetsProperties extends ReplicatedDataContract<ORMap<String, ORSet<String>>> {
    @Override
    ORMap<String, ORSet<String>> bottom() {
        return ORMap.empty(ORSet.<String>empty());
    }

    @Override
    Arbitrary<Operation<ORMap<String, ORSet<String>>>> operations() {
        return ConvergeArbitraries.orMapOperations(ConvergeArbitraries.smallStrings(), ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()));
    }
}
