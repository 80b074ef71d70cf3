package io.converge.bench.add;

import io.converge.bench.fixture.Check;
import io.converge.bench.fixture.Converge;
import io.converge.bench.fixture.Elements;
import io.converge.bench.fixture.Jvm;
import io.converge.bench.fixture.Pekko;
import io.converge.bench.fixture.Writers;
import io.converge.crdt.ORSet;
import java.util.HashSet;
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
 * A local add on a replica of {@code size} elements: the new state and the delta to ship,
 * Converge against Pekko.
 *
 * <p>Both produce the same two things. Converge: the delta {@code s.add(replica, e)}, then the
 * new state {@code s.join(delta)}. Pekko: {@code s.add(node, e)}, a new state that carries its
 * delta ({@code delta()}), on a state without pending delta (a node's stored state, reset after
 * its last gossip). The element is new to the set; the state is immutable, so every invocation
 * adds it to the same {@code size} elements (written round robin by {@code a, b, c}).
 *
 * <p>{@code floor}: {@link HashSet#add} of the element into a set of {@code size} strings, then
 * {@code remove}, so the set is unchanged.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {Jvm.XMS, Jvm.XMX, Jvm.PRETOUCH})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ORSetAddBenchmark {
    @Param({"1000", "100000"})
    public int size;

    private Writers writers;
    private ORSet<String> convergeState;
    private org.apache.pekko.cluster.ddata.ORSet<String> pekkoState;
    private HashSet<String> floorSet;
    private String element;

    @Setup(Level.Trial)
    public void setUp() {
        String[] shared = Elements.names(0, size);
        writers = Writers.of("a", "b", "c");
        convergeState = Converge.addAll(ORSet.empty(), writers, -1, shared);
        pekkoState = Pekko.addAll(org.apache.pekko.cluster.ddata.ORSet.empty(), writers, -1, shared);
        floorSet = new HashSet<>(Elements.list(shared));
        element = Elements.name(size);

        // The same calls as the benchmark methods, checked once.
        ORSet<String> delta = convergeState.add(writers.id(0), element);
        ORSet<String> c = convergeState.join(delta);
        Check.equal(c.size(), size + 1, "converge size after add");
        Check.that(c.contains(element) && delta.size() == 1, "converge holds the element, its delta only that");
        org.apache.pekko.cluster.ddata.ORSet<String> p = pekkoState.add(writers.node(0), element);
        Check.equal(p.size(), size + 1, "pekko size after add");
        Check.that(p.contains(element) && p.delta().isDefined(), "pekko holds the element and its delta");
        Check.that(floor() && floorSet.size() == size, "floor set unchanged");
    }

    @Benchmark
    public ORSet<String> converge(Blackhole bh) {
        ORSet<String> delta = convergeState.add(writers.id(0), element);
        bh.consume(delta);
        return convergeState.join(delta);
    }

    @Benchmark
    public org.apache.pekko.cluster.ddata.ORSet<String> pekko(Blackhole bh) {
        org.apache.pekko.cluster.ddata.ORSet<String> next = pekkoState.add(writers.node(0), element);
        bh.consume(next.delta());
        return next;
    }

    @Benchmark
    public boolean floor() {
        return floorSet.add(element) & floorSet.remove(element);
    }
}
