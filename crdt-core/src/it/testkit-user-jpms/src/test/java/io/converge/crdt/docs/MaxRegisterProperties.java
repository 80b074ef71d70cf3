package io.converge.crdt.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.ConvergenceChecker;
import io.converge.crdt.testing.History;
import io.converge.crdt.testing.LawChecker;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Replay;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class MaxRegisterProperties {
    /** Histories of writes on 3 replicas, up to 40 steps, with deltas reordered, duplicated and lost. */
    @Provide
    Arbitrary<History<MaxRegister>> histories() {
        Arbitrary<Operation<MaxRegister>> writes = Arbitraries.longs().between(-5, 5)
                .map(v -> Operation.of("write(" + v + ")", (s, c) -> s.write(v)));
        return ConvergeArbitraries.histories(writes, 3, 40);
    }

    @Property
    void obeysTheLawsOfADeltaStateCrdt(@ForAll("histories") History<MaxRegister> history, @ForAll long seed) {
        LawChecker.checkAll(MaxRegister.empty(), history, seed, 5);
    }

    @Property
    void replicasConvergeOnTheLargestWrite(@ForAll("histories") History<MaxRegister> history) {
        Replay<MaxRegister> replay = ConvergenceChecker.forType(MaxRegister.empty()).check(history);
        OptionalLong largest = replay.deltas().stream().mapToLong(d -> d.value().getAsLong()).max();
        for (MaxRegister state : replay.healed()) {
            assertEquals(largest, state.value());
        }
    }
}
