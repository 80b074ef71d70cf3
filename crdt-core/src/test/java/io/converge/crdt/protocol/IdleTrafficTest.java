package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What two or three in-sync replicas send each other when nobody writes: measured on the
 * simulator (simulated time, real protocol machines, every message encoded with the real codec
 * to count its bytes). Prints the figure; asserts only that idle traffic is heartbeats.
 */
class IdleTrafficTest {
    @Test
    void inSyncReplicasExchangeOnlyHeartbeatsWhenIdle() {
        int nodes = 3;
        Simulator<ORSet<String>> sim = new Simulator<>(ORSet.empty(), nodes, SyncConfig.defaults());
        for (int i = 0; i < 1000; i++) {
            String e = "e" + i;
            Operation<ORSet<String>> add = Operation.of("add(" + e + ")", (s, c) -> s.add(c.replica(), e));
            sim.run(new Schedule.Update<>(i % nodes, "k" + (i % 100), add));
        }
        sim.healAndSettle(500);
        sim.checkConverged();
        CodecRegistry registry = CodecRegistry.of(CrdtCodecs.orSet(ValueCodec.string()));
        for (int k = 0; k < 100; k++) {
            registry.bind("k" + k, CrdtCodecs.orSet(ValueCodec.string()));
        }
        MessageCodec codec = new MessageCodec(registry, CodecLimits.defaults());
        AtomicLong messages = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong nonHeartbeats = new AtomicLong();
        sim.observeDeliveries(m -> {
            messages.incrementAndGet();
            bytes.addAndGet(codec.encodeToBytes(m).length);
            if (!(m instanceof Message.Heartbeat)) {
                nonHeartbeats.incrementAndGet();
            }
        });
        int seconds = 60;
        for (int t = 0; t < seconds * 10; t++) {
            sim.run(new Schedule.Tick<>(100));
            for (int d = 0; d < 10; d++) {
                sim.run(new Schedule.Deliver<>(0));
            }
        }
        int links = nodes * (nodes - 1);
        System.out.printf("IDLE: %d nodes in sync (100 keys, 1,000 elements), %d s idle: %d messages, %d bytes "
                + "(%.1f bytes/s per directed link, payload frames only)%n", nodes, seconds, messages.get(), bytes.get(),
                bytes.get() / (double) seconds / links);
        assertEquals(0, nonHeartbeats.get(), "nothing but heartbeats while idle");
        assertTrue(messages.get() <= (long) links * (seconds / 2 + 1), "one heartbeat per link per 2 s");
    }
}
