package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.ConvergenceChecker;
import io.converge.crdt.testing.History;
import io.converge.crdt.testing.LawChecker;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Replay;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The contract every Converge data type fulfils, run once per type by its {@code XxxProperties}
 * subclass (our Guava testlib): the lattice laws, the delta-mutator laws and convergence under
 * reordered, duplicated and lost deltas, on states reached by generated histories.
 *
 * @param <S> the type under test
 */
abstract class ReplicatedDataContract<S extends ReplicatedData<S>> {
    /** The type's bottom. */
    abstract S bottom();

    /** The type's operations. */
    abstract Arbitrary<Operation<S>> operations();

    int replicas() {
        return 3;
    }

    int maxSteps() {
        return 40;
    }

    @Provide
    Arbitrary<History<S>> histories() {
        return ConvergeArbitraries.histories(operations(), replicas(), maxSteps());
    }

    @Provide
    Arbitrary<List<S>> related() {
        return ConvergeArbitraries.reachableStates(bottom(), operations(), replicas(), maxSteps(), 3);
    }

    @Property
    void joinIsCommutative(@ForAll("related") List<S> s) {
        assertEquals(s.get(0).join(s.get(1)), s.get(1).join(s.get(0)));
    }

    @Property
    void joinIsAssociative(@ForAll("related") List<S> s) {
        S x = s.get(0);
        S y = s.get(1);
        S z = s.get(2);
        assertEquals(x.join(y).join(z), x.join(y.join(z)));
    }

    @Property
    void joinIsIdempotent(@ForAll("related") List<S> s) {
        assertEquals(s.get(0), s.get(0).join(s.get(0)));
        S xy = s.get(0).join(s.get(1));
        assertEquals(xy, xy.join(s.get(1)), "joining the same state twice changes nothing");
    }

    @Property
    void bottomIsTheIdentity(@ForAll("related") List<S> s) {
        S x = s.get(0);
        assertTrue(bottom().isBottom());
        assertEquals(x, bottom().join(x));
        assertEquals(x, x.join(bottom()));
    }

    /** No false positive: states and deltas of one honest history never contradict each other. */
    @Property
    void honestStatesAndDeltasNeverConflict(@ForAll("related") List<S> s) {
        for (S x : s) {
            for (S y : s) {
                assertEquals(java.util.Optional.empty(), x.conflict(y), () -> x + " against " + y);
            }
        }
    }

    @Property
    void orderAgreesWithJoin(@ForAll("related") List<S> s) {
        S x = s.get(0);
        S y = s.get(1);
        S xy = x.join(y);
        assertTrue(x.isLessOrEqual(xy) && y.isLessOrEqual(xy), "a join is an upper bound of both");
        assertEquals(xy.equals(y), x.isLessOrEqual(y), "x ⊑ y ⇔ x ⊔ y = y");
    }

    @Property
    void equalStatesHaveEqualHashCodes(@ForAll("related") List<S> s) {
        S a = s.get(0).join(s.get(1));
        S b = s.get(1).join(s.get(0));
        assertEquals(a.hashCode(), b.hashCode());
    }

    @Property
    void everyDeltaMutatorSatisfiesTheDeltaMutatorLaws(@ForAll("histories") History<S> history,
            @ForAll long shuffleSeed) {
        LawChecker.checkDeltaLaws(bottom(), history, shuffleSeed);
    }

    @Property
    void replicasConvergeUnderReorderedDuplicatedAndLostDeltas(@ForAll("histories") History<S> history) {
        Replay<S> r = ConvergenceChecker.forType(bottom()).check(history);
        assertEquals(r.joinOfAllDeltas(), r.healed().get(0));
    }

    @Property(tries = 20)
    void replicasConvergeUnderManyRandomSchedules(@ForAll("histories") History<S> history, @ForAll long seed) {
        ConvergenceChecker.forType(bottom()).checkRandomSchedules(history, seed, 10);
    }

    @Property(tries = 30)
    void lawCheckerAcceptsTheType(@ForAll("histories") History<S> history, @ForAll long seed) {
        LawChecker.checkAll(bottom(), history, seed, 5);
    }
}
