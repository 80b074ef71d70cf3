package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.EWFlag;
import io.converge.crdt.ORMap;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfFlagsCodecProperties extends CodecContract<ORMap<String, EWFlag>> {
    @Override
    ORMap<String, EWFlag> bottom() {
        return ORMap.empty(EWFlag.empty());
    }

    @Override
    Arbitrary<Operation<ORMap<String, EWFlag>>> operations() {
        return ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"), ConvergeArbitraries.ewFlagOperations());
    }

    @Override
    CrdtCodec<ORMap<String, EWFlag>> codec() {
        return CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.ewFlag());
    }

    @Override
    TypeReference<ORMap<String, EWFlag>> jsonType() {
        return new TypeReference<>() { };
    }
}
