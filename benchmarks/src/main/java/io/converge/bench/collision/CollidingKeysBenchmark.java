package io.converge.bench.collision;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.bench.fixture.Check;
import io.converge.bench.fixture.Jvm;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.BinaryCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.JsonCodec;
import io.converge.crdt.codec.ValueCodec;
import java.util.ArrayList;
import java.util.List;
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
 * OR-Sets whose elements all share one {@code hashCode}, against the same sets with spread
 * hashes: what a peer can send on purpose, in valid canonical frames, to make a replica's hash
 * trie degenerate.
 *
 * <p><b>Elements.</b> {@code type=long}: {@value #LONGS} longs {@code x << 32 | x} for
 * {@code x = 1..n} ({@code Long.hashCode} is {@code (int) (v ^ v >>> 32)}, 0 for all of them);
 * spread: {@code x << 32 | (x * 0x9E3779B1 mod 2^32)}, the same magnitude (same frame size) with
 * varied hashes. {@code type=string}: {@value #STRINGS} strings of 15 two-character blocks
 * {@code "Aa"} or {@code "BB"} (equal {@code String.hashCode}: 2^15 strings of one hash);
 * spread: blocks {@code "Aa"} or {@code "Bb"}, the same lengths. The binary frames are 877 KB
 * (longs) and 963 KB (strings), under the default 1 MiB frame and 100,000 elements; all sets are
 * the full state of writer {@code a}, built through the public API.
 *
 * <p><b>What is measured</b>:
 * <ul>
 *   <li>{@code decode}: {@link BinaryCodec#decode(byte[])} of the whole state;
 *   <li>{@code jsonDecode}: {@link JsonCodec#decode(byte[])} of the first {@value #JSON_LONGS}
 *       longs or {@value #JSON_STRINGS} strings (under the default 1 MiB document);
 *   <li>{@code equalCopies}: {@code equals} of two separately decoded copies (no shared objects);
 *   <li>{@code joinHalves}: the join of two decoded (unkeyed, so structural) states holding the
 *       even and the odd elements, added by two writers;
 *   <li>{@code addOne}: a local add of one more element of the same kind to the decoded state,
 *       joined into it (what a replica's own write costs).
 * </ul>
 * Each fixture is built only for the benchmarks that use it: with a trie that scans colliding
 * keys linearly, every one of them takes seconds to minutes to build.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {Jvm.XMS, Jvm.XMX, Jvm.PRETOUCH})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CollidingKeysBenchmark {
    static final int LONGS = 80_000;
    static final int STRINGS = 28_000;
    static final int JSON_LONGS = 20_000;
    static final int JSON_STRINGS = 14_000;

    /** Element {@code i} (from 1) of the chosen kind. */
    static Object element(String type, boolean colliding, int i) {
        if (type.equals("long")) {
            long x = i;
            return colliding ? x << 32 | x : x << 32 | ((x * 0x9E3779B1L) & 0xFFFFFFFFL);
        }
        StringBuilder sb = new StringBuilder(30);
        for (int b = 14; b >= 0; b--) {
            sb.append((i >>> b & 1) == 0 ? "Aa" : colliding ? "BB" : "Bb");
        }
        return sb.toString();
    }

    /** The parameters, the elements and the codecs. */
    @State(Scope.Benchmark)
    public static class Elements {
        @Param({"long", "string"})
        public String type;

        @Param({"colliding", "spread"})
        public String hashes;

        List<Object> all;
        BinaryCodec<ORSet<Object>> binary;
        JsonCodec<ORSet<Object>> json;
        final ReplicaId writer = ReplicaId.of("a");

        @SuppressWarnings({"unchecked", "rawtypes"})
        @Setup(Level.Trial)
        public void setUp() {
            boolean colliding = hashes.equals("colliding");
            int n = type.equals("long") ? LONGS : STRINGS;
            ValueCodec codec = type.equals("long") ? ValueCodec.int64() : ValueCodec.string();
            binary = BinaryCodec.of(CrdtCodecs.orSet(codec));
            json = type.equals("long") ? (JsonCodec) JsonCodec.of(new TypeReference<ORSet<Long>>() { })
                    : (JsonCodec) JsonCodec.of(new TypeReference<ORSet<String>>() { });
            all = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
                all.add(element(type, colliding, i));
            }
            if (colliding) {
                int h = all.get(0).hashCode();
                Check.that(all.stream().allMatch(e -> e.hashCode() == h), "colliding elements share one hashCode");
            } else {
                Check.that(all.stream().map(Object::hashCode).distinct().count() > n / 2, "spread hashes vary");
            }
        }

        ORSet<Object> set(ReplicaId replica, List<Object> elements) {
            return ORSet.<Object>empty().addAll(replica, elements);
        }
    }

    /** The binary frame of the whole set. */
    @State(Scope.Benchmark)
    public static class Frame {
        byte[] bytes;

        @Setup(Level.Trial)
        public void setUp(Elements e) {
            bytes = e.binary.encodeToBytes(e.set(e.writer, e.all));
            System.out.println("BYTES: type=" + e.type + " hashes=" + e.hashes + " elements=" + e.all.size()
                    + " binary=" + bytes.length);
        }
    }

    /** Two copies of the whole set, each decoded from the frame. */
    @State(Scope.Benchmark)
    public static class Decoded {
        ORSet<Object> copy1;
        ORSet<Object> copy2;
        Object extra;

        @Setup(Level.Trial)
        public void setUp(Elements e, Frame f) {
            copy1 = e.binary.decode(f.bytes);
            copy2 = e.binary.decode(f.bytes);
            Check.equal(copy1.size(), e.all.size(), "decoded size");
            extra = element(e.type, e.hashes.equals("colliding"), e.all.size() + 1);
            ORSet<Object> added = copy1.join(copy1.add(e.writer, extra));
            Check.that(added.size() == e.all.size() + 1 && added.contains(extra), "add one");
        }
    }

    /** The JSON document of the first elements. */
    @State(Scope.Benchmark)
    public static class Json {
        byte[] bytes;

        @Setup(Level.Trial)
        public void setUp(Elements e) {
            int n = e.type.equals("long") ? JSON_LONGS : JSON_STRINGS;
            bytes = e.json.encode(e.set(e.writer, e.all.subList(0, n)));
            System.out.println("BYTES: type=" + e.type + " hashes=" + e.hashes + " json(" + n + ")=" + bytes.length);
        }
    }

    /** The even and the odd elements, added by two writers, each decoded from its frame. */
    @State(Scope.Benchmark)
    public static class Halves {
        ORSet<Object> evens;
        ORSet<Object> odds;

        @Setup(Level.Trial)
        public void setUp(Elements e) {
            List<Object> even = new ArrayList<>();
            List<Object> odd = new ArrayList<>();
            for (int i = 0; i < e.all.size(); i++) {
                (i % 2 == 0 ? even : odd).add(e.all.get(i));
            }
            evens = e.binary.decode(e.binary.encodeToBytes(e.set(ReplicaId.of("b"), even)));
            odds = e.binary.decode(e.binary.encodeToBytes(e.set(ReplicaId.of("c"), odd)));
            Check.equal(evens.join(odds).size(), e.all.size(), "join of the halves");
        }
    }

    @Benchmark
    public ORSet<Object> decode(Elements e, Frame f) {
        return e.binary.decode(f.bytes);
    }

    @Benchmark
    public ORSet<Object> jsonDecode(Elements e, Json j) {
        return e.json.decode(j.bytes);
    }

    @Benchmark
    public boolean equalCopies(Decoded d) {
        return d.copy1.equals(d.copy2);
    }

    @Benchmark
    public ORSet<Object> joinHalves(Halves h) {
        return h.evens.join(h.odds);
    }

    @Benchmark
    public ORSet<Object> addOne(Elements e, Decoded d) {
        return d.copy1.join(d.copy1.add(e.writer, d.extra));
    }
}
