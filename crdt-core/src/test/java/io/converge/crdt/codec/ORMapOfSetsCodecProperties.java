package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfSetsCodecProperties extends CodecContract<ORMap<String, ORSet<String>>> {
    @Override
    ORMap<String, ORSet<String>> bottom() {
        return ORMap.empty(ORSet.<String>empty());
    }

    @Override
    Arbitrary<Operation<ORMap<String, ORSet<String>>>> operations() {
        return ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y", "z"), ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()));
    }

    @Override
    CrdtCodec<ORMap<String, ORSet<String>>> codec() {
        return CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string()));
    }

    @Override
    TypeReference<ORMap<String, ORSet<String>>> jsonType() {
        return new TypeReference<>() { };
    }
}
