package io.converge.crdt.simulation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The partition a full mesh does not expect: A reaches B, B reaches C, A does not reach C (both
 * directions cut), and every node keeps writing. C can only learn A's writes through B. Measured
 * in simulated time: how long until C holds a write A made just after the cut.
 */
class NonTransitivePartitionTest {
    private static final int A = 0;
    private static final int B = 1;
    private static final int C = 2;
    /** Links of 1 to 5 ms, views 200 ms late: nothing random is lost. */
    private static final Simulator.Faults QUIET_LINKS = new Simulator.Faults(1, 5, 1, 0, 0, 0, 200, 200, 0, 4_000, 2, 0);
    private static final long WRITE_EVERY_MILLIS = 100;
    private static final long GIVE_UP_MILLIS = 60_000;

    /**
     * Cuts A–C, lets every node write {@code write.apply(node)} every 100 ms, and returns how
     * long after A's first write under the cut {@code arrived} became true; -1 if not within 60 s.
     */
    private static <S extends ReplicatedData<S>> long timeUntilCHasAsWrite(Simulator<S> sim,
            IntFunction<Schedule.Update<S>> write, BooleanSupplier arrived) {
        sim.advance(2_000);
        sim.run(new Schedule.Cut<>(A, C));
        sim.run(new Schedule.Cut<>(C, A));
        sim.advance(1_000); // A and C now see each other unreachable; B sees both
        assertTrue(!sim.sees(A, C) && !sim.sees(C, A) && sim.sees(B, A) && sim.sees(B, C), "non-transitive views");
        long start = sim.now();
        while (sim.now() - start < GIVE_UP_MILLIS) {
            for (int n : new int[] {A, B, C}) {
                sim.run(write.apply(n));
            }
            sim.advance(WRITE_EVERY_MILLIS);
            if (arrived.getAsBoolean()) {
                return sim.now() - start;
            }
        }
        // For the report: once the writes stop, does the (still partitioned) cluster get there?
        long quiet = sim.runUntil(arrived, 50, GIVE_UP_MILLIS);
        System.out.println("NON-TRANSITIVE: C never held A's write in " + GIVE_UP_MILLIS / 1000 + " s of writing; "
                + (quiet < 0 ? "nor in " + GIVE_UP_MILLIS / 1000 + " quiet s after" : "it did " + quiet
                + " ms after the writes stopped") + " (simulated time)");
        return -1;
    }

    private static void report(String what, long millis) {
        System.out.println("NON-TRANSITIVE (" + what + "): " + (millis < 0 ? "C never held A's write within "
                + GIVE_UP_MILLIS / 1000 + " s of writing" : "C held A's write after " + millis + " ms") + " (simulated)");
    }

    @Test
    void eachNodesOwnKeyReachesTheNodeItCannotTalkTo() {
        Simulator<GCounter> sim = Simulator.builder(GCounter.empty(), CrdtCodecs.gCounter()).nodes(3)
                .faults(QUIET_LINKS).build();
        long took = timeUntilCHasAsWrite(sim, n -> new Schedule.Update<>(n, "from-n" + n,
                Operation.<GCounter>of("increment(1)", (g, c) -> g.increment(c.replica(), 1))),
                () -> sim.get(C, "from-n0").map(GCounter::value).orElse(0L) >= 1);
        report("a key per writer", took);
        assertTrue(took >= 0 && took <= 5_000, "C should hold A's first write within seconds, took " + took + " ms");
    }

    @Test
    void writesToASharedKeyReachTheNodeTheWriterCannotTalkTo() {
        Simulator<ORSet<String>> sim = Simulator.builder(ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()))
                .nodes(3).faults(QUIET_LINKS).build();
        int[] round = new int[3];
        long took = timeUntilCHasAsWrite(sim, n -> {
            String e = "n" + n + "-" + round[n]++;
            return new Schedule.Update<>(n, "shared", Operation.<ORSet<String>>of("add(" + e + ")",
                    (s, c) -> s.add(c.replica(), e)));
        }, () -> sim.get(C, "shared").map(s -> s.contains("n0-0")).orElse(false));
        report("one shared key", took);
        assertTrue(took >= 0 && took <= 5_000, "C should hold A's first write within seconds, took " + took + " ms");
    }
}
