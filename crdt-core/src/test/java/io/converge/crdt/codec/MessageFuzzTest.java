package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.crdt.protocol.Message;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every message type, fuzzed: valid frames of random content ({@link MessageCorpus}, keys bound
 * to a dozen codecs) are mutated (bit flips, byte changes, insertions, deletions, truncations,
 * huge varints, splices with frames of other types; most with their CRC32C recomputed, so the
 * parser behind it is reached) and decoded, under default and tight limits. Each must either
 * decode to a message that re-encodes and decodes to an equal one, or throw a
 * {@link DecodeException}; anything else fails with the seed and the frame in hex. Types take
 * turns, so each gets {@code cases / 12} cases. {@code -Dconverge.fuzz.cases=N} sets the number
 * (default 5000; {@code -Pfuzz} a million), {@code -Dconverge.fuzz.seed=S} replays a run.
 */
class MessageFuzzTest {
    private static final int CASES = Integer.getInteger("converge.fuzz.cases", 5000);
    private static final long SEED = Long.getLong("converge.fuzz.seed", System.nanoTime());
    /** Valid frames kept per type, mutated over and over. */
    private static final int FRAMES_PER_TYPE = 64;

    @Test
    void mutatedFramesOfEveryMessageTypeOnlyEverRaiseDecodeExceptions() {
        Random rnd = new Random(SEED);
        MessageCorpus corpus = new MessageCorpus(rnd);
        int types = MessageCorpus.TYPES.size();
        MessageCodec writer = new MessageCodec(corpus.registry(), CodecLimits.defaults());
        List<List<byte[]>> frames = new ArrayList<>();
        for (int t = 0; t < types; t++) {
            List<byte[]> fs = new ArrayList<>();
            for (int i = 0; i < FRAMES_PER_TYPE; i++) {
                Message m = corpus.message(t, rnd);
                byte[] f = writer.encodeToBytes(m);
                assertEquals(m, writer.decode(f), "seed " + SEED + ": a valid " + MessageCorpus.TYPES.get(t)
                        + " round-trips");
                fs.add(f);
            }
            frames.add(fs);
        }
        long[] perType = new long[types];
        Map<String, Integer> outcomes = new TreeMap<>();
        MessageCodec codec = null;
        MessageCodec tight = null;
        long start = System.nanoTime();
        for (int n = 0; n < CASES; n++) {
            if (n % 4096 == 0) {
                // Decoding teaches the registry the keys it read: a fresh one now and then keeps
                // a million cases from growing it without end, while mismatches still get exercised.
                // Every other one binds no key, as a receiver that has never used them.
                CodecRegistry registry = n / 4096 % 2 == 0 ? corpus.registry() : corpus.codecsOnly();
                codec = new MessageCodec(registry, CodecLimits.defaults());
                tight = new MessageCodec(registry, MessageCorpus.TIGHT);
            }
            int t = n % types;
            List<byte[]> fs = frames.get(t);
            byte[] input = fs.get(rnd.nextInt(fs.size()));
            if (rnd.nextInt(10) > 0) {
                List<byte[]> others = frames.get(rnd.nextInt(3) == 0 ? rnd.nextInt(types) : t);
                input = MessageCorpus.mutate(input, others.get(rnd.nextInt(others.size())), rnd);
            }
            MessageCodec c = rnd.nextInt(4) == 0 ? tight : codec;
            String where = "case " + n + " (" + MessageCorpus.TYPES.get(t) + ", -Dconverge.fuzz.seed=" + SEED
                    + ", tight limits " + (c == tight) + ")";
            Message m;
            try {
                m = c.decode(input);
            } catch (DecodeException e) {
                outcomes.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                perType[t]++;
                continue;
            } catch (Throwable e) {
                fail(where + " threw " + e + " on " + HexFormat.of().formatHex(input), e);
                return;
            }
            // Outside the catch above: bytes that decoded, then failed to re-encode or decode, fail.
            try {
                assertEquals(m, c.decode(c.encodeToBytes(m)), where + ": a decoded message round-trips");
            } catch (RuntimeException e) {
                fail(where + " decoded " + HexFormat.of().formatHex(input) + " to " + m
                        + ", but its re-encoding failed: " + e, e);
            }
            outcomes.merge("decoded " + m.getClass().getSimpleName(), 1, Integer::sum);
            perType[t]++;
        }
        System.out.printf("message fuzz: %d cases in %d ms, seed %d: %s%n", CASES,
                (System.nanoTime() - start) / 1_000_000, SEED, outcomes);
        for (int t = 0; t < types; t++) {
            assertTrue(perType[t] >= CASES / types, MessageCorpus.TYPES.get(t) + " got " + perType[t] + " cases");
        }
    }
}
