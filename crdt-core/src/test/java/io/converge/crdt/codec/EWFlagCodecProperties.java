package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.EWFlag;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitrary;

class EWFlagCodecProperties extends CodecContract<EWFlag> {
    @Override
    EWFlag bottom() {
        return EWFlag.empty();
    }

    @Override
    Arbitrary<Operation<EWFlag>> operations() {
        return ConvergeArbitraries.ewFlagOperations();
    }

    @Override
    CrdtCodec<EWFlag> codec() {
        return CrdtCodecs.ewFlag();
    }

    @Override
    TypeReference<EWFlag> jsonType() {
        return new TypeReference<>() { };
    }
}
