package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.ORSet;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitrary;

class ORSetCodecProperties extends CodecContract<ORSet<String>> {
    @Override
    ORSet<String> bottom() {
        return ORSet.empty();
    }

    @Override
    Arbitrary<Operation<ORSet<String>>> operations() {
        return ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings());
    }

    @Override
    CrdtCodec<ORSet<String>> codec() {
        return CrdtCodecs.orSet(ValueCodec.string());
    }

    @Override
    TypeReference<ORSet<String>> jsonType() {
        return new TypeReference<>() { };
    }
}
