package io.converge.crdt.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InMemoryNetworkTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    private record Arrival(ReplicaId from, Message message, String thread) {
    }

    /** A receiver that records what arrives and on which thread. */
    private static final class Recorder implements Transport.Receiver {
        final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();

        @Override
        public void received(ReplicaId from, Message message) {
            arrivals.add(new Arrival(from, message, Thread.currentThread().getName()));
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

    private static Set<String> threadNames() {
        Set<String> names = new java.util.HashSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
        return names;
    }

    @Test
    void encodedLinksDeliverInOrderOnTheReceiversIoThread() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        try (Transport a = net.transport(codec()); Transport b = net.transport(codec())) {
            a.start(A, ra);
            b.start(B, rb);
            for (int i = 0; i < 1_000; i++) {
                a.send(B, new Message.Heartbeat(i, 42));
            }
            List<Arrival> got = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                Arrival x = rb.arrivals.poll(10, TimeUnit.SECONDS);
                assertTrue(x != null, "message " + i + " arrived");
                got.add(x);
            }
            for (int i = 0; i < got.size(); i++) {
                assertEquals(new Message.Heartbeat(i, 42), got.get(i).message(), "in the order sent");
                assertEquals(A, got.get(i).from());
                assertEquals("converge-memnet-b", got.get(i).thread(), "decoded on the receiver's I/O thread");
            }
            assertTrue(net.bytes() > 0, "frames were encoded");
            assertTrue(ra.arrivals.isEmpty());
        }
    }

    @Test
    void closingATransportStopsItsIoThread() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(2);
        Transport a = net.transport(codec());
        Recorder rb = new Recorder();
        a.start(A, new Recorder());
        try (Transport b = net.transport(codec())) {
            b.start(B, rb);
            a.send(B, new Message.Heartbeat(1, 1));
            assertTrue(rb.arrivals.poll(10, TimeUnit.SECONDS) != null);
            assertTrue(threadNames().contains("converge-memnet-a"));
            a.close();
        }
        a.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (threadNames().contains("converge-memnet-a")) {
            assertTrue(System.nanoTime() < deadline, "the I/O thread stopped");
            Thread.sleep(5);
        }
    }
}
