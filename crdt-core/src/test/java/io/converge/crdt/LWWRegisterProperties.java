package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class LWWRegisterProperties extends ReplicatedDataContract<LWWRegister<Integer>> {
    @Override
    LWWRegister<Integer> bottom() {
        return LWWRegister.empty();
    }

    @Override
    Arbitrary<Operation<LWWRegister<Integer>>> operations() {
        return ConvergeArbitraries.lwwRegisterOperations(Arbitraries.integers().between(0, 9));
    }
}
