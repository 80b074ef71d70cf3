package io.converge.crdt;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class MVRegisterProperties extends ReplicatedDataContract<MVRegister<Integer>> {
    @Override
    MVRegister<Integer> bottom() {
        return MVRegister.empty();
    }

    @Override
    Arbitrary<Operation<MVRegister<Integer>>> operations() {
        return ConvergeArbitraries.mvRegisterOperations(Arbitraries.integers().between(0, 9));
    }
}
