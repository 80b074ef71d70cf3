package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.Schedule;
import io.converge.crdt.testing.Simulator;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What three in-sync replicas send each other when nobody writes: measured on the simulator
 * (simulated time, the real engine, every frame encoded by the real codec). Prints the figure;
 * asserts only that idle traffic is heartbeats.
 */
class IdleTrafficTest {
    @Test
    void inSyncReplicasExchangeOnlyHeartbeatsWhenIdle() {
        int nodes = 3;
        Simulator<ORSet<String>> sim = Simulator.builder(ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()))
                .nodes(nodes).build();
        sim.run(new Schedule.Tick<>(1_000)); // views settle
        for (int i = 0; i < 1000; i++) {
            String e = "e" + i;
            Operation<ORSet<String>> add = Operation.of("add(" + e + ")", (s, c) -> s.add(c.replica(), e));
            sim.run(new Schedule.Update<>(i % nodes, "k" + (i % 100), add));
        }
        sim.healAndSettle();
        sim.check();
        AtomicLong messages = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong nonHeartbeats = new AtomicLong();
        sim.observeDeliveries(d -> {
            messages.incrementAndGet();
            bytes.addAndGet(d.bytes());
            if (!(d.message() instanceof Message.Heartbeat)) {
                nonHeartbeats.incrementAndGet();
            }
        });
        int seconds = 60;
        sim.advance(seconds * 1_000L);
        int links = nodes * (nodes - 1);
        System.out.printf("IDLE: %d nodes in sync (100 keys, 1,000 elements), %d s idle: %d messages, %d bytes "
                + "(%.1f bytes/s per directed link, payload frames only)%n", nodes, seconds, messages.get(), bytes.get(),
                bytes.get() / (double) seconds / links);
        assertEquals(0, nonHeartbeats.get(), "nothing but heartbeats while idle");
        assertTrue(messages.get() <= (long) links * (seconds / 2 + 1), "one heartbeat per link per 2 s");
    }
}
