package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.Message;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The control messages of the protocol: goodbye, reachability reports, reads from a peer. */
class ControlMessagesCodecTest {
    private static final CrdtCodec<io.converge.crdt.ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());
    private final MessageCodec codec = new MessageCodec(CodecRegistry.of(SET), CodecLimits.defaults());

    @Test
    void aGoodbyeRoundTripsInAFewBytes() {
        byte[] frame = codec.encodeToBytes(new Message.Goodbye());
        assertEquals(new Message.Goodbye(), codec.decode(frame));
        assertTrue(frame.length <= 8, "goodbye is " + frame.length + " bytes (4 of them its CRC32C)");
    }

    @Test
    void anUnreachableReportRoundTripsWithItsReplicasInOrder() {
        TreeSet<ReplicaId> ids = new TreeSet<>();
        ids.add(ReplicaId.of("zeta"));
        ids.add(ReplicaId.of("alpha"));
        Message.Unreachable m = new Message.Unreachable(ids);
        assertEquals(m, codec.decode(codec.encodeToBytes(m)));
        Message.Unreachable none = new Message.Unreachable(new TreeSet<>());
        assertEquals(none, codec.decode(codec.encodeToBytes(none)));
    }

    @Test
    void aReportNamingOneReplicaTwiceIsMalformed() {
        TreeSet<ReplicaId> ids = new TreeSet<>();
        ids.add(ReplicaId.of("a"));
        ids.add(ReplicaId.of("b"));
        byte[] frame = codec.encodeToBytes(new Message.Unreachable(ids));
        // The body ends with the two table indexes 0 and 1: make the second name the first again.
        frame[frame.length - 1] = frame[frame.length - 2];
        assertThrows(MalformedFrameException.class, () -> codec.decode(frame));
    }

    @Test
    void readRequestsAndRepliesRoundTrip() {
        codec.registry().bind("cart", SET);
        io.converge.crdt.ORSet<String> cart = io.converge.crdt.ORSet.<String>empty().add(ReplicaId.of("a"), "milk");
        for (Message m : java.util.List.of(new Message.ReadRequest(7, "cart"),
                new Message.ReadReply(7, "cart", java.util.Optional.of(cart), 1_700_000_000_000L, false),
                new Message.ReadReply(8, "cart", java.util.Optional.empty(), 0, false),
                new Message.ReadReply(9, "cart", java.util.Optional.empty(), 0, true))) {
            assertEquals(m, codec.decode(codec.encodeToBytes(m)), m.toString());
        }
    }
}
