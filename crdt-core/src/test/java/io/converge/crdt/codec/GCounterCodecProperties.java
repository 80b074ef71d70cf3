package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.GCounter;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitrary;

class GCounterCodecProperties extends CodecContract<GCounter> {
    @Override
    GCounter bottom() {
        return GCounter.empty();
    }

    @Override
    Arbitrary<Operation<GCounter>> operations() {
        return ConvergeArbitraries.gCounterOperations();
    }

    @Override
    CrdtCodec<GCounter> codec() {
        return CrdtCodecs.gCounter();
    }

    @Override
    TypeReference<GCounter> jsonType() {
        return new TypeReference<>() { };
    }
}
