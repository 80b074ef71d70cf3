package io.converge.crdt.codec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.EWFlag;
import io.converge.crdt.MVRegister;
import io.converge.crdt.MixedORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Binary and JSON round trips of maps whose keys hold sets, flags, counters, registers of longs
 * and nested mixed maps, often two types under one key (concurrent updates of different types).
 */
class MixedORMapCodecProperties extends CodecContract<MixedORMap<String>> {
    @Override
    MixedORMap<String> bottom() {
        return MixedORMap.empty();
    }

    @Override
    Arbitrary<Operation<MixedORMap<String>>> operations() {
        Arbitrary<String> keys = Arbitraries.of("x", "y");
        Arbitrary<Operation<MixedORMap<String>>> sets = ConvergeArbitraries.mixedMapUpdates(keys,
                ORSet.<String>empty(), ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()));
        Arbitrary<Operation<MixedORMap<String>>> flags = ConvergeArbitraries.mixedMapUpdates(keys, EWFlag.empty(),
                ConvergeArbitraries.ewFlagOperations());
        Arbitrary<Operation<MixedORMap<String>>> nested = ConvergeArbitraries.mixedMapOperations(keys, sets, flags);
        return ConvergeArbitraries.mixedMapOperations(keys, sets, flags,
                ConvergeArbitraries.mixedMapUpdates(keys, CausalCounter.empty(),
                        ConvergeArbitraries.causalCounterOperations()),
                ConvergeArbitraries.mixedMapUpdates(keys, MVRegister.<Long>empty(),
                        ConvergeArbitraries.mvRegisterOperations(Arbitraries.longs().between(-3, 3))),
                ConvergeArbitraries.mixedMapUpdates(keys, MixedORMap.<String>empty(), nested));
    }

    @Override
    CrdtCodec<MixedORMap<String>> codec() {
        return CrdtCodecs.mixedMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string()), CrdtCodecs.ewFlag(),
                CrdtCodecs.causalCounter(), CrdtCodecs.mvRegister(ValueCodec.int64()));
    }

    @Override
    TypeReference<MixedORMap<String>> jsonType() {
        return new TypeReference<>() { };
    }
}
