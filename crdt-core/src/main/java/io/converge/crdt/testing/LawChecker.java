package io.converge.crdt.testing;

import io.converge.crdt.ReplicatedData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Checks the algebraic laws every delta-state CRDT must obey (crdt.md §1, §7), for built-in and
 * user-defined types alike:
 * <ul>
 *   <li><b>lattice laws</b> ({@link #checkLattice}): join is commutative, associative and
 *       idempotent, bottom is its identity, {@code x ⊑ x ⊔ y}, and {@code isLessOrEqual}
 *       agrees with the join ({@code x ⊑ y ⇔ x ⊔ y = y});
 *   <li><b>delta-mutator laws</b> ({@link #checkDeltaLaws}): for every mutation, the classic
 *       mutator (when the operation supplies one) equals {@code X ⊔ mδ(X)}; {@code mδ(X) ⊑ X ⊔
 *       mδ(X)}; joining consecutive deltas into a group first gives the same state as applying
 *       them one by one; and joining every delta in a shuffled order gives the same state as in
 *       order.
 * </ul>
 * Laws are checked on <em>reachable</em> states (from a replayed {@link History}), never on
 * arbitrary structures, which would break the invariants real states keep.
 *
 * <p>Stateless; every method throws {@link ConvergenceFailure} naming the law and the values.
 */
public final class LawChecker {
    private LawChecker() {
    }

    /**
     * Checks the lattice laws on three states of one type (states of one replayed history, so
     * they share a causal past).
     */
    public static <S extends ReplicatedData<S>> void checkLattice(S x, S y, S z) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        Objects.requireNonNull(z, "z");
        S xy = x.join(y);
        require(xy.equals(y.join(x)), "join is not commutative", x, y, xy, y.join(x));
        S left = x.join(y.join(z));
        S right = xy.join(z);
        require(left.equals(right), "join is not associative", x, y, left, right);
        require(x.join(x).equals(x), "join is not idempotent", x, x, x.join(x), x);
        S bottom = x.bottom();
        require(bottom.isBottom(), "bottom() is not bottom", bottom, bottom, bottom, bottom);
        require(bottom.join(x).equals(x) && x.join(bottom).equals(x), "bottom is not the identity of join",
                bottom, x, bottom.join(x), x);
        require(x.isLessOrEqual(xy) && y.isLessOrEqual(xy), "a join is not an upper bound", x, y, xy, xy);
        require(x.isLessOrEqual(y) == xy.equals(y), "isLessOrEqual disagrees with join", x, y, xy, y);
        require(xy.hashCode() == y.join(x).hashCode(), "equal states have different hash codes", x, y, xy, y.join(x));
        xy.checkInvariants();
    }

    /** Checks the lattice laws on every triple drawn from {@code states} (at most {@code max} values). */
    public static <S extends ReplicatedData<S>> void checkLatticeOnAll(List<S> states, int max) {
        List<S> pick = states.size() <= max ? states : sample(states, max);
        for (S x : pick) {
            for (S y : pick) {
                for (S z : pick) {
                    checkLattice(x, y, z);
                }
            }
        }
    }

    private static <S> List<S> sample(List<S> states, int max) {
        List<S> out = new ArrayList<>();
        int n = states.size();
        for (int i = 0; i < max; i++) {
            out.add(states.get((int) ((long) i * (n - 1) / Math.max(1, max - 1))));
        }
        return out;
    }

    /**
     * Replays {@code history} from {@code bottom} and checks the delta-mutator laws on every
     * mutation, using {@code shuffleSeed} for the shuffled-order check.
     *
     * @return the replay
     */
    public static <S extends ReplicatedData<S>> Replay<S> checkDeltaLaws(S bottom, History<S> history, long shuffleSeed) {
        Replay<S> replay;
        try {
            replay = Replay.of(bottom, history);
        } catch (IllegalStateException e) {
            throw new ConvergenceFailure(e.getMessage());
        }
        Replay.Mutation<S> previous = null;
        for (Replay.Mutation<S> m : replay.mutations()) {
            S after = m.before().join(m.delta());
            // Idempotence first: without it every later law fails with values that print alike.
            require(m.delta().join(m.delta()).equals(m.delta()), "join is not idempotent: δ ⊔ δ ≠ δ for "
                    + m.operation().description(), m.delta(), m.delta(), m.delta().join(m.delta()), m.delta());
            require(after.join(after).equals(after), "join is not idempotent: X ⊔ X ≠ X after "
                    + m.operation().description(), after, after, after.join(after), after);
            if (m.full().isPresent()) {
                require(m.full().get().equals(after), "delta-mutator law m(X) = X ⊔ mδ(X) fails for "
                        + m.operation().description(), m.before(), m.delta(), m.full().get(), after);
            }
            require(m.delta().isLessOrEqual(after), "inflation fails, mδ(X) ⋢ X ⊔ mδ(X), for "
                    + m.operation().description() + " (got: δ ⊔ (X ⊔ δ), expected: X ⊔ δ)",
                    m.before(), m.delta(), m.delta().join(after), after);
            if (previous != null && previous.replica() == m.replica()
                    && previous.before().join(previous.delta()).equals(m.before())) {
                // Consecutive mutations on one replica: the group of both deltas does the same.
                S group = previous.delta().join(m.delta());
                S grouped = previous.before().join(group);
                require(grouped.equals(after), "joining two deltas into a group changes the result",
                        previous.before(), group, grouped, after);
            }
            previous = m;
        }
        S inOrder = replay.joinOfAllDeltas();
        List<S> shuffled = new ArrayList<>(replay.deltas());
        Collections.shuffle(shuffled, new Random(shuffleSeed));
        S acc = bottom;
        for (S d : shuffled) {
            acc = acc.join(d);
        }
        require(acc.equals(inOrder), "joining the deltas in another order gives another state (shuffle seed "
                + shuffleSeed + ")", inOrder, acc, acc, inOrder);
        S grouped = bottom;
        for (int i = 0; i + 1 < shuffled.size(); i += 2) {
            grouped = grouped.join(shuffled.get(i).join(shuffled.get(i + 1)));
        }
        if (shuffled.size() % 2 == 1) {
            grouped = grouped.join(shuffled.get(shuffled.size() - 1));
        }
        require(grouped.equals(inOrder), "joining the deltas in groups of two gives another state", inOrder,
                grouped, grouped, inOrder);
        return replay;
    }

    /**
     * Everything at once for one history: the delta-mutator laws, convergence, and the lattice
     * laws on up to {@code maxStates} states seen during the replay.
     */
    public static <S extends ReplicatedData<S>> void checkAll(S bottom, History<S> history, long seed, int maxStates) {
        Replay<S> replay = checkDeltaLaws(bottom, history, seed);
        ConvergenceChecker.forType(bottom).check(history);
        List<S> values = new ArrayList<>(replay.states());
        values.addAll(replay.deltas());
        values.add(bottom);
        checkLatticeOnAll(values, maxStates);
    }

    private static void require(boolean ok, String law, Object a, Object b, Object got, Object expected) {
        if (!ok) {
            throw new ConvergenceFailure(law + "\n  x: " + a + "\n  y: " + b + "\n  got:      " + got
                    + "\n  expected: " + expected);
        }
    }
}
