package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.MVRegister;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class MVRegisterCodecProperties extends CodecContract<MVRegister<String>> {
    @Override
    MVRegister<String> bottom() {
        return MVRegister.empty();
    }

    @Override
    Arbitrary<Operation<MVRegister<String>>> operations() {
        return ConvergeArbitraries.mvRegisterOperations(Arbitraries.strings().withCharRange(' ', '\uD7FF').ofMaxLength(12));
    }

    @Override
    CrdtCodec<MVRegister<String>> codec() {
        return CrdtCodecs.mvRegister(ValueCodec.string());
    }

    @Override
    TypeReference<MVRegister<String>> jsonType() {
        return new TypeReference<>() { };
    }
}
