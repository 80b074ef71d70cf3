package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.ORMap;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfCountersCodecProperties extends CodecContract<ORMap<Integer, CausalCounter>> {
    @Override
    ORMap<Integer, CausalCounter> bottom() {
        return ORMap.empty(CausalCounter.empty());
    }

    @Override
    Arbitrary<Operation<ORMap<Integer, CausalCounter>>> operations() {
        return ConvergeArbitraries.orMapOperations(Arbitraries.integers().between(-2, 2), ConvergeArbitraries.causalCounterOperations());
    }

    @Override
    CrdtCodec<ORMap<Integer, CausalCounter>> codec() {
        return CrdtCodecs.orMap(ValueCodec.int32(), CrdtCodecs.causalCounter());
    }

    @Override
    TypeReference<ORMap<Integer, CausalCounter>> jsonType() {
        return new TypeReference<>() { };
    }
}
