package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.Message;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Binary frames carry a CRC32C: a frame changed on the way (a file, a cache, a plaintext link)
 * is refused, never decoded to a different valid value. Before the checksum, 283 of 20,000
 * frames with one to three bytes changed decoded to another valid state.
 */
class ChecksumTest {
    private static final long SEED = 0x5EED_C4C3L;
    private static final int FRAMES = 20_000;

    @Test
    void aChangedCountIsAChecksumErrorNotAnotherCounter() {
        BinaryCodec<GCounter> g = BinaryCodec.of(CrdtCodecs.gCounter());
        byte[] frame = g.encodeToBytes(GCounter.empty().increment(ReplicaId.of("a"), 5));
        int at = frame.length - 5; // the last body byte: the count 5
        assertEquals(5, frame[at]);
        frame[at] = 6;
        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, () -> g.decode(frame));
        assertEquals(frame.length - 4, e.offset());
        assertTrue(e instanceof MalformedFrameException, "a checksum error is a malformed frame");
        frame[at] = 5;
        assertEquals(5, g.decode(frame).value());
    }

    @Test
    void aTruncatedOrExtendedFrameIsRefused() {
        BinaryCodec<ORSet<String>> sets = BinaryCodec.of(CrdtCodecs.orSet(ValueCodec.string()));
        byte[] frame = sets.encodeToBytes(ORSet.<String>empty().add(ReplicaId.of("a"), "milk"));
        assertThrows(MalformedFrameException.class, () -> sets.decode(java.util.Arrays.copyOf(frame, frame.length - 1)));
        assertThrows(MalformedFrameException.class, () -> sets.decode(java.util.Arrays.copyOf(frame, frame.length + 1)));
    }

    /** {@code frame} with 1 to 3 bytes, at distinct random positions, changed to another value. */
    static byte[] changeBytes(byte[] frame, Random rnd) {
        byte[] b = frame.clone();
        int changes = Math.min(b.length, 1 + rnd.nextInt(3));
        java.util.Set<Integer> at = new java.util.HashSet<>();
        while (at.size() < changes) {
            at.add(rnd.nextInt(b.length));
        }
        for (int i : at) {
            b[i] = (byte) (b[i] + 1 + rnd.nextInt(255));
        }
        return b;
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void randomByteChangesNeverDecodeToADifferentValidState() {
        Random rnd = new Random(SEED);
        List<Object[]> cases = DecoderFuzzTest.cases();
        List<BinaryCodec> codecs = new ArrayList<>();
        List<List<ReplicatedData>> values = new ArrayList<>();
        List<List<byte[]>> frames = new ArrayList<>();
        for (Object[] c : cases) {
            BinaryCodec codec = BinaryCodec.of((CrdtCodec) c[0]);
            codecs.add(codec);
            List<ReplicatedData> vs = DecoderFuzzTest.corpus(c[2], (DecoderFuzzTest.Mutator) c[3], rnd);
            List<byte[]> fs = new ArrayList<>();
            for (ReplicatedData v : vs) {
                fs.add(codec.encodeToBytes(v));
            }
            values.add(vs);
            frames.add(fs);
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> different = new ArrayList<>();
        for (int n = 0; n < FRAMES; n++) {
            int t = rnd.nextInt(cases.size());
            int i = rnd.nextInt(frames.get(t).size());
            byte[] changed = changeBytes(frames.get(t).get(i), rnd);
            try {
                Object v = codecs.get(t).decode(changed);
                if (!v.equals(values.get(t).get(i))) {
                    different.add(codecs.get(t) + ": " + HexFormat.of().formatHex(changed));
                }
                outcomes.merge("decoded", 1, Integer::sum);
            } catch (DecodeException e) {
                outcomes.merge(e.getClass().getSimpleName(), 1, Integer::sum);
            }
        }
        assertEquals(List.of(), different.subList(0, Math.min(5, different.size())),
                different.size() + " of " + FRAMES + " changed frames decoded to a different valid state; outcomes "
                        + outcomes);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void randomByteChangesNeverDecodeToADifferentMessage() {
        Random rnd = new Random(SEED + 1);
        List<Object[]> cases = DecoderFuzzTest.cases();
        CodecRegistry registry = CodecRegistry.of();
        List<Message> messages = new ArrayList<>();
        for (int t = 0; t < cases.size(); t++) {
            CrdtCodec codec = (CrdtCodec) cases.get(t)[0];
            registry.bind("k" + t, codec);
            List<ReplicatedData> vs = DecoderFuzzTest.corpus(cases.get(t)[2], (DecoderFuzzTest.Mutator) cases.get(t)[3], rnd);
            for (int i = 0; i < vs.size(); i++) {
                messages.add(new Message.Deltas(i, i + 1, Map.of("k" + t, vs.get(i)), Map.of()));
            }
        }
        messages.add(new Message.Ack(7, 3));
        messages.add(new Message.Heartbeat(12, 0x1234_5678_9ABCL));
        messages.add(new Message.Request(4, true, List.of("k1", "k2")));
        MessageCodec codec = new MessageCodec(registry, CodecLimits.defaults());
        List<byte[]> frames = new ArrayList<>();
        for (Message m : messages) {
            frames.add(codec.encodeToBytes(m));
        }
        int different = 0;
        String example = "";
        for (int n = 0; n < FRAMES / 4; n++) {
            int i = rnd.nextInt(frames.size());
            byte[] changed = changeBytes(frames.get(i), rnd);
            try {
                Message m = codec.decode(changed);
                if (!m.equals(messages.get(i))) {
                    different++;
                    example = HexFormat.of().formatHex(changed) + " -> " + m;
                }
            } catch (DecodeException e) {
                // refused: what a changed frame must be
            }
        }
        assertEquals(0, different, different + " changed message frames decoded to a different message, e.g. " + example);
    }
}
