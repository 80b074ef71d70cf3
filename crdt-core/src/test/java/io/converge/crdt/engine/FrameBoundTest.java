package io.converge.crdt.engine;

import static io.converge.crdt.TestStrings.blob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.ValueTooLargeException;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.crdt.testing.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Messages are bounded in bytes, so no frame ever reaches the receiver's limit and loops. */
class FrameBoundTest {
    private static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());
    private final List<Replicator> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Replicator::close);
    }

    private Replicator node(String name, InMemoryNetwork net) {
        Replicator r = Replicator.start(ReplicatorConfig.builder(ReplicaId.of(name)).transport(net.transport())
                .codecs(CodecRegistry.of(SET))
                .sync(SyncConfig.builder().ackTimeout(Duration.ofMillis(300)).build())
                .updateTimeout(Duration.ofSeconds(30)).build());
        open.add(r);
        return r;
    }

    @Test
    void aBurstLargerThanAFrameTravelsInBoundedIntervalsAndLaterWritesFollow() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(1);
        Replicator a = node("a", net);
        Replicator b = node("b", net);
        Await.until("peers up", () -> a.stats().acknowledged(b.self()) >= 0 && b.stats().acknowledged(a.self()) >= 0);
        // 400 keys of 4 KB in one burst: 1.6 MB of deltas, above the receiver's 1 MiB frame limit.
        List<CompletableFuture<ORSet<String>>> writes = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String v = blob(i, 4096);
            writes.add(a.updateAsync(Key.of("big" + i, ORSet.<String>empty(), SET), (s, r) -> s.add(r.self(), v)));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        Key<ORSet<String>> small = Key.of("small", ORSet.<String>empty(), SET);
        a.update(small, (s, r) -> s.add(r.self(), "after"));
        Await.until("b has the small write after the burst", () -> b.get(small).map(s -> s.contains("after")).orElse(false));
        Await.until("b has the burst", () -> b.size() == 401);
        assertTrue(net.largestFrame() <= CodecLimits.defaults().maxFrameBytes() / 2,
                "largest frame " + net.largestFrame() + " within the bound");
        assertEquals(0, b.stats().framesRejected(), "no frame was refused");
    }

    @Test
    void aKeyLargerThanAMessageTravelsInParts() throws InterruptedException {
        InMemoryNetwork net = new InMemoryNetwork(2);
        Replicator a = node("a", net);
        Key<ORSet<String>> big = Key.of("big", ORSet.<String>empty(), SET);
        // 160 elements of 4 KB in one update: one delta of 640 KB, above the 256 KiB message bound.
        a.update(big, (s, r) -> {
            ORSet<String> d = ORSet.empty();
            for (int i = 0; i < 160; i++) {
                d = d.join(s.join(d).add(r.self(), blob(i, 4096)));
            }
            return d;
        });
        Replicator b = node("b", net);
        Await.until("b has every element", () -> b.get(big).map(s -> s.value().size() == 160).orElse(false));
        assertEquals(a.get(big), b.get(big));
        assertTrue(net.largestFrame() <= CodecLimits.defaults().maxFrameBytes() / 2,
                "largest frame " + net.largestFrame());
        assertEquals(0, b.stats().framesRejected());
    }

    @Test
    void anEntryLargerThanAMessageIsRefusedAtWriteAndChangesNothing() {
        InMemoryNetwork net = new InMemoryNetwork(3);
        // Strings of up to 512 KiB may be encoded, so the entry is refused for the message bound.
        Replicator a = Replicator.start(ReplicatorConfig.builder(ReplicaId.of("a")).transport(net.transport())
                .codecs(CodecRegistry.of(SET)).codecLimits(CodecLimits.builder().maxStringBytes(512 * 1024).build())
                .build());
        open.add(a);
        Key<ORSet<String>> k = Key.of("k", ORSet.<String>empty(), SET);
        String huge = blob(0, 300 * 1024);
        assertThrows(ValueTooLargeException.class, () -> a.update(k, (s, r) -> s.add(r.self(), huge)));
        assertTrue(a.get(k).isEmpty());
        assertEquals(0, a.stats().sequence(), "nothing was recorded");
        a.update(k, (s, r) -> s.add(r.self(), "fine"));
        assertEquals(1, a.stats().sequence());
    }

    @Test
    void aMessageBoundAboveHalfTheFrameLimitIsRefusedAtBuild() {
        ReplicatorConfig.Builder b = ReplicatorConfig.builder(ReplicaId.of("a"))
                .sync(SyncConfig.builder().maxMessageBytes(800 * 1024).build());
        assertThrows(IllegalStateException.class, b::build);
    }
}
