package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.HlcTimestamp;
import io.converge.crdt.causal.HybridLogicalClock;
import io.converge.crdt.causal.ReplicaId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Feeds random bytes and mutated valid frames (bit flips, byte changes, insertions, deletions,
 * truncations, huge varints, splices; most of them with their CRC32C recomputed, so that they
 * reach the parser) to the decoders: each must either return a valid value
 * (which then round-trips) or throw a {@link DecodeException}; anything else fails with the seed
 * and the frame. {@code -Dconverge.fuzz.cases=N} sets the number of cases (default 5000; the
 * {@code fuzz} profile runs a million), {@code -Dconverge.fuzz.seed=S} replays a run.
 */
class DecoderFuzzTest {
    private static final int CASES = Integer.getInteger("converge.fuzz.cases", 5000);
    private static final long SEED = Long.getLong("converge.fuzz.seed", System.nanoTime());
    private static final ReplicaId[] IDS = {ReplicaId.of("r0"), ReplicaId.of("node-1"), ReplicaId.of("zz.9")};
    private static final String[] WORDS = {"a", "b", "milk", "", "héllo", "x\uD83D\uDE00"};
    private static final CodecLimits TIGHT = CodecLimits.builder().maxElements(4).maxDepth(2).maxStringBytes(4)
            .maxReplicaIdsPerMessage(2).maxFrameBytes(96).build();

    /** One delta mutator of a type, driven by a random source. */
    interface Mutator<S> {
        S delta(S state, ReplicaId replica, HybridLogicalClock clock, Random rnd);
    }

    static String word(Random r) {
        return WORDS[r.nextInt(WORDS.length)];
    }

    /** The cases as untyped triples: codec, JSON type, bottom, mutator. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static List<Object[]> cases() {
        List<Object[]> c = new ArrayList<>();
        c.add(new Object[] {CrdtCodecs.gCounter(), new TypeReference<GCounter>() { }, GCounter.empty(),
                (Mutator<GCounter>) (s, id, clk, r) -> s.increment(id, 1 + r.nextInt(300))});
        c.add(new Object[] {CrdtCodecs.pnCounter(), new TypeReference<PNCounter>() { }, PNCounter.empty(),
                (Mutator<PNCounter>) (s, id, clk, r) -> r.nextBoolean() ? s.increment(id, 1 + r.nextInt(9))
                        : s.decrement(id, 1 + r.nextInt(200))});
        c.add(new Object[] {CrdtCodecs.orSet(ValueCodec.string()), new TypeReference<ORSet<String>>() { },
                ORSet.<String>empty(), (Mutator<ORSet<String>>) (s, id, clk, r) -> switch (r.nextInt(5)) {
                    case 0 -> s.remove(word(r));
                    case 1 -> s.clear();
                    default -> s.add(id, word(r));
                }});
        c.add(new Object[] {CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.int64()),
                new TypeReference<AWLWWMap<String, Long>>() { }, AWLWWMap.<String, Long>empty(),
                (Mutator<AWLWWMap<String, Long>>) (s, id, clk, r) -> r.nextInt(4) == 0 ? s.remove(word(r))
                        : s.put(id, clk, word(r), r.nextLong())});
        c.add(new Object[] {CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.int32())),
                new TypeReference<ORMap<String, ORSet<Integer>>>() { }, ORMap.<String, ORSet<Integer>>empty(ORSet.empty()),
                (Mutator<ORMap<String, ORSet<Integer>>>) (s, id, clk, r) -> r.nextInt(4) == 0 ? s.remove(word(r))
                        : s.apply(word(r), v -> r.nextInt(3) == 0 ? v.remove(r.nextInt(4)) : v.add(id, r.nextInt(4)))});
        c.add(new Object[] {CrdtCodecs.orMap(ValueCodec.string(), CrdtCodecs.orMap(ValueCodec.int32(),
                CrdtCodecs.causalCounter())),
                new TypeReference<ORMap<String, ORMap<Integer, CausalCounter>>>() { },
                ORMap.<String, ORMap<Integer, CausalCounter>>empty(ORMap.empty(CausalCounter.empty())),
                (Mutator<ORMap<String, ORMap<Integer, CausalCounter>>>) (s, id, clk, r) -> r.nextInt(5) == 0
                        ? s.remove(word(r))
                        : s.apply(word(r), m -> r.nextInt(4) == 0 ? m.remove(r.nextInt(3))
                                : m.apply(r.nextInt(3), k -> r.nextInt(4) == 0 ? k.reset() : k.increment(id, 1 + r.nextInt(5))))});
        c.add(new Object[] {CrdtCodecs.mixedMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string()),
                CrdtCodecs.ewFlag(), CrdtCodecs.causalCounter()),
                new TypeReference<io.converge.crdt.MixedORMap<String>>() { }, io.converge.crdt.MixedORMap.<String>empty(),
                (Mutator<io.converge.crdt.MixedORMap<String>>) (s, id, clk, r) -> {
                    String k = r.nextBoolean() ? "a" : "b";
                    try {
                        return switch (r.nextInt(4)) {
                            case 0 -> s.remove(k);
                            case 1 -> s.update(k, EWFlag.empty(), f -> f.enable(id));
                            case 2 -> s.update(k, CausalCounter.empty(), x -> x.increment(id, 1 + r.nextInt(9)));
                            default -> s.update(k, ORSet.<String>empty(), x -> x.add(id, word(r)));
                        };
                    } catch (io.converge.crdt.CrdtTypeMismatchException e) {
                        return s.remove(k);
                    }
                }});
        c.add(new Object[] {CrdtCodecs.orMap(ValueCodec.uuid(), CrdtCodecs.mvRegister(ValueCodec.bytes())),
                new TypeReference<ORMap<java.util.UUID, MVRegister<String>>>() { }, null, null});
        c.add(new Object[] {CrdtCodecs.ewFlag(), new TypeReference<EWFlag>() { }, EWFlag.empty(),
                (Mutator<EWFlag>) (s, id, clk, r) -> r.nextBoolean() ? s.enable(id) : s.disable()});
        c.add(new Object[] {CrdtCodecs.dwFlag(), new TypeReference<DWFlag>() { }, DWFlag.empty(),
                (Mutator<DWFlag>) (s, id, clk, r) -> r.nextBoolean() ? s.disable(id) : s.enable()});
        c.add(new Object[] {CrdtCodecs.mvRegister(ValueCodec.string()), new TypeReference<MVRegister<String>>() { },
                MVRegister.<String>empty(), (Mutator<MVRegister<String>>) (s, id, clk, r) -> r.nextInt(5) == 0 ? s.clear()
                        : s.write(id, word(r))});
        c.add(new Object[] {CrdtCodecs.lwwRegister(ValueCodec.string()), new TypeReference<LWWRegister<String>>() { },
                LWWRegister.<String>empty(), (Mutator<LWWRegister<String>>) (s, id, clk, r) -> s.write(id, clk, word(r))});
        c.add(new Object[] {CrdtCodecs.causalCounter(), new TypeReference<CausalCounter>() { }, CausalCounter.empty(),
                (Mutator<CausalCounter>) (s, id, clk, r) -> switch (r.nextInt(4)) {
                    case 0 -> s.reset();
                    case 1 -> s.decrement(id, 1 + r.nextInt(100));
                    default -> s.increment(id, 1 + r.nextInt(100_000));
                }});
        c.removeIf(x -> x[2] == null);
        return c;
    }

    /** Reachable states and deltas of one type: three replicas mutating and merging at random. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static List<ReplicatedData> corpus(Object bottom, Mutator mutator, Random rnd) {
        List<ReplicatedData> out = new ArrayList<>();
        ReplicatedData[] states = {(ReplicatedData) bottom, (ReplicatedData) bottom, (ReplicatedData) bottom};
        long[] now = {1_700_000_000_000L};
        HybridLogicalClock[] clocks = new HybridLogicalClock[3];
        for (int i = 0; i < 3; i++) {
            clocks[i] = HybridLogicalClock.of(() -> now[0], 500, HlcTimestamp.ZERO);
        }
        ReplicatedData group = (ReplicatedData) bottom;
        for (int step = 0; step < 30; step++) {
            int i = rnd.nextInt(3);
            now[0] += rnd.nextInt(3);
            if (rnd.nextInt(4) == 0) {
                states[i] = states[i].join(states[rnd.nextInt(3)]);
            } else {
                ReplicatedData d = (ReplicatedData) mutator.delta(states[i], IDS[i], clocks[i], rnd);
                out.add(d);
                group = group.join(d);
                states[i] = states[i].join(d);
            }
        }
        out.addAll(Arrays.asList(states));
        out.add(group);
        return out;
    }

    static byte[] mutate(byte[] f, byte[] other, Random r) {
        byte[] b = f.clone();
        int rounds = 1 + r.nextInt(3);
        for (int k = 0; k < rounds; k++) {
            int n = b.length;
            int at = n == 0 ? 0 : r.nextInt(n);
            switch (r.nextInt(10)) {
                case 0 -> {
                    if (n > 0) {
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> {
                    if (n > 0) {
                        b[at] = (byte) r.nextInt(256);
                    }
                }
                case 2 -> b = insert(b, at, new byte[] {(byte) r.nextInt(256)});
                case 3 -> {
                    if (n > 0) {
                        b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + 1, n));
                    }
                }
                case 4 -> b = Arrays.copyOf(b, n == 0 ? 0 : r.nextInt(n));
                case 5 -> b = insert(b, at, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01});
                case 6 -> {
                    if (n > 0) {
                        int len = 1 + r.nextInt(Math.min(8, n - at));
                        b = insert(b, at, Arrays.copyOfRange(b, at, at + len));
                    }
                }
                case 7 -> {
                    if (n > 1 && at + 1 < n) {
                        byte t = b[at];
                        b[at] = b[at + 1];
                        b[at + 1] = t;
                    }
                }
                case 8 -> {
                    if (n > 0) {
                        b[at] = new byte[] {0, 0x7F, (byte) 0x80, (byte) 0xFF, 1, 2}[r.nextInt(6)];
                    }
                }
                default -> {
                    int cut = other.length == 0 ? 0 : r.nextInt(other.length);
                    b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(other, cut, other.length));
                }
            }
        }
        return b;
    }

    static byte[] insert(byte[] b, int at, byte[] x) {
        return concat(concat(Arrays.copyOf(b, at), x), Arrays.copyOfRange(b, at, b.length));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void randomAndMutatedFramesOnlyEverRaiseDecodeExceptions() {
        Random rnd = new Random(SEED);
        List<Object[]> cases = cases();
        List<BinaryCodec> codecs = new ArrayList<>();
        List<BinaryCodec> tight = new ArrayList<>();
        List<List<byte[]>> frames = new ArrayList<>();
        for (Object[] c : cases) {
            BinaryCodec codec = BinaryCodec.of((CrdtCodec) c[0]);
            codecs.add(codec);
            tight.add(BinaryCodec.of((CrdtCodec) c[0], TIGHT));
            List<byte[]> fs = new ArrayList<>();
            for (ReplicatedData v : corpus(c[2], (Mutator) c[3], rnd)) {
                fs.add(codec.encodeToBytes(v));
            }
            frames.add(fs);
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        long start = System.nanoTime();
        for (int n = 0; n < CASES; n++) {
            int t = rnd.nextInt(cases.size());
            List<byte[]> fs = frames.get(t);
            byte[] input;
            if (rnd.nextInt(5) == 0) {
                input = new byte[rnd.nextInt(40)];
                rnd.nextBytes(input);
                if (input.length > 0 && rnd.nextInt(5) > 0) {
                    input[0] = 1;
                }
            } else {
                input = mutate(fs.get(rnd.nextInt(fs.size())), fs.get(rnd.nextInt(fs.size())), rnd);
                if (rnd.nextInt(4) > 0) {
                    // A valid checksum over the mutated bytes, so that the parser behind it is fuzzed
                    // too (a mutated frame as it is fails its checksum: ChecksumTest).
                    input = Frames.reseal(input);
                }
            }
            int d = rnd.nextInt(10) == 0 ? rnd.nextInt(cases.size()) : t;
            BinaryCodec codec = rnd.nextInt(4) == 0 ? tight.get(d) : codecs.get(d);
            ByteBuf buf = rnd.nextBoolean() ? Unpooled.wrappedBuffer(input)
                    : PooledByteBufAllocator.DEFAULT.directBuffer(input.length).writeBytes(input);
            String where = "case " + n + " (seed " + SEED + ", -Dconverge.fuzz.seed=" + SEED + "): " + codec;
            String outcome;
            ReplicatedData v = null;
            try {
                v = codec.decode(buf);
                outcome = "decoded";
                assertEquals(1, buf.refCnt());
            } catch (DecodeException e) {
                outcome = e.getClass().getSimpleName();
                assertEquals(1, buf.refCnt());
            } catch (Throwable e) {
                fail(where + " threw " + e + " on " + HexFormat.of().formatHex(input), e);
                return;
            } finally {
                buf.release();
            }
            if (v != null) {
                // Mutations often leave a valid frame of another value: that value must round-trip.
                // Outside the catch above, so that a DecodeException here (bytes the codec wrote
                // and then refused) fails the test instead of being counted as an allowed outcome.
                try {
                    ReplicatedData again = codecs.get(d).decode(codecs.get(d).encodeToBytes(v));
                    assertEquals(v, again, where + ": a decoded value round-trips");
                } catch (RuntimeException e) {
                    fail(where + " decoded " + HexFormat.of().formatHex(input) + ", but its re-encoding failed: " + e, e);
                }
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        System.out.printf("binary fuzz: %d cases in %d ms, seed %d: %s%n", CASES,
                (System.nanoTime() - start) / 1_000_000, SEED, outcomes);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void mutatedJsonOnlyEverRaisesDecodeExceptions() {
        Random rnd = new Random(SEED + 1);
        String alphabet = "{}[]\",:0123456789-.eE aerxtypcontvlu\\";
        List<Object[]> cases = cases();
        List<JsonCodec> codecs = new ArrayList<>();
        List<List<String>> docs = new ArrayList<>();
        for (Object[] c : cases) {
            JsonCodec codec = JsonCodec.of((TypeReference) c[1]);
            codecs.add(codec);
            List<String> ds = new ArrayList<>();
            for (ReplicatedData v : corpus(c[2], (Mutator) c[3], rnd)) {
                ds.add(codec.encodeToString(v));
            }
            docs.add(ds);
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        int cases2 = Math.max(500, CASES / 5);
        long start = System.nanoTime();
        for (int n = 0; n < cases2; n++) {
            int t = rnd.nextInt(cases.size());
            List<String> ds = docs.get(t);
            StringBuilder sb = new StringBuilder(ds.get(rnd.nextInt(ds.size())));
            int rounds = 1 + rnd.nextInt(3);
            for (int k = 0; k < rounds && sb.length() > 0; k++) {
                int at = rnd.nextInt(sb.length());
                switch (rnd.nextInt(4)) {
                    case 0 -> sb.deleteCharAt(at);
                    case 1 -> sb.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                    case 2 -> sb.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                    default -> sb.setLength(at);
                }
            }
            String input = sb.toString();
            JsonCodec codec = codecs.get(rnd.nextInt(10) == 0 ? rnd.nextInt(cases.size()) : t);
            String where = "case " + n + " (seed " + SEED + "): " + codec;
            ReplicatedData v;
            try {
                v = codec.decode(input);
            } catch (DecodeException e) {
                outcomes.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                continue;
            } catch (Throwable e) {
                fail(where + " threw " + e + " on " + input, e);
                return;
            }
            // As for binary: a document that decodes must round-trip, and a DecodeException while
            // it does is a failure, not an allowed outcome.
            try {
                assertEquals(v, codec.decode(codec.encode(v)), where + ": a decoded value round-trips");
            } catch (RuntimeException e) {
                fail(where + " decoded " + input + ", but its re-encoding failed: " + e, e);
            }
            outcomes.merge("decoded", 1, Integer::sum);
        }
        System.out.printf("JSON fuzz: %d cases in %d ms, seed %d: %s%n", cases2,
                (System.nanoTime() - start) / 1_000_000, SEED, outcomes);
    }
}
