package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class LWWRegisterCodecProperties extends CodecContract<LWWRegister<Integer>> {
    @Override
    LWWRegister<Integer> bottom() {
        return LWWRegister.empty();
    }

    @Override
    Arbitrary<Operation<LWWRegister<Integer>>> operations() {
        return ConvergeArbitraries.lwwRegisterOperations(Arbitraries.integers());
    }

    @Override
    CrdtCodec<LWWRegister<Integer>> codec() {
        return CrdtCodecs.lwwRegister(ValueCodec.int32());
    }

    @Override
    TypeReference<LWWRegister<Integer>> jsonType() {
        return new TypeReference<>() { };
    }
}
