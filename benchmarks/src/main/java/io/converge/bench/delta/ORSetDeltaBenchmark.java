package io.converge.bench.delta;

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

/**
 * A replica of {@code size} elements applies the delta of one remote add ({@code op=add}) or of
 * one remote remove ({@code op=remove}), Converge against Pekko.
 *
 * <p><b>Fixture.</b> The local and the remote replica hold the same {@code size} elements, added
 * round robin by writers {@code a, b, c}, built from separate objects (Converge: the same adds
 * replayed on fresh strings and ids; Pekko: a fresh-object copy, see {@link Pekko}). The remote
 * replica, as writer {@code b}, then adds one new element or removes one shared element; its
 * delta is what the local replica applies, every invocation, to the same (immutable) state:
 * Converge {@code local.join(delta)}, Pekko {@code local.mergeDelta(delta)} with the delta taken
 * from {@code remote.add(node, e).delta().get()} (or {@code remove}). Setup checks that the
 * result gained (or lost) exactly that element.
 *
 * <p>{@code floor} is the physical cost of hashing the delta's one element into a
 * {@link HashSet} of {@code size} strings: {@code add} then {@code remove} (or the reverse), so
 * the set is unchanged after each invocation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {Jvm.XMS, Jvm.XMX, Jvm.PRETOUCH})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ORSetDeltaBenchmark {
    @Param({"1000", "10000", "100000", "1000000"})
    public int size;

    @Param({"add", "remove"})
    public String op;

    private ORSet<String> convergeLocal;
    private ORSet<String> convergeDelta;
    private org.apache.pekko.cluster.ddata.ORSet<String> pekkoLocal;
    private org.apache.pekko.cluster.ddata.ORSet.DeltaOp pekkoDelta;
    private HashSet<String> floorSet;
    private String floorElement;
    private boolean adds;

    @Setup(Level.Trial)
    public void setUp() {
        boolean add = adds = switch (op) {
            case "add" -> true;
            case "remove" -> false;
            default -> throw new IllegalArgumentException("op must be add or remove, got " + op);
        };
        String[] shared = Elements.names(0, size);
        String[] sharedCopy = Elements.fresh(shared);
        // The element the remote replica adds (new) or removes (shared), as the remote's own string.
        String target = add ? Elements.name(size) : Elements.fresh(shared[size / 2]);

        Writers local = Writers.of("a", "b", "c");
        Writers remote = Writers.of("a", "b", "c");

        convergeLocal = Converge.addAll(ORSet.empty(), local, -1, shared);
        ORSet<String> convergeRemote = Converge.addAll(ORSet.empty(), remote, -1, sharedCopy);
        convergeDelta = add ? convergeRemote.add(remote.id(1), target) : convergeRemote.remove(target);

        pekkoLocal = Pekko.addAll(org.apache.pekko.cluster.ddata.ORSet.empty(), local, -1, shared);
        org.apache.pekko.cluster.ddata.ORSet<String> pekkoRemote = Pekko.copy(pekkoLocal, local.pekkoTranslation(remote));
        pekkoDelta = (add ? pekkoRemote.add(remote.node(1), target) : pekkoRemote.remove(remote.node(1), target))
                .delta().get();
        Pekko.checkNoAncestor(pekkoLocal, "pekko local");

        floorSet = new HashSet<>(Elements.list(shared));
        floorElement = target;

        int expected = add ? size + 1 : size - 1;
        ORSet<String> c = converge();
        Check.equal(c.size(), expected, "converge size after delta");
        Check.that(c.contains(target) == add, "converge applied the " + op);
        Check.that(c.equals(convergeRemote.join(convergeDelta)), "converge replicas converge");
        org.apache.pekko.cluster.ddata.ORSet<String> p = pekko();
        Check.equal(p.size(), expected, "pekko size after delta");
        Check.that(p.contains(target) == add, "pekko applied the " + op);
        Check.that(p.equals(pekkoRemote.mergeDelta(pekkoDelta)), "pekko replicas converge");
        floor();
        Check.equal(floorSet.size(), size, "floor set unchanged");
    }

    @Benchmark
    public ORSet<String> converge() {
        return convergeLocal.join(convergeDelta);
    }

    @Benchmark
    public org.apache.pekko.cluster.ddata.ORSet<String> pekko() {
        return pekkoLocal.mergeDelta(pekkoDelta);
    }

    @Benchmark
    public boolean floor() {
        // Two hash operations on the delta's element; the set is the same afterwards.
        return adds
                ? floorSet.add(floorElement) & floorSet.remove(floorElement)
                : floorSet.remove(floorElement) & floorSet.add(floorElement);
    }
}
