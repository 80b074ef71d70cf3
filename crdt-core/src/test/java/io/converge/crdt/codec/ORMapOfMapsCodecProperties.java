package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfMapsCodecProperties extends CodecContract<ORMap<String, ORMap<String, ORSet<String>>>> {
    @Override
    ORMap<String, ORMap<String, ORSet<String>>> bottom() {
        return ORMap.empty(ORMap.<String, ORSet<String>>empty(ORSet.<String>empty()));
    }

    @Override
    Arbitrary<Operation<ORMap<String, ORMap<String, ORSet<String>>>>> operations() {
        return ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"), ConvergeArbitraries.orMapOperations(Arbitraries.of("p", "q"), ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())));
    }

    @Override
    CrdtCodec<ORMap<String, ORMap<String, ORSet<String>>>> codec() {
        return CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string())));
    }

    @Override
    TypeReference<ORMap<String, ORMap<String, ORSet<String>>>> jsonType() {
        return new TypeReference<>() { };
    }
}
