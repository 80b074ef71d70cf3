package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.Conflict;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicaIdReusedException;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A received delta or state that contradicts what the replica holds is refused, reported in the
 * output and counted, and changes nothing; the rest of its message goes on.
 */
class IntegrityTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final long NOW = 1_000_000;

    private static SyncMachine machine(ReplicaId self, ReplicaId... peers) {
        SyncMachine m = SyncMachine.create(self, SyncConfig.defaults());
        for (ReplicaId p : peers) {
            m.step(new Input.PeerUp(p, 0), NOW);
        }
        return m;
    }

    private static Output deltas(SyncMachine m, ReplicaId from, long end, Map<String, ReplicatedData<?>> d) {
        return m.step(new Input.Received(from, new Message.Deltas(end - 1, end, d, Map.of())), NOW);
    }

    @Test
    void aFlippedElementIsRefusedWhicheverCopyArrivesFirst() {
        ORSet<String> real = ORSet.<String>empty().add(A, "milk");
        ORSet<String> flipped = ORSet.<String>empty().add(A, "milj"); // one bit of 'k', same dot (a,1)
        SyncMachine realFirst = machine(B, A, C);
        SyncMachine flippedFirst = machine(C, A, B);
        deltas(realFirst, A, 1, Map.of("cart", real));
        deltas(flippedFirst, B, 1, Map.of("cart", flipped));

        Output out = deltas(realFirst, C, 1, Map.of("cart", flipped, "other", ORSet.<String>empty().add(C, "x")));
        Output back = deltas(flippedFirst, A, 1, Map.of("cart", real));

        assertEquals(Set.of("milk"), ((ORSet<?>) realFirst.get("cart").orElseThrow()).value());
        assertEquals(Set.of("milj"), ((ORSet<?>) flippedFirst.get("cart").orElseThrow()).value(),
                "neither joins the other's copy: the difference stays visible instead of being merged away");
        assertEquals(java.util.List.of(new Output.ConflictingInput(C, "cart",
                new Conflict(Conflict.Kind.DOT, A, 1, "milj"))), out.contradictions());
        assertEquals(1, back.contradictions().size());
        assertTrue(realFirst.get("other").isPresent(), "the other key of the message was joined");
        assertTrue(out.sends().stream().anyMatch(s -> s.message() instanceof Message.Ack),
                "the interval is acknowledged: the bad key must not stall the link");
        assertEquals(1, realFirst.stats().conflictsRefused());
        assertTrue(out.changes().stream().noneMatch(c -> c.key().equals("cart")));
    }

    @Test
    void aFrameWithOneBitFlippedInAnElementIsRefused() {
        io.converge.crdt.codec.CodecRegistry codecs = io.converge.crdt.codec.CodecRegistry.of(
                io.converge.crdt.codec.CrdtCodecs.orSet(io.converge.crdt.codec.ValueCodec.string()));
        codecs.bind("cart", io.converge.crdt.codec.CrdtCodecs.orSet(io.converge.crdt.codec.ValueCodec.string()));
        io.converge.crdt.codec.MessageCodec codec = new io.converge.crdt.codec.MessageCodec(codecs,
                io.converge.crdt.codec.CodecLimits.defaults());
        Message real = new Message.Deltas(0, 1, Map.of("cart", ORSet.<String>empty().add(A, "milk")), Map.of());
        byte[] frame = codec.encodeToBytes(real);
        int at = indexOf(frame, "milk".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        frame[at + 3] ^= 1; // 'k' becomes 'j'
        // A flip the frame's CRC32C cannot see: the memory of a buggy sender, or a flip before the
        // checksum was computed. Re-seal the trailer so only the machine's check stands between.
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(frame, 0, frame.length - 4);
        java.nio.ByteBuffer.wrap(frame).putInt(frame.length - 4, (int) crc.getValue());
        Message flipped = codec.decode(frame);

        SyncMachine b = machine(B, A, C);
        b.step(new Input.Received(A, real), NOW);
        Output out = b.step(new Input.Received(C, flipped), NOW);
        assertEquals(1, out.contradictions().size());
        assertEquals(Set.of("milk"), ((ORSet<?>) b.get("cart").orElseThrow()).value());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void aFlippedFullStateIsRefusedToo() {
        ORSet<String> real = ORSet.<String>empty().add(A, "milk");
        SyncMachine b = machine(B, A);
        deltas(b, A, 1, Map.of("cart", real));
        Output out = b.step(new Input.Received(A, new Message.ReadReply(7, "cart",
                java.util.Optional.of(ORSet.<String>empty().add(A, "milj")), 0, false)), NOW);
        assertEquals(1, out.contradictions().size());
        assertEquals(Set.of("milk"), ((ORSet<?>) b.get("cart").orElseThrow()).value());
    }

    @Test
    void ownDotsBeyondWhatThisReplicaIssuedProveItsIdWasReusedAndStopLocalUpdates() {
        // b wrote x1 as (b,1) in an earlier life; a holds it. This b lost its store.
        ORSet<String> earlier = ORSet.<String>empty().add(B, "x1");
        SyncMachine b = machine(B, A);
        Output out = deltas(b, A, 1, Map.of("k", earlier));
        assertInstanceOf(Output.ReplicaIdReused.class, out.contradictions().get(0));
        assertTrue(b.get("k").isEmpty(), "nothing joined");
        assertTrue(b.stats().replicaIdReused());

        Output write = b.step(new Input.LocalUpdate("k", ORSet.<String>empty(),
                s -> ((ORSet<String>) s).add(B, "x2"), 0), NOW);
        Output.Failed failed = assertInstanceOf(Output.Failed.class, write.outcomes().get(0));
        assertInstanceOf(ReplicaIdReusedException.class, failed.error());
        assertTrue(b.get("k").isEmpty());
    }

    @Test
    void aConflictOnItsOwnDotAfterWritingAgainProvesTheReuseToo() {
        SyncMachine b = machine(B, A);
        b.step(new Input.LocalUpdate("k", ORSet.<String>empty(), s -> ((ORSet<String>) s).add(B, "x2"), 0), NOW);
        Output out = deltas(b, A, 1, Map.of("k", ORSet.<String>empty().add(B, "x1")));
        assertInstanceOf(Output.ReplicaIdReused.class, out.contradictions().get(0));
        assertEquals(Set.of("x2"), ((ORSet<?>) b.get("k").orElseThrow()).value());
    }

    @Test
    void aCounterHoldingMoreOfThisReplicaThanItCountedProvesTheReuse() {
        SyncMachine b = machine(B, A);
        Output out = deltas(b, A, 1, Map.of("n", GCounter.empty().increment(B, 5)));
        assertInstanceOf(Output.ReplicaIdReused.class, out.contradictions().get(0));
    }

    @Test
    void honestTrafficIsNeverRefused() {
        SyncMachine a = machine(A, B);
        SyncMachine b = machine(B, A);
        for (int i = 0; i < 5; i++) {
            String e = "e" + i;
            Output w = a.step(new Input.LocalUpdate("k", ORSet.<String>empty(), x -> ((ORSet<String>) x).add(A, e), 0),
                    NOW);
            assertTrue(deltas(b, A, i + 1, Map.of("k", w.persists().get(0).delta())).contradictions().isEmpty());
        }
        // b's own write travels back to a, and a's state back to b: nothing is refused.
        Output w = b.step(new Input.LocalUpdate("k", ORSet.<String>empty(), x -> ((ORSet<String>) x).add(B, "mine"), 0),
                NOW);
        assertTrue(w.outcomes().get(0) instanceof Output.Applied);
        assertTrue(a.step(new Input.Received(B, new Message.ReadReply(1, "k", b.get("k"), 0, false)), NOW)
                .contradictions().isEmpty());
        assertTrue(b.step(new Input.Received(A, new Message.ReadReply(1, "k", a.get("k"), 0, false)), NOW)
                .contradictions().isEmpty());
        assertEquals(0, b.stats().conflictsRefused());
    }
}
