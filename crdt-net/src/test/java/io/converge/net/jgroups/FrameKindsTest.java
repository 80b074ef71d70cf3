package io.converge.net.jgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.protocol.Message;
import io.converge.net.admission.Admission;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameKindsTest {
    private final MessageCodec codec = new MessageCodec(CodecRegistry.of(), CodecLimits.defaults());

    @Test
    void onlyAcksNacksAndHeartbeatsMayGoOutOfBand() {
        for (Message m : List.of(new Message.Ack(5), new Message.Ack(5, 3), new Message.Nack(9),
                new Message.Heartbeat(4, 77))) {
            assertEquals(true, FrameKinds.outOfBand(codec.encodeToBytes(m)), m.toString());
        }
        for (Message m : List.of(new Message.Goodbye(), new Message.Request(1, true, List.of("k")),
                new Message.Offer(1, 2, true, java.util.Map.of("k", 3L), 0),
                new Message.Unreachable(new java.util.TreeSet<>(java.util.Set.of(ReplicaId.of("x")))))) {
            assertFalse(FrameKinds.outOfBand(codec.encodeToBytes(m)), m.toString());
        }
    }

    @Test
    void admissionAndShortFramesStayRegular() {
        assertFalse(FrameKinds.outOfBand(new byte[0]));
        assertFalse(FrameKinds.outOfBand(new byte[] {(byte) MessageCodec.VERSION}));
        assertFalse(FrameKinds.outOfBand(Admission.welcome()));
        assertFalse(FrameKinds.outOfBand(Admission.request()));
    }
}
