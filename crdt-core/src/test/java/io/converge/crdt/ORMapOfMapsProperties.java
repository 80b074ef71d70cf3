package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfMapsProperties extends ReplicatedDataContract<ORMap<String, ORMap<String, ORSet<String>>>> {
    @Override
    ORMap<String, ORMap<String, ORSet<String>>> bottom() {
        return ORMap.empty(ORMap.<String, ORSet<String>>empty(ORSet.<String>empty()));
    }

    @Override
    Arbitrary<Operation<ORMap<String, ORMap<String, ORSet<String>>>>> operations() {
        return ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"), ConvergeArbitraries.orMapOperations(Arbitraries.of("p", "q"), ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())));
    }
}
