package io.converge.bench.codec;

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
import java.util.Arrays;
import java.util.HashSet;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.ddata.protobuf.ReplicatedDataSerializer;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Encoding and decoding an OR-Set of {@code size} strings and the delta of one add to it, with
 * each library's own binary serializer: Converge's {@link BinaryCodec} against Pekko's
 * {@code ReplicatedDataSerializer}, both to and from a {@code byte[]}. The size of every message
 * is reported too.
 *
 * <p><b>Fixture.</b> One replica holds {@code size} elements added round robin by writers
 * {@code a, b, c} (built as in {@code ORSetMergeBenchmark}); as writer {@code b} it then adds
 * one new element, and that add's delta is the one-element message (Converge: the delta
 * {@code state.add(b, e)} returns; Pekko: {@code state.add(b, e).delta().get()}, an
 * {@code ORSet.AddDeltaOp}, as in {@code ORSetDeltaBenchmark}). Setup encodes each of the four
 * messages once and checks the round trip: Converge's decoded state and delta equal the
 * originals; Pekko's decoded state equals the original (same elements, same dots) and its decoded
 * delta equals the original delta; each decoded delta, applied to its state, adds the element.
 *
 * <p><b>What is measured.</b> {@code *EncodeState} / {@code *EncodeDelta} turn the value into a
 * new {@code byte[]}: Converge {@link BinaryCodec#encodeToBytes}, Pekko
 * {@code serializer.toBinary(value)}. Pekko's serializer only returns arrays, so Converge is
 * measured through its array API too (it encodes into a growing unpooled heap buffer, copies the
 * frame out and releases the buffer); a transport writing into a reused buffer saves the copy.
 * {@code *DecodeState} / {@code *DecodeDelta} rebuild the value from those bytes: Converge
 * {@link BinaryCodec#decode(byte[])} (which checks limits, canonical form and the value's
 * invariants), Pekko {@code serializer.fromBinary(bytes, manifest)} with the manifest its
 * {@code manifest(value)} gives.
 *
 * <p><b>Not the same work.</b> Pekko gzips a full {@code ORSet} state ({@code toBinary} of an
 * {@code ORSet} is {@code compress(orsetToProto(set))}, and {@code fromBinary} gunzips it), but
 * not its deltas; its state figures include that compression, and its state bytes are compressed
 * bytes. Converge does not compress. Both are payloads only: each library's protocol wraps them
 * in its own envelope (Converge's message header, Pekko's {@code DataEnvelope} and remoting).
 *
 * <p><b>Converge's limits.</b> The decoder runs with {@link CodecLimits#defaults()} except a
 * {@code maxFrameBytes} of {@value #MAX_FRAME_BYTES} bytes: the state of 100,000 elements is
 * larger than the default 1 MiB frame (the sync protocol sends a large state in parts of at most
 * {@code maxEntriesPerMessage} keys; this measures the whole state as one frame). 100,000 keys is
 * exactly the default {@code maxElements}.
 *
 * <p><b>Pekko's actor system.</b> {@code ReplicatedDataSerializer} cannot be built without an
 * {@code ExtendedActorSystem} ({@code null} fails in {@code BaseSerializer.identifierFromConfig}).
 * It needs neither the cluster extension nor remoting: it reads its identifier from the
 * configuration and, to decode node addresses, the provider's default protocol and the system's
 * name. So setup starts a minimal local actor system ({@link Pekko.LocalSerializer}: provider
 * {@code local}, no port, no cluster) and teardown terminates it.
 *
 * <p><b>Bytes per message.</b> Setup prints one line,
 * {@code BYTES: size=N converge-state=... pekko-state=... converge-delta=... pekko-delta=...},
 * and every method reports the size of the message it encodes or decodes as the secondary result
 * {@code bytes} (see {@link MessageBytes}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {Jvm.XMS, Jvm.XMX, Jvm.PRETOUCH})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CodecBenchmark {
    /** Converge's {@code maxFrameBytes} here: 64 MiB, room for the largest state. */
    public static final int MAX_FRAME_BYTES = 64 << 20;

    @Param({"1000", "100000"})
    public int size;

    private BinaryCodec<ORSet<String>> convergeCodec;
    private ORSet<String> convergeState;
    private ORSet<String> convergeDelta;
    private byte[] convergeStateBytes;
    private byte[] convergeDeltaBytes;

    private Pekko.LocalSerializer pekko;
    private ReplicatedDataSerializer pekkoSerializer;
    private org.apache.pekko.cluster.ddata.ORSet<String> pekkoState;
    private org.apache.pekko.cluster.ddata.ORSet.DeltaOp pekkoDelta;
    private String pekkoStateManifest;
    private String pekkoDeltaManifest;
    private byte[] pekkoStateBytes;
    private byte[] pekkoDeltaBytes;

    @Setup(Level.Trial)
    public void setUp() {
        String[] elements = Elements.names(0, size);
        String target = Elements.name(size);
        Writers w = Writers.of("a", "b", "c");

        convergeCodec = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.string()),
                CodecLimits.builder().maxFrameBytes(MAX_FRAME_BYTES).build());
        convergeState = Converge.addAll(ORSet.empty(), w, -1, elements);
        convergeDelta = convergeState.add(w.id(1), target);

        pekkoState = Pekko.addAll(org.apache.pekko.cluster.ddata.ORSet.empty(), w, -1, elements);
        pekkoDelta = pekkoState.add(w.node(1), target).delta().get();

        pekko = Pekko.LocalSerializer.start();
        try {
            encodeAndCheck(elements, target);
        } catch (RuntimeException | Error e) {
            try {
                tearDown();
            } catch (RuntimeException t) {
                e.addSuppressed(t);
            }
            throw e;
        }
    }

    /** Encodes the four messages once, prints their sizes and checks every round trip. */
    private void encodeAndCheck(String[] elements, String target) {
        pekkoSerializer = pekko.serializer();
        pekkoStateManifest = pekkoSerializer.manifest(pekkoState);
        pekkoDeltaManifest = pekkoSerializer.manifest(pekkoDelta);

        convergeStateBytes = convergeEncodeState();
        convergeDeltaBytes = convergeEncodeDelta();
        pekkoStateBytes = pekkoEncodeState();
        pekkoDeltaBytes = pekkoEncodeDelta();
        System.out.println("BYTES: size=" + size + " converge-state=" + convergeStateBytes.length
                + " pekko-state=" + pekkoStateBytes.length + " converge-delta=" + convergeDeltaBytes.length
                + " pekko-delta=" + pekkoDeltaBytes.length);

        HashSet<String> expected = new HashSet<>(Elements.list(elements));
        ORSet<String> cs = convergeDecodeState();
        Check.that(cs.equals(convergeState), "converge state decodes to an equal state");
        Check.that(cs.value().equals(expected), "converge decoded state holds the elements");
        Check.that(Arrays.equals(convergeEncodeState(), convergeStateBytes), "converge encodes the same bytes twice");
        ORSet<String> cd = convergeDecodeDelta();
        Check.that(cd.equals(convergeDelta), "converge delta decodes to an equal delta");
        ORSet<String> applied = cs.join(cd);
        Check.equal(applied.size(), size + 1, "converge state joined with the decoded delta");
        Check.that(applied.contains(target) && applied.equals(convergeState.join(convergeDelta)),
                "converge decoded delta adds the element");

        Object decoded = pekkoDecodeState();
        Check.that(decoded instanceof org.apache.pekko.cluster.ddata.ORSet, "pekko state decodes to an ORSet");
        @SuppressWarnings("unchecked")
        var ps = (org.apache.pekko.cluster.ddata.ORSet<String>) decoded;
        Check.that(ps.getElements().equals(expected), "pekko decoded state holds the elements");
        Check.that(ps.equals(pekkoState), "pekko state decodes to an equal state (same dots)");
        Object pd = pekkoDecodeDelta();
        Check.that(pd instanceof org.apache.pekko.cluster.ddata.ORSet.DeltaOp && pd.equals(pekkoDelta),
                "pekko delta decodes to an equal delta");
        var pa = ps.mergeDelta((org.apache.pekko.cluster.ddata.ORSet.DeltaOp) pd);
        Check.equal(pa.size(), size + 1, "pekko state merged with the decoded delta");
        Check.that(pa.contains(target), "pekko decoded delta adds the element");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (pekko != null) {
            pekko.close();
            pekko = null;
        }
    }

    @Benchmark
    public byte[] convergeEncodeState(MessageBytes bytes) {
        return convergeEncodeState();
    }

    @Benchmark
    public ORSet<String> convergeDecodeState(MessageBytes bytes) {
        return convergeDecodeState();
    }

    @Benchmark
    public byte[] convergeEncodeDelta(MessageBytes bytes) {
        return convergeEncodeDelta();
    }

    @Benchmark
    public ORSet<String> convergeDecodeDelta(MessageBytes bytes) {
        return convergeDecodeDelta();
    }

    @Benchmark
    public byte[] pekkoEncodeState(MessageBytes bytes) {
        return pekkoEncodeState();
    }

    @Benchmark
    public Object pekkoDecodeState(MessageBytes bytes) {
        return pekkoDecodeState();
    }

    @Benchmark
    public byte[] pekkoEncodeDelta(MessageBytes bytes) {
        return pekkoEncodeDelta();
    }

    @Benchmark
    public Object pekkoDecodeDelta(MessageBytes bytes) {
        return pekkoDecodeDelta();
    }

    private byte[] convergeEncodeState() {
        return convergeCodec.encodeToBytes(convergeState);
    }

    private ORSet<String> convergeDecodeState() {
        return convergeCodec.decode(convergeStateBytes);
    }

    private byte[] convergeEncodeDelta() {
        return convergeCodec.encodeToBytes(convergeDelta);
    }

    private ORSet<String> convergeDecodeDelta() {
        return convergeCodec.decode(convergeDeltaBytes);
    }

    private byte[] pekkoEncodeState() {
        return pekkoSerializer.toBinary(pekkoState);
    }

    private Object pekkoDecodeState() {
        return pekkoSerializer.fromBinary(pekkoStateBytes, pekkoStateManifest);
    }

    private byte[] pekkoEncodeDelta() {
        return pekkoSerializer.toBinary(pekkoDelta);
    }

    private Object pekkoDecodeDelta() {
        return pekkoSerializer.fromBinary(pekkoDeltaBytes, pekkoDeltaManifest);
    }

    /** The size of the message a benchmark method encodes or decodes. */
    long messageBytes(String method) {
        if (method.endsWith("State")) {
            return method.startsWith("converge") ? convergeStateBytes.length : pekkoStateBytes.length;
        }
        Check.that(method.endsWith("Delta"), "benchmark method " + method + " names its message");
        return method.startsWith("converge") ? convergeDeltaBytes.length : pekkoDeltaBytes.length;
    }

    /**
     * The size of the message each method encodes or decodes, as the JMH secondary result
     * {@code bytes} (unit {@code #}), so that it lands in the result table and in the JSON beside
     * the time.
     *
     * <p>JMH sums an {@link AuxCounters.Type#EVENTS EVENTS} counter over threads, measurement
     * iterations and forks, and zeroes it after the iteration's setup; a size is not an event
     * count. So the counter is set after each iteration, in teardown, to an equal share of the
     * size: {@code bytes / (measurement iterations × forks × threads)}, and to 0 after a warmup
     * iteration (warmup results are not aggregated). The summary line and the JSON show the size
     * itself (up to floating-point rounding); the per-iteration lines show the share. The measured
     * methods never touch the counter.
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class MessageBytes {
        public double bytes;

        @TearDown(Level.Iteration)
        public void report(CodecBenchmark fixture, BenchmarkParams benchmark, IterationParams iteration) {
            if (iteration.getType() != IterationType.MEASUREMENT) {
                bytes = 0;
                return;
            }
            String name = benchmark.getBenchmark();
            long shares = (long) iteration.getCount() * Math.max(1, benchmark.getForks()) * benchmark.getThreads();
            bytes = (double) fixture.messageBytes(name.substring(name.lastIndexOf('.') + 1)) / shares;
        }
    }
}
