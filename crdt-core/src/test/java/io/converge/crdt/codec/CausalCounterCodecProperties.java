package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitrary;

class CausalCounterCodecProperties extends CodecContract<CausalCounter> {
    @Override
    CausalCounter bottom() {
        return CausalCounter.empty();
    }

    @Override
    Arbitrary<Operation<CausalCounter>> operations() {
        return ConvergeArbitraries.causalCounterOperations();
    }

    @Override
    CrdtCodec<CausalCounter> codec() {
        return CrdtCodecs.causalCounter();
    }

    @Override
    TypeReference<CausalCounter> jsonType() {
        return new TypeReference<>() { };
    }
}
