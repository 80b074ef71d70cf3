package io.converge.bench.merge;

import io.converge.bench.fixture.Check;
import io.converge.bench.fixture.Converge;
import io.converge.bench.fixture.Elements;
import io.converge.bench.fixture.Jvm;
import io.converge.bench.fixture.Pekko;
import io.converge.bench.fixture.Writers;
import io.converge.crdt.AWLWWMap;
import io.converge.crdt.codec.BinaryCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.ORMap;
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
 * Converge's {@link AWLWWMap} against Pekko's {@link LWWMap}: a full join of two replicas
 * ({@code op=full}) and applying a one-entry delta ({@code op=delta}).
 *
 * <p><b>Fixture.</b> Both replicas hold the same {@code size} keys (string to string), put round
 * robin by writers {@code a, b, c} at successive fixture-driven times, so both libraries stamp
 * the two replicas' copies alike. The second replica is built from separate objects (Converge:
 * the puts replayed on fresh strings, ids and clock; Pekko: a fresh-object copy, see
 * {@link Pekko}).
 * <ul>
 *   <li>{@code full}: then, concurrently, each replica diverges on 1% of the keys: A (writer
 *       {@code a}) overwrites {@code size / 200} shared keys and puts {@code size / 200} new
 *       ones; B (writer {@code b}) does the same on other keys. The benchmark joins A and B;
 *       setup checks {@code size + size / 100} keys and every overwritten value.
 *   <li>{@code delta}: the remote replica (writer {@code b}) overwrites one shared key; the
 *       local replica applies that put's delta (Converge {@code join}, Pekko {@code mergeDelta}).
 * </ul>
 * {@code divergence} (for {@code full} only): {@code percent} is the 1% above; {@code fixed}: the
 * replicas differ in 100 keys whatever their size (each side overwrites 25 shared keys and puts
 * 25 new ones), and Converge's replica B is decoded from A's {@link BinaryCodec} encoding of the
 * shared state, so the two share no object (Pekko's is its fresh-object copy, as above). With
 * equal subtrees skipped, the join should hardly grow with {@code size} (run with
 * {@code -p size=10000,100000,1000000}). {@code delta} ignores it.
 * {@code names}: keys that look random ({@code e} and a mixed number, as in every other
 * benchmark) or {@code elem-0, elem-1, ...} ({@code sequential}), on which Pekko's hash trie is
 * faster. Setup computes the hash of every key the measured join or delta reads, on both sides
 * (a {@code String} caches it), so none is hashed for the first time while measured.
 * {@code convergeStructural}: the same join on unkeyed full states (see
 * {@link Converge#unkeyed}).
 * {@code floor}: {@link HashMap} copy of A's entries then {@code putAll} of B's ({@code full}), or
 * {@code put} of the delta's entry into a map of {@code size} entries and back ({@code delta}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {Jvm.XMS, Jvm.XMX, Jvm.PRETOUCH})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class MapMergeBenchmark {
    private static final long START_MILLIS = 1_700_000_000_000L;

    @Param({"1000", "10000", "100000"})
    public int size;

    @Param({"full", "delta"})
    public String op;

    @Param({"random", "sequential"})
    public String names;

    /** For {@code full}: {@code percent} (1% of the keys differ) or {@code fixed} (100 keys differ). */
    @Param({"percent", "fixed"})
    public String divergence;

    private boolean full;
    private AWLWWMap<String, String> convergeA;
    private AWLWWMap<String, String> convergeB;
    private AWLWWMap<String, String> unkeyedA;
    private AWLWWMap<String, String> unkeyedB;
    private LWWMap<String, String> pekkoA;
    private LWWMap<String, String> pekkoB;
    private ORMap.DeltaOp pekkoDelta;
    private HashMap<String, String> floorA;
    private HashMap<String, String> floorB;
    private String floorKey;
    private String floorValue;
    private String floorOldValue;

    private static String[] values(String prefix, int from, int to) {
        String[] out = new String[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = prefix + i;
        }
        return out;
    }

    @Setup(Level.Trial)
    public void setUp() {
        full = switch (op) {
            case "full" -> true;
            case "delta" -> false;
            default -> throw new IllegalArgumentException("op must be full or delta, got " + op);
        };
        Elements.Naming naming = Elements.Naming.of(names);
        String[] keys = naming.names(0, size);
        String[] vals = values("v", 0, size);
        String[] keysCopy = Elements.fresh(keys);
        String[] valsCopy = Elements.fresh(vals);

        Writers wa = Writers.of("a", "b", "c");
        Writers wb = Writers.of("a", "b", "c");
        Converge.FixtureClock ca = new Converge.FixtureClock(START_MILLIS);
        Converge.FixtureClock cb = new Converge.FixtureClock(START_MILLIS);
        Pekko.FixtureClock pa = new Pekko.FixtureClock(START_MILLIS);
        Pekko.FixtureClock pb = new Pekko.FixtureClock(START_MILLIS);

        convergeA = Converge.putAll(AWLWWMap.empty(), wa, -1, ca, keys, vals);
        boolean fixed = switch (divergence) {
            case "percent" -> false;
            case "fixed" -> true;
            default -> throw new IllegalArgumentException("divergence must be percent or fixed, got " + divergence);
        };
        if (fixed && full) {
            BinaryCodec<AWLWWMap<String, String>> codec = BinaryCodec.of(
                    CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.string()), Converge.UNBOUNDED);
            convergeB = codec.decode(codec.encodeToBytes(convergeA));
            for (int i = 0; i < size; i++) {
                cb.tick();
            }
            // B's own key objects, in the order of A's.
            java.util.Map<String, String> decoded = new HashMap<>();
            for (String k : convergeB.value().keySet()) {
                decoded.put(k, k);
            }
            for (int i = 0; i < size; i++) {
                keysCopy[i] = decoded.get(keys[i]);
            }
        } else {
            convergeB = Converge.putAll(AWLWWMap.empty(), wb, -1, cb, keysCopy, valsCopy);
        }
        LWWMap<String, String> pekkoShared = Pekko.putAll(LWWMap.empty(), wa, -1, pa, keys, vals);
        pekkoA = pekkoShared;
        pekkoB = Pekko.copy(pekkoShared, wa.pekkoTranslation(wb));
        for (int i = 0; i < size; i++) {
            pb.tick();
        }

        // What each side changes: A overwrites shared keys [0, half) and adds [size, size + half);
        // B overwrites [half, 2 half) and adds [size + half, size + 2 half). In delta mode, B
        // overwrites the one key size / 2 and A changes nothing.
        int half = fixed && full ? 25 : size / 200;
        String[] aKeys;
        String[] bKeys;
        if (full) {
            aKeys = concat(Arrays.copyOfRange(keys, 0, half), naming.names(size, size + half));
            bKeys = concat(Arrays.copyOfRange(keysCopy, half, 2 * half), naming.names(size + half, size + 2 * half));
        } else {
            aKeys = new String[0];
            bKeys = new String[] {keysCopy[size / 2]};
        }
        String[] aVals = values("a-wrote-", 0, aKeys.length);
        String[] bVals = values("b-wrote-", 0, bKeys.length);

        convergeA = Converge.putAll(convergeA, wa, 0, ca, aKeys, aVals);
        pekkoA = Pekko.putAll(pekkoA, wa, 0, pa, aKeys, aVals);
        AWLWWMap<String, String> convergeDelta = null;
        if (full) {
            convergeB = Converge.putAll(convergeB, wb, 1, cb, bKeys, bVals);
            pekkoB = Pekko.putAll(pekkoB, wb, 1, pb, bKeys, bVals);
        } else {
            cb.tick();
            pb.tick();
            convergeDelta = convergeB.put(wb.id(1), cb.hlc(), bKeys[0], bVals[0]);
            pekkoDelta = pekkoB.put(wb.node(1), bKeys[0], bVals[0], pb.lww()).delta().get();
        }
        Pekko.checkNoAncestor(pekkoA.underlying().keys(), "pekko A keys");
        Pekko.checkNoAncestor(pekkoB.underlying().keys(), "pekko B keys");

        floorA = new HashMap<>();
        for (int i = 0; i < size; i++) {
            floorA.put(keys[i], vals[i]);
        }
        for (int i = 0; i < aKeys.length; i++) {
            floorA.put(aKeys[i], aVals[i]);
        }
        floorB = new HashMap<>();
        for (int i = 0; i < size; i++) {
            floorB.put(keysCopy[i], valsCopy[i]);
        }
        for (int i = 0; i < bKeys.length; i++) {
            floorB.put(bKeys[i], bVals[i]);
        }
        floorKey = bKeys[0];
        floorValue = bVals[0];
        floorOldValue = floorA.get(floorKey);

        if (!full) {
            // The delta stands in for B: the replica that applies it must end where B ends.
            convergeB = convergeDelta;
        }
        // The delta's key is B's, so convergeB covers pekkoDelta too.
        Elements.hashAll(convergeA.value().keySet(), convergeB.value().keySet(),
                pekkoA.getEntries().keySet(), pekkoB.getEntries().keySet());
        unkeyedA = Converge.unkeyed(convergeA);
        // A delta stays keyed: that is what makes applying it cost O(delta).
        unkeyedB = full ? Converge.unkeyed(convergeB) : convergeB;
        AWLWWMap<String, String> c = converge();
        Check.that(c.equals(convergeStructural()), "structural join gives the same map");
        LWWMap<String, String> p = pekko();
        int expected = full ? size + 2 * half : size;
        Check.equal(c.size(), expected, "converge joined size");
        Check.equal(p.size(), expected, "pekko joined size");
        for (int i = 0; i < aKeys.length; i++) {
            Check.that(c.get(aKeys[i]).orElseThrow().equals(aVals[i]), "converge keeps A's write to " + aKeys[i]);
            Check.that(p.get(aKeys[i]).get().equals(aVals[i]), "pekko keeps A's write to " + aKeys[i]);
        }
        for (int i = 0; i < bKeys.length; i++) {
            Check.that(c.get(bKeys[i]).orElseThrow().equals(bVals[i]), "converge keeps B's write to " + bKeys[i]);
            Check.that(p.get(bKeys[i]).get().equals(bVals[i]), "pekko keeps B's write to " + bKeys[i]);
        }
        Check.that(c.get(keys[size - 1]).orElseThrow().equals(vals[size - 1]), "converge keeps a shared entry");
        Check.that(p.get(keys[size - 1]).get().equals(vals[size - 1]), "pekko keeps a shared entry");
        Check.equal(floor().size(), full ? expected : size, "floor size");
        Check.that(floorA.get(floorKey).equals(floorOldValue), "floor map unchanged");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Benchmark
    public AWLWWMap<String, String> converge() {
        return convergeA.join(convergeB);
    }

    /**
     * {@link #converge()} on unkeyed full states (see {@link Converge#unkeyed}): the structural
     * trie merge for {@code full}; for {@code delta}, an unkeyed state applying the (keyed) delta.
     */
    @Benchmark
    public AWLWWMap<String, String> convergeStructural() {
        return unkeyedA.join(unkeyedB);
    }

    @Benchmark
    public LWWMap<String, String> pekko() {
        return full ? pekkoA.merge(pekkoB) : pekkoA.mergeDelta(pekkoDelta);
    }

    @Benchmark
    public HashMap<String, String> floor() {
        if (full) {
            HashMap<String, String> union = new HashMap<>(floorA);
            union.putAll(floorB);
            return union;
        }
        floorA.put(floorKey, floorValue);
        floorA.put(floorKey, floorOldValue);
        return floorA;
    }
}
