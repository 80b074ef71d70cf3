package io.converge.crdt.simulation;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;

/** One way to finish a simulated run: heal, settle (bounded), then check every invariant. */
public final class Runs {
    private Runs() {
    }

    /**
     * Heals, settles and checks {@code sim}.
     *
     * @throws io.converge.crdt.testing.ConvergenceFailure if it does not settle or a check fails
     */
    public static void healAndCheck(Simulator<?> sim) {
        sim.healAndSettle();
        sim.check();
    }

    /** Builds a simulator for {@code schedule}, runs it and {@link #healAndCheck}s it. */
    public static <S extends ReplicatedData<S>> void check(Simulator.Builder<S> builder, Schedule<S> schedule) {
        Simulator<S> sim = builder.build(schedule);
        sim.run(schedule);
        healAndCheck(sim);
    }
}
