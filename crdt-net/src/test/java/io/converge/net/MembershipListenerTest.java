package io.converge.net;

import static io.converge.net.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.ReservedKeys;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Member listeners run behind a bounded queue: a stuck listener costs events, never the model. */
class MembershipListenerTest {
    @Test
    void aStuckListenerLosesEventsPastTheQueueButTheModelGoesOn() throws InterruptedException {
        Membership m = new Membership(ReplicaId.of("a"), ReservedKeys.prefix("$"), Duration.ZERO, 2);
        CountDownLatch release = new CountDownLatch(1);
        List<MemberEvent> got = new CopyOnWriteArrayList<>();
        try {
            m.subscribe(e -> {
                got.add(e);
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < 10; i++) {
                m.admissionRefused("addr-" + i);
            }
            // The model thread is not held up: a subscribe (which runs on it) still completes.
            List<MemberEvent> second = new CopyOnWriteArrayList<>();
            m.subscribe(second::add);
            await(() -> m.listenerDrops() > 0, () -> "events dropped past the queue");
            release.countDown();
            await(() -> got.size() >= 3, () -> "the stuck listener resumes: " + got);
            assertTrue(got.get(0) instanceof MemberEvent.CurrentMembers, got.toString());
            assertTrue(got.size() < 11, "some events were dropped, not queued without bound: " + got.size());
        } finally {
            release.countDown();
            m.close(Duration.ofSeconds(2));
        }
        assertThrows(IllegalStateException.class, () -> m.subscribe(e -> { }));
        assertEquals(0, m.countedPeers().size());
    }
}
