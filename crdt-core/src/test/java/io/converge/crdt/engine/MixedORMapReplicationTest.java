package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.converge.crdt.EWFlag;
import io.converge.crdt.MixedORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.testing.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A map with a type per key, replicated by real replicators over the in-memory network. */
class MixedORMapReplicationTest {
    private static final Key<MixedORMap<String>> DOC = Key.of("doc", MixedORMap.empty(),
            CrdtCodecs.mixedMap(ValueCodec.string(), CrdtCodecs.orSet(ValueCodec.string()), CrdtCodecs.ewFlag()));

    private final List<Replicator> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Replicator::close);
    }

    private Replicator node(String name, InMemoryNetwork net) {
        Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(name)).transport(net.transport())
                .codecs(CodecRegistry.of(DOC.codec().orElseThrow()))
                .sync(io.converge.crdt.protocol.SyncConfig.builder().ackTimeout(Duration.ofMillis(200)).build())
                .updateTimeout(Duration.ofSeconds(5)).build());
        open.add(r);
        return r;
    }

    @Test
    void listenersSeeEachKeyOfAMixedMapWithItsOwnType() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(31);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        BlockingQueue<Change> seen = new LinkedBlockingQueue<>();
        try (Subscription s = b.subscribe(DOC, e -> seen.addAll(e.changes()))) {
            a.update(DOC, (m, r) -> m.update("tags", ORSet.<String>empty(), t -> t.add(r.self(), "crdt")));
            Change c = seen.poll(10, TimeUnit.SECONDS);
            assertInstanceOf(Change.Added.class, c);
            assertEquals("tags", ((Change.Added) c).item());
            assertEquals(Set.of("crdt"), ((ORSet<?>) ((Change.Added) c).value()).value());
            a.update(DOC, (m, r) -> m.update("done", EWFlag.empty(), f -> f.enable(r.self())));
            Change d = seen.poll(10, TimeUnit.SECONDS);
            assertEquals("done", ((Change.Added) d).item());
        }
    }

    @Test
    void replicasThatGiveAKeyDifferentTypesConvergeOnTheTagThatSortsLast() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(32);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        net.partition(Set.of(a.self()));
        a.update(DOC, (m, r) -> m.update("k", EWFlag.empty(), f -> f.enable(r.self())));
        b.update(DOC, (m, r) -> m.update("k", ORSet.<String>empty(), t -> t.add(r.self(), "x")));
        net.heal();
        Await.until("convergence", () -> a.get(DOC).equals(b.get(DOC))
                && a.get(DOC).flatMap(m -> m.typeOf("k")).equals(Optional.of("ORSet")));
        assertEquals(Set.of("x"), a.get(DOC).orElseThrow().get("k", ORSet.<String>empty()).orElseThrow().value());
    }
}
