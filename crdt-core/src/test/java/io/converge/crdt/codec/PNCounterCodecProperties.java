package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.PNCounter;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitrary;

class PNCounterCodecProperties extends CodecContract<PNCounter> {
    @Override
    PNCounter bottom() {
        return PNCounter.empty();
    }

    @Override
    Arbitrary<Operation<PNCounter>> operations() {
        return ConvergeArbitraries.pnCounterOperations();
    }

    @Override
    CrdtCodec<PNCounter> codec() {
        return CrdtCodecs.pnCounter();
    }

    @Override
    TypeReference<PNCounter> jsonType() {
        return new TypeReference<>() { };
    }
}
