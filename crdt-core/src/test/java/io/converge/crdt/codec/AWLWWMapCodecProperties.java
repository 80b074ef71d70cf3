package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.AWLWWMap;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

class AWLWWMapCodecProperties extends CodecContract<AWLWWMap<String, Long>> {
    @Override
    AWLWWMap<String, Long> bottom() {
        return AWLWWMap.empty();
    }

    @Override
    Arbitrary<Operation<AWLWWMap<String, Long>>> operations() {
        return ConvergeArbitraries.awlwwMapOperations(ConvergeArbitraries.smallStrings(), Arbitraries.longs());
    }

    @Override
    CrdtCodec<AWLWWMap<String, Long>> codec() {
        return CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.int64());
    }

    @Override
    TypeReference<AWLWWMap<String, Long>> jsonType() {
        return new TypeReference<>() { };
    }
}
