package io.converge.crdt.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.Transport;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryNetworkTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    private record Arrival(ReplicaId from, Message message) {
    }

    /** A receiver that records what arrives. */
    private static final class Recorder implements Transport.Receiver {
        final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();

        @Override
        public void received(ReplicaId from, Message message) {
            arrivals.add(new Arrival(from, message));
        }

        @Override
        public void peerUp(ReplicaId peer) {
        }

        @Override
        public void peerDown(ReplicaId peer) {
        }
    }

    private static MessageCodec codec() {
        return new MessageCodec(CodecRegistry.of(), CodecLimits.defaults());
    }

    @Test
    void encodedLinksDeliverEveryMessageInTheOrderSent() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        try (Transport a = net.transport(codec()); Transport b = net.transport(codec())) {
            a.start(A, ra);
            b.start(B, rb);
            for (int i = 0; i < 1_000; i++) {
                a.send(B, new Message.Heartbeat(i, 42));
            }
            for (int i = 0; i < 1_000; i++) {
                Arrival x = rb.arrivals.poll(10, TimeUnit.SECONDS);
                assertTrue(x != null, "message " + i + " arrived");
                assertEquals(new Arrival(A, new Message.Heartbeat(i, 42)), x, "in the order sent");
            }
            assertTrue(net.bytes() > 0, "frames were encoded");
            assertTrue(ra.arrivals.isEmpty());
        }
    }
}
