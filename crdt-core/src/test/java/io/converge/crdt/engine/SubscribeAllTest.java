package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.testing.InMemoryNetwork;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SubscribeAllTest {
    private static final Key<PNCounter> HITS = Key.of("hits", PNCounter.empty(), CrdtCodecs.pnCounter());
    private static final Key<ORSet<String>> CART = Key.of("cart", ORSet.empty(), CrdtCodecs.orSet(ValueCodec.string()));
    private static final Key<PNCounter> SECRET = Key.of("$hidden", PNCounter.empty(), CrdtCodecs.pnCounter());
    private static final ReservedKeys RESERVED = ReservedKeys.prefix("$");

    private final List<Replicator> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Replicator::close);
    }

    private Replicator node(String name, InMemoryNetwork net) {
        Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(name)).transport(net.transport())
                .codecs(CodecRegistry.of(HITS.codec().orElseThrow(), CART.codec().orElseThrow()))
                .reservedKeys(RESERVED).build());
        open.add(r);
        return r;
    }

    @Test
    void aListenerOfAllKeysHearsKeysThisNodeNeverUsed() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        Map<String, ReplicatedData<?>> latest = new ConcurrentHashMap<>();
        CountDownLatch both = new CountDownLatch(1);
        b.subscribeAll(e -> {
            latest.put(e.key(), e.state().orElseThrow());
            if (latest.get("hits") instanceof PNCounter c && c.bigValue().equals(BigInteger.valueOf(3))
                    && latest.get("cart") instanceof ORSet<?> s && s.value().contains("milk")) {
                both.countDown();
            }
        });
        a.update(HITS, (c, r) -> c.increment(r.self(), 3));
        a.update(CART, (s, r) -> s.add(r.self(), "milk"));
        assertTrue(both.await(10, TimeUnit.SECONDS), "b heard " + latest);
    }

    @Test
    void reservedKeysAreNotTold() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Replicator a = node("a", net);
        BlockingQueue<String> keys = new LinkedBlockingQueue<>();
        a.subscribeAll(e -> keys.add(e.key()));
        a.updateReserved(RESERVED, SECRET, (c, r) -> c.increment(r.self(), 1)).get(5, TimeUnit.SECONDS);
        a.update(HITS, (c, r) -> c.increment(r.self(), 1));
        // Changes are told in step order: the reserved write came first, so had it been told it
        // would be here before "hits".
        assertEquals("hits", keys.poll(10, TimeUnit.SECONDS));
        assertTrue(a.get(SECRET).isPresent());
    }

    @Test
    void aSlowListenerGetsEachKeysLatestStateAndNeverBlocksWrites() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Replicator a = node("a", net);
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<Optional<ReplicatedData<?>>> seen = new LinkedBlockingQueue<>();
        a.subscribeAll(e -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
            seen.add(e.state());
        });
        for (int i = 0; i < 100; i++) {
            a.update(HITS, (c, r) -> c.increment(r.self(), 1)); // returns while the listener is parked
        }
        release.countDown();
        // Every update published its change before returning, so all were offered while the
        // listener was parked: at most the one it was parked in, then one with the latest state.
        int events = 0;
        BigInteger last = BigInteger.ZERO;
        while (!last.equals(BigInteger.valueOf(100))) {
            Optional<ReplicatedData<?>> s = seen.poll(10, TimeUnit.SECONDS);
            assertNotNull(s, "the final state never came; last " + last);
            last = ((PNCounter) s.orElseThrow()).bigValue();
            events++;
        }
        assertTrue(events <= 2, "coalesced into at most two events, got " + events);
    }
}
