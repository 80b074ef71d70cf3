package io.converge.crdt.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.testing.ConvergenceFailure;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;

/**
 * The deterministic simulation of sync.md §5 "Test 1": thousands of small seeded schedules of
 * two to four real replicators over every type configuration of the contract suites, each
 * healed, settled and checked by the {@link Simulator} (every replica equal, no acknowledged
 * write lost, buffers collected, nothing thrown, clocks monotonic, caps held).
 *
 * <p>{@code -Dconverge.sim.schedules=N} sets how many (default 10,000; {@code -Psim} a
 * million); {@code -Dconverge.sim.baseSeed=B} fixes the run (default random, printed). A
 * failure prints its seed, a one-line command replaying exactly that schedule
 * ({@code -Dconverge.sim.seed=S -Dconverge.sim.type=T}), and its full trace. A jqwik container:
 * the schedules come from jqwik's generators, which need one.
 *
 * <p>The simulator found four {@code SyncMachine} bugs, fixed since; {@link ProtocolRegressionTest}
 * keeps each as a short schedule.
 */
class SimulationTest {
    static final int SCHEDULES = Integer.getInteger("converge.sim.schedules", 10_000);
    static final String REPLAY_SEED = System.getProperty("converge.sim.seed");
    static final String REPLAY_TYPE = System.getProperty("converge.sim.type");
    /** Failures printed in full; the others get one line each. */
    private static final int FAILURES_SHOWN = Integer.getInteger("converge.sim.shown", 3);

    /** Small messages and buffers: chunking, parts and eviction happen in short runs too. */
    static final SyncConfig TIGHT = (SyncConfig.builder().maxEntriesPerMessage(2)
            .bufferMaxEntries(6).ackTimeout(Duration.ofMillis(500)).syncInterval(Duration.ofMillis(50)).build());
    static final SyncConfig MEDIUM = (SyncConfig.builder().maxEntriesPerMessage(4)
            .bufferMaxEntries(24).ackTimeout(Duration.ofSeconds(1)).heartbeatInterval(Duration.ofSeconds(1))
            .syncInterval(Duration.ofMillis(100)).maxUpdatesPerStep(3).build());

    /** Everything one seed decides: the type's schedule and the simulation's settings. */
    record Run<S extends ReplicatedData<S>>(long seed, SimulatedType<S> type, Schedule<S> schedule, SyncConfig sync,
            Simulator.Faults faults, String profile) {
        static <S extends ReplicatedData<S>> Run<S> of(long seed, SimulatedType<S> type) {
            Random r = new Random(seed);
            int nodes = 2 + r.nextInt(3);
            int keys = 1 + r.nextInt(3);
            int syncChoice = r.nextInt(3);
            SyncConfig sync = syncChoice == 0 ? TIGHT : syncChoice == 1 ? MEDIUM : SyncConfig.defaults();
            int f = r.nextInt(10);
            Simulator.Faults faults = f < 2 ? Simulator.Faults.none() : f < 7 ? Simulator.Faults.typical()
                    : Simulator.Faults.harsh();
            String profile = (syncChoice == 0 ? "tight" : syncChoice == 1 ? "medium" : "default") + " sync, "
                    + (f < 2 ? "no" : f < 7 ? "typical" : "harsh") + " faults";
            return new Run<>(seed, type, type.schedule(r, nodes, keys, 60), sync, faults, profile);
        }

        Simulator.Builder<S> builder(boolean traceEvents) {
            return type.builder().sync(sync).faults(faults).traceEvents(traceEvents);
        }

        /**
         * Runs, heals, settles, checks ({@link Runs#healAndCheck}).
         *
         * @param trace receives the run's trace, also when it fails
         */
        void execute(boolean traceEvents, List<String> trace) {
            Simulator<S> sim = builder(traceEvents).build(schedule);
            try {
                sim.run(schedule);
                Runs.healAndCheck(sim);
            } finally {
                trace.addAll(sim.trace());
            }
        }

        String replayCommand() {
            return "mvn -B -pl crdt-core test -Dtest=SimulationTest -Dconverge.sim.seed=" + seed
                    + " -Dconverge.sim.type=" + type.name();
        }
    }

    /** Seed {@code i} of a run: a bijective mix of the base seed and the index, so all are distinct. */
    static long seedOf(long base, long i) {
        long z = base + i * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Example
    void seededSchedulesOfEveryTypeConverge() {
        if (REPLAY_SEED != null) {
            replay(Long.parseLong(REPLAY_SEED), SimulatedType.named(REPLAY_TYPE == null ? "orset" : REPLAY_TYPE));
            return;
        }
        long base = Long.getLong("converge.sim.baseSeed", new Random().nextLong());
        List<String> failures = new ArrayList<>();
        List<String> summaries = new ArrayList<>();
        int divergent = 0;
        long started = System.nanoTime();
        for (int i = 0; i < SCHEDULES; i++) {
            SimulatedType<?> type = SimulatedType.ALL.get(i % SimulatedType.ALL.size());
            Run<?> run = Run.of(seedOf(base, i), type);
            try {
                run.execute(false, new ArrayList<>());
            } catch (ConvergenceFailure | RuntimeException e) {
                divergent++;
                summaries.add("  " + run.replayCommand() + "   # " + run.profile() + ", " + run.schedule().nodes()
                        + " nodes: " + firstLine(e));
                if (failures.size() < FAILURES_SHOWN) {
                    failures.add(report(run, e));
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("%d simulated schedules, %d divergent (%.1f s, base seed %d)%n", SCHEDULES, divergent,
                seconds, base);
        if (divergent > 0) {
            fail(divergent + " of " + SCHEDULES + " schedules failed:\n" + String.join("\n", summaries)
                    + "\nthe first in full:\n" + String.join("\n", failures));
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The failure of {@code run}, its replay command and its trace with every event. */
    private static String report(Run<?> run, Throwable e) {
        String detail;
        try {
            run.execute(true, new ArrayList<>());
            detail = "(the replay with a full trace passed: the failure is not deterministic!)\n" + e;
        } catch (ConvergenceFailure | RuntimeException again) {
            detail = again.getMessage();
        }
        return "seed " + run.seed() + ", " + run.type().name() + ", " + run.schedule().nodes() + " nodes, "
                + run.profile() + "\nreplay: " + run.replayCommand() + "\n" + detail;
    }

    private static void replay(long seed, SimulatedType<?> type) {
        Run<?> run = Run.of(seed, type);
        System.out.println("replaying seed " + seed + " (" + type.name() + ", " + run.profile() + "): "
                + run.replayCommand());
        List<String> trace = new ArrayList<>();
        try {
            run.execute(true, trace);
            System.out.println(String.join("\n", trace));
        } catch (ConvergenceFailure | RuntimeException e) {
            fail(report(run, e));
        }
    }

    @Example
    void aSeedReplaysTheSameTraceByteForByte() {
        long base = new Random().nextLong();
        for (int i = 0; i < SimulatedType.ALL.size(); i++) {
            Run<?> first = Run.of(seedOf(base, i), SimulatedType.ALL.get(i));
            Run<?> second = Run.of(seedOf(base, i), SimulatedType.ALL.get(i));
            assertEquals(String.join("\n", trace(first)), String.join("\n", trace(second)),
                    "seed " + first.seed() + " of " + first.type().name() + " ran differently twice");
        }
    }

    private static List<String> trace(Run<?> run) {
        List<String> trace = new ArrayList<>();
        try {
            run.execute(true, trace);
        } catch (ConvergenceFailure | RuntimeException e) {
            trace.add(String.valueOf(e.getMessage())); // a failure must repeat identically too
        }
        return trace;
    }
}
