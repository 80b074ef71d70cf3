package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.AWLWWMap;
import io.converge.crdt.ORMap;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class ORMapOfLwwMapsCodecProperties extends CodecContract<ORMap<String, AWLWWMap<String, String>>> {
    @Override
    ORMap<String, AWLWWMap<String, String>> bottom() {
        return ORMap.empty(AWLWWMap.<String, String>empty());
    }

    @Override
    Arbitrary<Operation<ORMap<String, AWLWWMap<String, String>>>> operations() {
        return ConvergeArbitraries.orMapOperations(Arbitraries.of("x", "y"), ConvergeArbitraries.awlwwMapOperations(ConvergeArbitraries.smallStrings(), ConvergeArbitraries.smallStrings()));
    }

    @Override
    CrdtCodec<ORMap<String, AWLWWMap<String, String>>> codec() {
        return CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.string()));
    }

    @Override
    TypeReference<ORMap<String, AWLWWMap<String, String>>> jsonType() {
        return new TypeReference<>() { };
    }
}
