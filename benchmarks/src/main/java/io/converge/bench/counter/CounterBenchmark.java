package io.converge.bench.counter;

import io.converge.bench.fixture.Check;
import io.converge.bench.fixture.Jvm;
import io.converge.bench.fixture.Pekko;
import io.converge.bench.fixture.Writers;
import io.converge.crdt.PNCounter;
import io.converge.crdt.causal.ReplicaId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * PN-Counter increment ({@code op=increment}) and join ({@code op=join}) with 3 and 100 replica
 * ids, Converge against Pekko.
 *
 * <p><b>Fixture.</b> Two replicas of a counter that {@code replicas} writers {@code r0, r1, ...}
 * have all incremented and decremented. They are concurrent: replica A is ahead on the even
 * writers' increments and on every third writer's decrements, replica B on the odd writers' and
 * on others' decrements, so a join must take entries from both sides. They are built from
 * separate objects (Converge: {@link PNCounter#of}, the decoding path, with fresh ids; Pekko:
 * {@code increment}/{@code decrement} per writer with fresh node addresses, then
 * {@code resetDelta()} and no ancestor; see {@link Pekko}). Setup checks the joined value.
 * <ul>
 *   <li>{@code join}: A joined with B (Converge {@code join}, Pekko {@code merge});
 *   <li>{@code increment}: a local increment by 1 on A, producing the new state and the delta
 *       (Converge: {@code increment} then {@code join}; Pekko: {@code increment}, whose result
 *       carries its delta).
 * </ul>
 * {@code floor}: a {@link HashMap} copy of A's per-writer increments and {@code putAll} of B's
 * ({@code join}), or one {@code HashMap.merge} of a writer's count ({@code increment}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {Jvm.XMS, Jvm.XMX, Jvm.PRETOUCH})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CounterBenchmark {
    @Param({"3", "100"})
    public int replicas;

    @Param({"increment", "join"})
    public String op;

    private boolean join;
    private Writers wa;
    private PNCounter convergeA;
    private PNCounter convergeB;
    private org.apache.pekko.cluster.ddata.PNCounter pekkoA;
    private org.apache.pekko.cluster.ddata.PNCounter pekkoB;
    private HashMap<String, Long> floorA;
    private HashMap<String, Long> floorB;

    static long incA(int i) {
        return 1000 + i + (i % 2 == 0 ? 5 : 0);
    }

    static long incB(int i) {
        return 1000 + i + (i % 2 == 1 ? 7 : 0);
    }

    static long decA(int i) {
        return 100 + i + (i % 3 == 0 ? 2 : 0);
    }

    static long decB(int i) {
        return 100 + i + (i % 3 == 1 ? 3 : 0);
    }

    @Setup(Level.Trial)
    public void setUp() {
        join = switch (op) {
            case "increment" -> false;
            case "join" -> true;
            default -> throw new IllegalArgumentException("op must be increment or join, got " + op);
        };
        wa = Writers.numbered(replicas);
        Writers wb = Writers.numbered(replicas);
        convergeA = converge(wa, true);
        convergeB = converge(wb, false);
        pekkoA = pekko(wa, true);
        pekkoB = pekko(wb, false);
        floorA = new HashMap<>();
        floorB = new HashMap<>();
        for (int i = 0; i < replicas; i++) {
            floorA.put(wa.id(i).name(), incA(i));
            floorB.put(wb.id(i).name(), incB(i));
        }

        long expected = 0;
        for (int i = 0; i < replicas; i++) {
            expected += Math.max(incA(i), incB(i)) - Math.max(decA(i), decB(i));
        }
        Check.equal(convergeA.join(convergeB).value(), expected, "converge joined value");
        Check.equal(pekkoA.merge(pekkoB).getValue().longValueExact(), expected, "pekko joined value");
        Check.equal(convergeA.join(convergeA.increment(wa.id(0), 1)).value(), convergeA.value() + 1,
                "converge increment");
        Check.equal(pekkoA.increment(wa.node(0), 1).getValue().longValueExact(),
                pekkoA.getValue().longValueExact() + 1, "pekko increment");
        Check.that(pekkoA.increment(wa.node(0), 1).delta().isDefined(), "pekko increment has a delta");
        for (org.apache.pekko.cluster.ddata.PNCounter c : new org.apache.pekko.cluster.ddata.PNCounter[] {pekkoA, pekkoB}) {
            Pekko.checkNoAncestor(c.increments(), "pekko increments");
            Pekko.checkNoAncestor(c.decrements(), "pekko decrements");
        }
    }

    private static PNCounter converge(Writers w, boolean a) {
        Map<ReplicaId, Long> inc = new HashMap<>();
        Map<ReplicaId, Long> dec = new HashMap<>();
        for (int i = 0; i < w.count(); i++) {
            inc.put(w.id(i), a ? incA(i) : incB(i));
            dec.put(w.id(i), a ? decA(i) : decB(i));
        }
        return PNCounter.of(inc, dec);
    }

    private static org.apache.pekko.cluster.ddata.PNCounter pekko(Writers w, boolean a) {
        org.apache.pekko.cluster.ddata.PNCounter c = org.apache.pekko.cluster.ddata.PNCounter.empty();
        for (int i = 0; i < w.count(); i++) {
            c = c.increment(w.node(i), a ? incA(i) : incB(i)).decrement(w.node(i), a ? decA(i) : decB(i));
        }
        return Pekko.settle(c);
    }

    @Benchmark
    public Object converge(Blackhole bh) {
        if (join) {
            return convergeA.join(convergeB);
        }
        PNCounter delta = convergeA.increment(wa.id(0), 1);
        bh.consume(delta);
        return convergeA.join(delta);
    }

    @Benchmark
    public Object pekko(Blackhole bh) {
        if (join) {
            return pekkoA.merge(pekkoB);
        }
        org.apache.pekko.cluster.ddata.PNCounter next = pekkoA.increment(wa.node(0), 1);
        bh.consume(next.delta());
        return next;
    }

    @Benchmark
    public Object floor() {
        if (join) {
            HashMap<String, Long> union = new HashMap<>(floorA);
            union.putAll(floorB);
            return union;
        }
        return floorA.merge("r0", 1L, Long::sum);
    }
}
