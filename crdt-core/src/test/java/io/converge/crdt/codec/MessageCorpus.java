package io.converge.crdt.codec;

import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.causal.VersionVector;
import io.converge.crdt.protocol.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;

/**
 * Random but valid {@link Message}s of every type, over keys bound to several codecs, for the
 * message fuzz ({@link MessageFuzzTest}) and the adversarial machine test
 * ({@code protocol.AdversarialInputTest}). Values are reachable states and deltas built by
 * {@link DecoderFuzzTest#corpus}, plus sets of {@code Long}s whose hash codes all collide
 * ({@code x<<32|x} hashes to 0). Frames are mutated with {@link DecoderFuzzTest#mutate}.
 */
public final class MessageCorpus {
    /** The message types, in {@link #message} order. */
    public static final List<String> TYPES = List.of("Deltas", "Ack", "Nack", "Offer", "Request", "States",
            "StatePart", "Heartbeat", "Goodbye", "Unreachable", "ReadRequest", "ReadReply");
    /** Replica ids the corpus values' dots name (those of {@link DecoderFuzzTest}). */
    public static final List<ReplicaId> WRITERS = List.of(ReplicaId.of("r0"), ReplicaId.of("node-1"),
            ReplicaId.of("zz.9"));
    /** Limits tight enough that fuzzed frames also meet every limit check. */
    public static final CodecLimits TIGHT = CodecLimits.builder().maxElements(4).maxDepth(2).maxStringBytes(8)
            .maxReplicaIdsPerMessage(2).maxFrameBytes(160).build();

    private final List<CrdtCodec<?>> codecs = new ArrayList<>();
    private final List<List<String>> keys = new ArrayList<>();
    private final List<List<ReplicatedData<?>>> values = new ArrayList<>();
    private final List<String> allKeys = new ArrayList<>();

    /** A corpus whose values are built from {@code rnd}. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public MessageCorpus(Random rnd) {
        List<Object[]> cases = DecoderFuzzTest.cases();
        for (int i = 0; i < cases.size(); i++) {
            Object[] c = cases.get(i);
            List<ReplicatedData<?>> vs = new ArrayList<>();
            for (ReplicatedData v : DecoderFuzzTest.corpus(c[2], (DecoderFuzzTest.Mutator) c[3], rnd)) {
                vs.add(v);
            }
            add((CrdtCodec<?>) c[0], "k" + i, vs);
        }
        // Elements whose hashCodes all collide: Long.hashCode(x<<32|x) is 0.
        List<ReplicatedData<?>> colliding = new ArrayList<>();
        ORSet<Long> s = ORSet.empty();
        for (int i = 0; i < 30; i++) {
            long x = rnd.nextInt(1 << 20);
            ReplicaId w = WRITERS.get(rnd.nextInt(WRITERS.size()));
            ORSet<Long> d = rnd.nextInt(4) == 0 ? s.remove(x << 32 | x) : s.add(w, x << 32 | x);
            colliding.add(d);
            s = s.join(d);
            colliding.add(s);
        }
        add(CrdtCodecs.orSet(ValueCodec.int64()), "collide", colliding);
    }

    private void add(CrdtCodec<?> codec, String prefix, List<ReplicatedData<?>> vs) {
        codecs.add(codec);
        // Keys whose String hashCodes collide too ("Aa" and "BB").
        List<String> ks = List.of(prefix + "Aa", prefix + "BB", prefix + "/é");
        keys.add(ks);
        allKeys.addAll(ks);
        values.add(vs);
    }

    /** Every key of the corpus. */
    public List<String> keys() {
        return allKeys;
    }

    /** A registry knowing every codec of the corpus, with each key bound to its codec. */
    public CodecRegistry registry() {
        CodecRegistry r = CodecRegistry.of();
        for (int i = 0; i < codecs.size(); i++) {
            for (String k : keys.get(i)) {
                r.bind(k, codecs.get(i));
            }
        }
        return r;
    }

    /** A registry knowing every codec of the corpus, with no key bound: a receiver learns them. */
    public CodecRegistry codecsOnly() {
        return CodecRegistry.of(codecs.toArray(new CrdtCodec<?>[0]));
    }

    /** A key and a value of its type. */
    public Map.Entry<String, ReplicatedData<?>> entry(Random r) {
        int t = r.nextInt(codecs.size());
        List<ReplicatedData<?>> vs = values.get(t);
        return Map.entry(keys.get(t).get(r.nextInt(3)), vs.get(r.nextInt(vs.size())));
    }

    /** A non-negative long: small, any, or near {@link VersionVector#MAX_COUNTER} or {@code Long.MAX_VALUE}. */
    public static long number(Random r) {
        return switch (r.nextInt(6)) {
            case 0, 1 -> r.nextInt(10);
            case 2 -> r.nextInt(100_000);
            case 3 -> r.nextLong() >>> 1;
            case 4 -> VersionVector.MAX_COUNTER - r.nextInt(3) + r.nextInt(3);
            default -> Long.MAX_VALUE - r.nextInt(3);
        };
    }

    private Map<String, ReplicatedData<?>> entries(Random r, int max) {
        Map<String, ReplicatedData<?>> m = new LinkedHashMap<>();
        int n = r.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            var e = entry(r);
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    private static Map<String, Long> expiries(Random r, Iterable<String> ks) {
        Map<String, Long> m = new HashMap<>();
        for (String k : ks) {
            if (r.nextInt(4) == 0) {
                m.put(k, 1 + number(r) / 2);
            }
        }
        return m;
    }

    /** A random valid message of type {@code TYPES.get(type)}. */
    public Message message(int type, Random r) {
        switch (type) {
            case 0: {
                long start = number(r);
                long end = Math.max(start, r.nextBoolean() ? start + r.nextInt(5) : number(r));
                Map<String, ReplicatedData<?>> d = entries(r, 3);
                return new Message.Deltas(start, end, d, expiries(r, d.keySet()));
            }
            case 1:
                return new Message.Ack(number(r), r.nextBoolean() ? 0 : number(r));
            case 2:
                return new Message.Nack(number(r));
            case 3: {
                Map<String, Long> digests = new HashMap<>();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    digests.put(allKeys.get(r.nextInt(allKeys.size())), r.nextLong());
                }
                return new Message.Offer(number(r), number(r), r.nextBoolean(), digests, number(r));
            }
            case 4: {
                List<String> ks = new ArrayList<>();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    ks.add(allKeys.get(r.nextInt(allKeys.size())));
                }
                return new Message.Request(number(r), r.nextBoolean(), ks);
            }
            case 5: {
                Map<String, ReplicatedData<?>> s = entries(r, 3);
                return new Message.States(number(r), r.nextBoolean(), s, expiries(r, s.keySet()),
                        r.nextBoolean() ? r.nextInt(4) : r.nextInt() >>> 1, number(r));
            }
            case 6: {
                var e = entry(r);
                int parts = r.nextBoolean() ? 1 + r.nextInt(4) : 1 + (r.nextInt() >>> 1);
                int part = r.nextBoolean() ? r.nextInt(Math.min(parts, 4)) : parts - 1;
                return new Message.StatePart(number(r), e.getKey(), part, parts, e.getValue(),
                        r.nextBoolean() ? 0 : number(r), number(r));
            }
            case 7:
                return new Message.Heartbeat(number(r), r.nextLong());
            case 8:
                return new Message.Goodbye();
            case 9: {
                TreeSet<ReplicaId> ids = new TreeSet<>();
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    ids.add(r.nextBoolean() ? WRITERS.get(r.nextInt(WRITERS.size()))
                            : ReplicaId.of("u" + r.nextInt(50)));
                }
                return new Message.Unreachable(ids);
            }
            case 10:
                return new Message.ReadRequest(number(r), allKeys.get(r.nextInt(allKeys.size())));
            default: {
                if (r.nextInt(3) == 0) {
                    return new Message.ReadReply(number(r), allKeys.get(r.nextInt(allKeys.size())), Optional.empty(), 0,
                            r.nextBoolean());
                }
                var e = entry(r);
                return new Message.ReadReply(number(r), e.getKey(), Optional.of(e.getValue()),
                        r.nextBoolean() ? 0 : number(r), false);
            }
        }
    }

    /**
     * {@code frame} mutated (bit flips, byte changes, insertions, deletions, truncations, huge
     * varints, splices with {@code other}), its checksum mostly recomputed so the parser is reached.
     */
    public static byte[] mutate(byte[] frame, byte[] other, Random r) {
        byte[] b = DecoderFuzzTest.mutate(frame, other, r);
        return r.nextInt(4) > 0 ? Frames.reseal(b) : b;
    }
}
