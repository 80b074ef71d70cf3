package io.converge.bench.merge;

import io.converge.bench.fixture.Check;
import io.converge.bench.fixture.Converge;
import io.converge.bench.fixture.Elements;
import io.converge.bench.fixture.Jvm;
import io.converge.bench.fixture.Pekko;
import io.converge.bench.fixture.Writers;
import io.converge.crdt.ORSet;
import io.converge.crdt.codec.BinaryCodec;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
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
 * Full-state join of two OR-Set replicas, Converge against Pekko.
 *
 * <p><b>Fixture.</b> Both replicas hold the same {@code size} shared elements, added round robin
 * by writers {@code a, b, c} (so both have seen dots {@code a:1..}, {@code b:1..},
 * {@code c:1..}). Then, concurrently, replica A adds {@code size / 100} elements as writer
 * {@code a} and replica B adds {@code size / 100} others as writer {@code b}: each holds 1% that
 * the other lacks. The two replicas are built separately from separate objects (strings, replica
 * ids, node addresses), as two nodes would hold them: Converge's B replays the same adds on
 * fresh objects (its dots are per-replica counters, so a replay is the decoded state), Pekko's B
 * is a fresh-object copy of the shared state (its dots come from a JVM-wide counter, so a replay
 * would not be the same state; see {@link Pekko}). Pekko's states carry no pending delta and no
 * ancestor. Setup checks that each library's join holds exactly
 * {@code size + 2 * size / 100} elements.
 *
 * <p><b>{@code divergence}.</b> {@code percent} is the fixture above. {@code fixed}: the replicas
 * differ in 100 elements whatever their size, as after a short partition. Replica A holds the
 * {@code size} shared elements, added round robin by writers {@code a, b, c}; Converge's
 * replica B is decoded from A's {@link BinaryCodec} encoding (so the two share no object: no
 * string, no replica id, no trie node), Pekko's a fresh-object copy ({@link Pekko#copy}); then
 * A adds 50 elements as writer {@code a} and B 50 others as writer {@code b}. The join's useful
 * work is 100 elements: with equal subtrees skipped, its cost should hardly grow with
 * {@code size} (run with {@code -p size=10000,100000,1000000}).
 *
 * <p>{@code names}: element names that look random ({@code e} and a mixed number, as in every
 * other benchmark) or {@code elem-0, elem-1, ...} ({@code sequential}), on which Pekko's hash
 * trie is faster. Setup computes the hash of every element of both replicas of both libraries
 * (a {@code String} caches it), so no measured join hashes a string for the first time.
 *
 * <p>{@code converge} joins the two states as the API builds them; {@code convergeStructural}
 * joins the same states in unkeyed form (see {@link Converge#unkeyed}), which takes Converge's
 * structural trie merge instead of its per-key path.
 *
 * <p>{@code floor} is the cost of hashing the same strings: a {@link HashSet} copy of A's
 * elements, then {@code addAll} of B's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {Jvm.XMS, Jvm.XMX, Jvm.PRETOUCH})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ORSetMergeBenchmark {
    @Param({"1000", "10000", "100000"})
    public int size;

    @Param({"random", "sequential"})
    public String names;

    /** {@code percent}: each side adds {@code size / 100}; {@code fixed}: each side adds 50 (see the class comment). */
    @Param({"percent", "fixed"})
    public String divergence;

    /** Elements each side adds on its own in the {@code fixed} fixture. */
    static final int FIXED_PER_SIDE = 50;

    private ORSet<String> convergeA;
    private ORSet<String> convergeB;
    private ORSet<String> unkeyedA;
    private ORSet<String> unkeyedB;
    private org.apache.pekko.cluster.ddata.ORSet<String> pekkoA;
    private org.apache.pekko.cluster.ddata.ORSet<String> pekkoB;
    private HashSet<String> floorA;
    /** Converge's replica B encoded ({@code fixed} only), for {@link #convergeFreshlyDecoded}. */
    private byte[] encodedB;
    private BinaryCodec<ORSet<String>> codec;
    private HashSet<String> floorB;

    @Setup(Level.Trial)
    public void setUp() {
        Elements.Naming naming = Elements.Naming.of(names);
        boolean fixed = switch (divergence) {
            case "percent" -> false;
            case "fixed" -> true;
            default -> throw new IllegalArgumentException("divergence must be percent or fixed, got " + divergence);
        };
        int divergent = fixed ? FIXED_PER_SIDE : size / 100;
        String[] shared = naming.names(0, size);
        String[] onlyA = naming.names(size, size + divergent);
        String[] onlyB = naming.names(size + divergent, size + 2 * divergent);
        String[] sharedCopy = Elements.fresh(shared);
        String[] onlyBCopy = Elements.fresh(onlyB);
        String[] onlyACopy = Elements.fresh(onlyA);

        // Replica A: its own strings, ids and addresses.
        Writers wa = Writers.of("a", "b", "c");
        convergeA = Converge.addAll(Converge.addAll(ORSet.empty(), wa, -1, shared), wa, 0, onlyA);
        org.apache.pekko.cluster.ddata.ORSet<String> pekkoShared =
                Pekko.addAll(org.apache.pekko.cluster.ddata.ORSet.empty(), wa, -1, shared);
        pekkoA = Pekko.addAll(pekkoShared, wa, 0, onlyA);

        // Replica B: the same history replayed on fresh objects (percent) or decoded from A's
        // encoding (fixed), then its own concurrent adds.
        Writers wb = Writers.of("a", "b", "c");
        ORSet<String> sharedB;
        if (fixed) {
            codec = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.string()), Converge.UNBOUNDED);
            sharedB = codec.decode(codec.encodeToBytes(Converge.addAll(ORSet.empty(), wa, -1, shared)));
            // B's own string objects, in the order of A's.
            java.util.Map<String, String> decoded = new java.util.HashMap<>();
            for (String e : sharedB.value()) {
                decoded.put(e, e);
            }
            for (int i = 0; i < size; i++) {
                sharedCopy[i] = decoded.get(shared[i]);
            }
        } else {
            sharedB = Converge.addAll(ORSet.empty(), wb, -1, sharedCopy);
        }
        convergeB = Converge.addAll(sharedB, wb, 1, onlyBCopy);
        if (fixed) {
            encodedB = codec.encodeToBytes(convergeB);
        }
        // Pekko: the shared history copied as its deserializer would rebuild it (see Pekko.copy).
        pekkoB = Pekko.addAll(Pekko.copy(pekkoShared, wa.pekkoTranslation(wb)), wb, 1, onlyBCopy);

        floorA = new HashSet<>(Elements.list(shared));
        floorA.addAll(Elements.list(onlyA));
        floorB = new HashSet<>(Elements.list(sharedCopy));
        floorB.addAll(Elements.list(onlyBCopy));
        Elements.hashAll(convergeA.value(), convergeB.value(), pekkoA.getElements(), pekkoB.getElements());

        Check.that(Elements.equalButDisjoint(shared, sharedCopy), "replicas share no string");
        Pekko.checkNoAncestor(pekkoA, "pekko A");
        Pekko.checkNoAncestor(pekkoB, "pekko B");
        Check.that(!pekkoA.isAncestorOf(pekkoB) && !pekkoB.isAncestorOf(pekkoA), "no fast merge");

        Check.that(Converge.isKeyed(convergeA), "a replica built by mutators is keyed");
        unkeyedA = Converge.unkeyed(convergeA);
        unkeyedB = Converge.isKeyed(convergeB) ? Converge.unkeyed(convergeB) : convergeB;

        int expected = size + 2 * divergent;
        ORSet<String> c = converge();
        Check.that(c.equals(convergeStructural()), "structural join gives the same set");
        Check.equal(c.size(), expected, "converge join size");
        Check.that(c.equals(convergeB.join(convergeA)), "converge join commutes");
        org.apache.pekko.cluster.ddata.ORSet<String> p = pekko();
        Check.equal(p.size(), expected, "pekko merge size");
        Check.equal(floor().size(), expected, "floor size");
        for (String[] part : new String[][] {shared, onlyACopy, onlyB}) {
            for (String e : part) {
                Check.that(c.contains(e) && p.contains(e), "joined replicas contain " + e);
            }
        }
        Pekko.checkNoAncestor(pekkoA, "pekko A after merge");
        Pekko.checkNoAncestor(pekkoB, "pekko B after merge");
    }

    @Benchmark
    public ORSet<String> converge() {
        return convergeA.join(convergeB);
    }

    /**
     * {@link #converge()}, then the result joined with B again, as a live replica's next join
     * would: the nodes the first join created compute their local digests when they are first
     * compared, so this less {@code converge} is what a join defers to the next one.
     */
    @Benchmark
    public ORSet<String> convergeThenRejoin() {
        return convergeA.join(convergeB).join(convergeB);
    }

    /** A freshly decoded replica B per iteration ({@code fixed} only), for {@link #convergeFreshlyDecoded}. */
    @State(Scope.Thread)
    public static class Fresh {
        ORSet<String> b;

        @Setup(Level.Iteration)
        public void decode(ORSetMergeBenchmark bench) {
            Check.that(bench.encodedB != null, "convergeFreshlyDecoded needs divergence=fixed");
            b = bench.codec.decode(bench.encodedB);
            Elements.hashAll(b.value());
        }
    }

    /**
     * The first join of A with a replica B just decoded (one join per iteration): B's nodes
     * compute their local digests (a keyed hash of each entry, linear in B) on this join, the
     * cost a heal or transfer pays once per received state. Run with {@code -bm ss}.
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    public ORSet<String> convergeFreshlyDecoded(Fresh fresh) {
        return convergeA.join(fresh.b);
    }

    /**
     * The same two states as {@link #converge()}, unkeyed, so that the join is the structural
     * trie merge (see {@link Converge#unkeyed}). A live replica's state is keyed, so a node pays
     * {@code converge}; this shows what the structural merge would give.
     */
    @Benchmark
    public ORSet<String> convergeStructural() {
        return unkeyedA.join(unkeyedB);
    }

    @Benchmark
    public org.apache.pekko.cluster.ddata.ORSet<String> pekko() {
        return pekkoA.merge(pekkoB);
    }

    @Benchmark
    public HashSet<String> floor() {
        HashSet<String> union = new HashSet<>(floorA);
        union.addAll(floorB);
        return union;
    }
}
