package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.DWFlag;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitrary;

class DWFlagCodecProperties extends CodecContract<DWFlag> {
    @Override
    DWFlag bottom() {
        return DWFlag.empty();
    }

    @Override
    Arbitrary<Operation<DWFlag>> operations() {
        return ConvergeArbitraries.dwFlagOperations();
    }

    @Override
    CrdtCodec<DWFlag> codec() {
        return CrdtCodecs.dwFlag();
    }

    @Override
    TypeReference<DWFlag> jsonType() {
        return new TypeReference<>() { };
    }
}
