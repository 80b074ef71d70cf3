package io.converge.net;

import static io.converge.net.TestCluster.add;
import static io.converge.net.TestCluster.awaitConverged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.protocol.Message;
import io.converge.net.TestCluster.Node;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jgroups.BytesMessage;
import org.jgroups.stack.Protocol;
import org.junit.jupiter.api.Test;

/** Acks, nacks and heartbeats leave OOB; everything else regular; replication still converges. */
class OutOfBandTest {
    private static final MessageCodec CODEC = new MessageCodec(CodecRegistry.of(), CodecLimits.defaults());
    private static final byte ACK = CODEC.encodeToBytes(new Message.Ack(0))[1];
    private static final byte HEARTBEAT = CODEC.encodeToBytes(new Message.Heartbeat(0, 0))[1];

    /** Counts the frames going down a stack by (first byte, type byte, OOB). */
    static final class Recorder extends Protocol {
        final Map<String, AtomicLong> seen = new ConcurrentHashMap<>();

        @Override
        public Object down(org.jgroups.Message msg) {
            if (msg instanceof BytesMessage && msg.getLength() >= 2) {
                byte[] b = msg.getArray();
                int o = msg.getOffset();
                String kind = b[o] == MessageCodec.VERSION ? "sync-" + b[o + 1] : "admission";
                seen.computeIfAbsent(kind + (msg.isFlagSet(org.jgroups.Message.Flag.OOB) ? "-oob" : ""),
                        k -> new AtomicLong()).incrementAndGet();
            }
            return down_prot.down(msg);
        }
    }

    @Test
    void acksAndHeartbeatsGoOutOfBandAndDeltasStayInOrder() {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        try (TestCluster c = new TestCluster()) {
            // Replaces TestCluster's DISCARD (unused here) by a recorder on top of each stack.
            Node a = c.start("a", t -> t.stackCustomizer(s -> top(s, ra)));
            Node b = c.start("b", t -> t.stackCustomizer(s -> top(s, rb)));
            c.awaitAdmitted(List.of(a, b));
            for (int i = 0; i < 20; i++) {
                add(a, "a" + i);
                add(b, "b" + i);
            }
            Set<String> all = new java.util.TreeSet<>();
            for (int i = 0; i < 20; i++) {
                all.add("a" + i);
                all.add("b" + i);
            }
            awaitConverged(List.of(a, b), all, 40);
            TestCluster.await(() -> count(ra, "sync-" + ACK + "-oob") > 0 && count(rb, "sync-" + ACK + "-oob") > 0
                    && count(ra, "sync-" + HEARTBEAT + "-oob") > 0, () -> "acks and heartbeats sent: " + ra.seen
                    + " " + rb.seen);
        }
        for (Recorder r : List.of(ra, rb)) {
            Map<String, AtomicLong> seen = new TreeMap<>(r.seen);
            for (String kind : seen.keySet()) {
                boolean oobType = kind.startsWith("sync-" + ACK) || kind.startsWith("sync-" + HEARTBEAT)
                        || kind.startsWith("sync-" + CODEC.encodeToBytes(new Message.Nack(0))[1]);
                assertEquals(oobType, kind.endsWith("-oob"), kind + " in " + seen);
            }
            assertTrue(seen.containsKey("admission"), seen.toString());
        }
    }

    private static List<Protocol> top(List<Protocol> stack, Protocol p) {
        stack.add(p);
        return stack;
    }

    private static long count(Recorder r, String kind) {
        AtomicLong n = r.seen.get(kind);
        return n == null ? 0 : n.get();
    }
}
