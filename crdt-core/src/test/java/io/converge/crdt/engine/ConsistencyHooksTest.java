package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What consistency levels build on: waiting for k acknowledgements, and reading from a peer. */
class ConsistencyHooksTest {
    private static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());
    private static final Key<ORSet<String>> CART = Key.of("cart", ORSet.<String>empty(), SET);
    private final List<Replicator> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Replicator::close);
    }

    private Replicator node(String name, InMemoryNetwork net) {
        Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(name)).transport(net.transport())
                .codecs(CodecRegistry.of(SET)).sync(SyncConfig.builder().ackTimeout(Duration.ofMillis(300)).build())
                .build());
        open.add(r);
        return r;
    }

    @Test
    void anUpdateIsAcknowledgedByPeersOnlyOnceTheyHoldIt() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        Replicator c = node("c", net);
        Replicator.Written<ORSet<String>> w = a.updateTracked(CART, (s, r) -> s.add(r.self(), "milk"))
                .get(10, TimeUnit.SECONDS);
        assertTrue(w.position() >= 1, "the update rests on a buffer position");
        Set<ReplicaId> acked = a.awaitAcknowledged(w.position(), 2, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
        assertEquals(Set.of(b.self(), c.self()), acked);
        assertTrue(b.get(CART).orElseThrow().contains("milk") && c.get(CART).orElseThrow().contains("milk"),
                "a peer that acknowledged holds the write");
    }

    @Test
    void tooFewAcknowledgementsEndInATypedTimeoutThatNamesWhoHadIt() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(2);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        Replicator c = node("c", net);
        Await.until("c is up at a", () -> a.stats().acknowledged(c.self()) >= 0);
        net.partition(Set.of(c.self()));
        Replicator.Written<ORSet<String>> w = a.updateTracked(CART, (s, r) -> s.add(r.self(), "eggs"))
                .get(10, TimeUnit.SECONDS);
        Await.until("b acknowledged", () -> a.stats().acknowledged(b.self()) >= w.position());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> a.awaitAcknowledged(w.position(), 2, Duration.ofMillis(300)).get(20, TimeUnit.SECONDS));
        AcknowledgementTimeoutException t = (AcknowledgementTimeoutException) e.getCause();
        assertEquals(Set.of(b.self()), t.acknowledged());
        assertEquals(2, t.required());
        assertTrue(a.get(CART).orElseThrow().contains("eggs"), "nothing is rolled back");
    }

    @Test
    void aReadFromAPeerJoinsItsStateHere() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(3);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        b.update(CART, (s, r) -> s.add(r.self(), "bread"));
        a.update(CART, (s, r) -> s.add(r.self(), "jam"));
        Optional<ORSet<String>> read = a.readFrom(b.self(), CART, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
        assertTrue(read.orElseThrow().value().containsAll(Set.of("bread", "jam")), "b's state joined into a's");
        assertTrue(a.get(CART).orElseThrow().contains("bread"), "and kept there (read repair)");
    }

    @Test
    void aReadFromAPeerThatIsNotUpFailsAtOnce() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(4);
        Replicator a = node("a", net);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> a.readFrom(ReplicaId.of("nobody"), CART, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS));
        assertEquals(RemoteReadException.Reason.PEER_NOT_UP, ((RemoteReadException) e.getCause()).reason());
    }

    @Test
    void aReadWithoutAnswerTimesOut() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(5);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        Await.until("b is up at a", () -> a.stats().peers().containsKey(b.self()));
        net.lossRate(1.0);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> a.readFrom(b.self(), CART, Duration.ofMillis(300)).get(20, TimeUnit.SECONDS));
        assertEquals(RemoteReadException.Reason.TIMEOUT, ((RemoteReadException) e.getCause()).reason());
    }
}
