package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The lattice, delta-mutator and convergence laws for a map whose two keys are given sets, flags,
 * counters, maps of flags, maps of sets and nested mixed maps by different replicas, so that
 * concurrent updates often give one key two or more types.
 */
class MixedORMapProperties extends ReplicatedDataContract<MixedORMap<String>> {
    static Arbitrary<Operation<MixedORMap<String>>> mixedOperations() {
        Arbitrary<String> keys = Arbitraries.of("x", "y");
        Arbitrary<String> inner = Arbitraries.of("p", "q");
        Arbitrary<Operation<MixedORMap<String>>> nested = ConvergeArbitraries.mixedMapOperations(inner,
                ConvergeArbitraries.mixedMapUpdates(inner, ORSet.<String>empty(),
                        ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())),
                ConvergeArbitraries.mixedMapUpdates(inner, EWFlag.empty(), ConvergeArbitraries.ewFlagOperations()));
        return ConvergeArbitraries.mixedMapOperations(keys,
                ConvergeArbitraries.mixedMapUpdates(keys, ORSet.<String>empty(),
                        ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings())),
                ConvergeArbitraries.mixedMapUpdates(keys, EWFlag.empty(), ConvergeArbitraries.ewFlagOperations()),
                ConvergeArbitraries.mixedMapUpdates(keys, CausalCounter.empty(),
                        ConvergeArbitraries.causalCounterOperations()),
                ConvergeArbitraries.mixedMapUpdates(keys, ORMap.<String, EWFlag>empty(EWFlag.empty()),
                        ConvergeArbitraries.orMapOperations(inner, ConvergeArbitraries.ewFlagOperations())),
                ConvergeArbitraries.mixedMapUpdates(keys, ORMap.<String, ORSet<String>>empty(ORSet.empty()),
                        ConvergeArbitraries.orMapOperations(inner,
                                ConvergeArbitraries.orSetOperations(ConvergeArbitraries.smallStrings()))),
                ConvergeArbitraries.mixedMapUpdates(keys, MixedORMap.<String>empty(), nested));
    }

    /** One replica's update of key "k", made without seeing the others, as the type named by {@code type}. */
    private static MixedORMap<String> updateOfType(int type, ReplicaId r) {
        MixedORMap<String> m = MixedORMap.empty();
        switch (type) {
            case 0:
                return m.update("k", ORSet.<String>empty(), s -> s.add(r, "x"));
            case 1:
                return m.update("k", EWFlag.empty(), f -> f.enable(r));
            case 2:
                return m.update("k", CausalCounter.empty(), c -> c.increment(r, 1));
            case 3:
                return m.update("k", MVRegister.<String>empty(), v -> v.write(r, "v"));
            default:
                return m.update("k", ORMap.<String, EWFlag>empty(EWFlag.empty()), o -> o.apply("p", f -> f.enable(r)));
        }
    }

    @Property
    void concurrentUpdatesOfOneKeyWithDifferentTypesConvergeToTheTypeWhoseTagSortsLast(
            @ForAll @Size(min = 2, max = 4) List<@IntRange(min = 0, max = 4) Integer> types, @ForAll long seed) {
        List<MixedORMap<String>> deltas = new ArrayList<>();
        TreeSet<String> tags = new TreeSet<>();
        for (int i = 0; i < types.size(); i++) {
            MixedORMap<String> d = updateOfType(types.get(i), ReplicaId.of("r" + i));
            deltas.add(d);
            tags.add(d.typeOf("k").orElseThrow());
        }
        MixedORMap<String> expected = null;
        Random random = new Random(seed);
        for (int order = 0; order < 4; order++) {
            Collections.shuffle(deltas, random);
            MixedORMap<String> s = MixedORMap.empty();
            for (MixedORMap<String> d : deltas) {
                s = s.join(d);
                s.checkInvariants();
            }
            if (expected == null) {
                expected = s;
            }
            assertEquals(expected, s, "every delivery order gives the same state");
            assertEquals(Optional.of(tags.last()), s.typeOf("k"));
        }
        // A remove made where every type was seen covers them all.
        MixedORMap<String> all = expected;
        MixedORMap<String> emptied = all.join(all.remove("k"));
        assertEquals(Optional.empty(), emptied.typeOf("k"));
    }

    @Override
    MixedORMap<String> bottom() {
        return MixedORMap.empty();
    }

    @Override
    Arbitrary<Operation<MixedORMap<String>>> operations() {
        return mixedOperations();
    }
}
