package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfRegistersCodecProperties extends CodecContract<ORMap<String, MVRegister<Long>>> {
    @Override
    ORMap<String, MVRegister<Long>> bottom() {
        return ORMap.empty(MVRegister.<Long>empty());
    }

    @Override
    Arbitrary<Operation<ORMap<String, MVRegister<Long>>>> operations() {
        return ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"), ConvergeArbitraries.mvRegisterOperations(Arbitraries.longs()));
    }

    @Override
    CrdtCodec<ORMap<String, MVRegister<Long>>> codec() {
        return CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.mvRegister(ValueCodec.int64()));
    }

    @Override
    TypeReference<ORMap<String, MVRegister<Long>>> jsonType() {
        return new TypeReference<>() { };
    }
}
