package io.converge.crdt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicaIdReusedException;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecReader;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CodecWriter;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the engine refuses to merge or cannot send reaches the operator as a {@link ReplicatorEvent}
 * and a counter, not only a log line, and never silently diverges or blocks other keys.
 */
class IntegrityEventsTest {
    private static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());
    private static final Key<ORSet<String>> K = Key.of("k", ORSet.<String>empty(), SET);
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private final List<Replicator> open = new ArrayList<>();
    private final Queue<ReplicatorEvent> events = new ConcurrentLinkedQueue<>();

    @AfterEach
    void closeAll() {
        open.forEach(Replicator::close);
    }

    private Replicator node(ReplicaId id, InMemoryNetwork net, CodecRegistry codecs) {
        Replicator r = Replicator.start(ReplicatorConfig.builder(id).transport(net.transport()).codecs(codecs)
                .sync(SyncConfig.builder().ackTimeout(Duration.ofMillis(200)).build())
                .eventListener(events::add).build());
        open.add(r);
        return r;
    }

    private boolean seen(Class<? extends ReplicatorEvent> type, ReplicaId on) {
        return events.stream().anyMatch(e -> type.isInstance(e) && e.replica().equals(on));
    }

    @Test
    void aReplicaRestartedWithoutItsStoreUnderTheSameIdIsRefusedAndReportedOnBothSides() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Replicator a = node(A, net, CodecRegistry.of(SET));
        Replicator b = node(B, net, CodecRegistry.of(SET));
        b.update(K, (s, r) -> s.add(r.self(), "x1"));
        Await.until("a has x1", () -> a.get(K).map(s -> s.contains("x1")).orElse(false));

        // b dies with its store; a new b starts under the same id, writes before it meets a.
        net.crash(B);
        b.close();
        net.partition(Set.of(B));
        Replicator b2 = node(B, net, CodecRegistry.of(SET));
        b2.update(K, (s, r) -> s.add(r.self(), "x2")); // dot (b,1) again, now for x2
        net.heal();

        Await.until("a reports b's contradicting state", () -> seen(ReplicatorEvent.ConflictingDelta.class, A));
        Await.until("the new b learns its id was used before", () -> seen(ReplicatorEvent.ReplicaIdReused.class, B));
        ReplicatorEvent.ConflictingDelta c = (ReplicatorEvent.ConflictingDelta) events.stream()
                .filter(e -> e instanceof ReplicatorEvent.ConflictingDelta).findFirst().orElseThrow();
        assertEquals(B, c.peer());
        assertEquals("k", c.key());
        assertEquals(Set.of("x1"), a.get(K).orElseThrow().value(), "a keeps what it had, untouched");
        assertTrue(a.stats().protocol().conflictsRefused() >= 1);
        assertTrue(b2.stats().protocol().replicaIdReused());
        CompletionException e = assertThrows(CompletionException.class,
                () -> b2.updateAsync(K, (s, r) -> s.add(r.self(), "x3")).join());
        ReplicaIdReusedException reused = assertInstanceOf(ReplicaIdReusedException.class, e.getCause());
        assertEquals(B, reused.replica());
        assertEquals(Set.of("x1"), a.get(K).orElseThrow().value());
    }

    /** A string codec that refuses "poison" after its first encoding (the size check at write). */
    private static ValueCodec<String> fragile(AtomicInteger poisonEncodings) {
        return new ValueCodec<>() {
            @Override
            public String id() {
                return "fragile-string";
            }

            @Override
            public void encode(String value, CodecWriter out) {
                if (value.equals("poison") && poisonEncodings.incrementAndGet() > 1) {
                    throw new IllegalArgumentException("poison does not encode");
                }
                ValueCodec.string().encode(value, out);
            }

            @Override
            public String decode(CodecReader in) {
                return ValueCodec.string().decode(in);
            }
        };
    }

    @Test
    void aKeyThatFailsToEncodeAtSendTimeIsReportedOnceAndDoesNotBlockOtherKeys() throws Exception {
        AtomicInteger poisonEncodings = new AtomicInteger();
        CrdtCodec<ORSet<String>> fragileSet = CrdtCodecs.orSet(fragile(poisonEncodings));
        CodecRegistry codecs = CodecRegistry.of(SET, fragileSet);
        InMemoryNetwork net = new InMemoryNetwork(2);
        Replicator a = node(A, net, codecs);
        Replicator b = node(B, net, CodecRegistry.of(SET, fragileSet));
        Await.until("peers up", () -> a.stats().acknowledged(B) >= 0 && b.stats().acknowledged(A) >= 0);

        Key<ORSet<String>> bad = Key.of("bad", ORSet.<String>empty(), fragileSet);
        a.update(bad, (s, r) -> s.add(r.self(), "poison"));
        a.update(K, (s, r) -> s.add(r.self(), "after"));

        Await.until("b receives the other key", () -> b.get(K).map(s -> s.contains("after")).orElse(false));
        Await.until("a reports the key it cannot send", () -> seen(ReplicatorEvent.Unsendable.class, A));
        ReplicatorEvent.Unsendable u = (ReplicatorEvent.Unsendable) events.stream()
                .filter(e -> e instanceof ReplicatorEvent.Unsendable).findFirst().orElseThrow();
        assertEquals("bad", u.key());
        assertEquals(B, u.peer());
        assertTrue(u.reason().contains("poison does not encode"), u.reason());
        assertTrue(a.stats().messagesUnencodable() >= 1, "the counter still moves");
        assertEquals(1, events.stream().filter(e -> e instanceof ReplicatorEvent.Unsendable).count(),
                "once per key and cause, not per message");
        assertTrue(b.get(bad).isEmpty());
    }

    @Test
    void aHugeElementNeverBlocksTheKeysWrittenAfterIt() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(3);
        Replicator a = node(A, net, CodecRegistry.of(SET));
        Replicator b = node(B, net, CodecRegistry.of(SET));
        Await.until("peers up", () -> a.stats().acknowledged(B) >= 0 && b.stats().acknowledged(A) >= 0);
        Key<ORSet<String>> big = Key.of("big", ORSet.<String>empty(), SET);
        String huge = "x".repeat(70_000);
        try {
            a.update(big, (s, r) -> s.add(r.self(), huge));
        } catch (io.converge.crdt.ValueTooLargeException | io.converge.crdt.codec.EncodeException refusedAtWrite) {
            assertTrue(a.get(big).isEmpty(), "a refused write changed nothing");
        }
        a.update(K, (s, r) -> s.add(r.self(), "after"));
        Await.until("b receives the other key", () -> b.get(K).map(s -> s.contains("after")).orElse(false));
    }

    @Test
    void aStoredReplicatorWithoutNetworkRefusesAKeyWithoutACodec(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Replicator r = Replicator.start(ReplicatorConfig.builder(A)
                .store(io.converge.crdt.store.StoreConfig.builder(dir).build()).build());
        open.add(r);
        Key<ORSet<String>> noCodec = Key.of("plain", ORSet.<String>empty());
        assertThrows(IllegalArgumentException.class, () -> r.update(noCodec, (s, x) -> s.add(x.self(), "v")));
        assertTrue(r.get(noCodec).isEmpty(), "nothing applied");
        assertEquals(0, r.stats().sequence(), "nothing recorded");
    }
}
