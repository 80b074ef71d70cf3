package io.converge.crdt.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ReplicatedData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A broken type's failure names the law it breaks, with values that show the difference. */
class LawCheckerTest {
    /** A "counter" whose join adds: not idempotent, so not a CRDT. */
    private record BrokenSum(long n) implements ReplicatedData<BrokenSum> {
        @Override
        public BrokenSum join(BrokenSum other) {
            return new BrokenSum(n + other.n);
        }

        @Override
        public BrokenSum bottom() {
            return new BrokenSum(0);
        }

        @Override
        public boolean isBottom() {
            return n == 0;
        }

        @Override
        public boolean isLessOrEqual(BrokenSum other) {
            return join(other).equals(other);
        }
    }

    @Test
    void aJoinThatIsNotIdempotentIsNamedSo() {
        Operation<BrokenSum> add = Operation.of("add 1", (s, c) -> new BrokenSum(1));
        History<BrokenSum> h = History.of(1, List.of(new Step.Mutate<BrokenSum>(0, add)));
        ConvergenceFailure f = assertThrows(ConvergenceFailure.class, () -> LawChecker.checkAll(new BrokenSum(0), h, 1, 4));
        assertTrue(f.getMessage().contains("not idempotent"), f.getMessage());
        assertTrue(f.getMessage().contains("got:      BrokenSum[n=2]"), "got and expected differ: " + f.getMessage());
    }
}
