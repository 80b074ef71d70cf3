package io.converge.crdt.engine;

import static io.converge.crdt.TestStrings.blob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.engine.spi.Scheduler;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.SyncConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A buggy or hostile peer behind a transport that hands us whatever it sends, against a whole
 * replicator run step by step on a manual scheduler and a virtual clock: it cannot make the node
 * hold unbounded memory, starve its local work, or fail silently. Every assertion is on a
 * bounded size or a counter, never on time or heap.
 */
class HostilePeerTest {
    private static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());
    private static final ReplicaId SELF = ReplicaId.of("a");
    private static final ReplicaId PEER = ReplicaId.of("b");

    private final ManualScheduler loop = new ManualScheduler();
    private final RawTransport transport = new RawTransport();
    private final CodecRegistry registry = CodecRegistry.of(SET);
    /** The hostile sender's own codec: what it encodes, our node decodes. */
    private final MessageCodec sender = new MessageCodec(CodecRegistry.of(SET), CodecLimits.defaults());
    private final List<ReplicatorEvent> events = new CopyOnWriteArrayList<>();
    /** When positive, the next that many clock reads throw: an Error inside a step. */
    private final AtomicInteger poisonedReads = new AtomicInteger();
    private Replicator node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    private Replicator start(SyncConfig sync) {
        node = Replicator.start(ReplicatorConfig.builder(SELF).transport(transport).codecs(registry).sync(sync)
                .scheduler(loop).clock(() -> {
                    if (poisonedReads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new OutOfMemoryError("injected by the test");
                    }
                    return loop.now;
                }).listenerExecutor(Runnable::run).eventListener(events::add).build());
        loop.runAll();
        return node;
    }

    private void peerUp() {
        transport.receiver.peerUp(PEER, 1);
        loop.runAll();
    }

    private byte[] frame(Message m) {
        FrameStage.valueKeys(m).forEach(k -> sender.registry().bind(k, SET));
        return sender.encodeToBytes(m);
    }

    /** An interval of {@code keys} fresh keys from the peer, each with one element of its own. */
    private byte[] deltas(long start, int keys, String prefix, long expiresAt, int valueBytes) {
        Map<String, ReplicatedData<?>> values = new HashMap<>();
        Map<String, Long> expiries = new HashMap<>();
        for (int k = 0; k < keys; k++) {
            String key = prefix + k;
            values.put(key, ORSet.<String>empty().add(PEER, blob(k, valueBytes)));
            if (expiresAt > 0) {
                expiries.put(key, expiresAt);
            }
        }
        return frame(new Message.Deltas(start, start + 1, values, expiries));
    }

    @Test
    void framesFromForgedSenderIdsAreDroppedUndecodedAndNeverMakeAPeer() {
        Replicator a = start(SyncConfig.defaults());
        byte[] heartbeat = frame(new Message.Heartbeat(0, 42));
        for (int i = 0; i < 200_000; i++) {
            transport.receiver.received(ReplicaId.of("forged" + i), heartbeat);
        }
        assertEquals(0, loop.tasks.size(), "nothing was queued for the loop");
        loop.advance(10_000);
        SyncStats s = a.stats();
        System.out.println("BOUNDS forged ids: 200,000 heartbeats, " + s.framesFromUnknownPeers() + " dropped undecoded, "
                + s.peers().size() + " peers, " + loop.tasks.size() + " loop tasks queued");
        assertEquals(200_000, s.framesFromUnknownPeers());
        assertEquals(0, s.framesIn(), "none was decoded");
        assertTrue(s.peers().isEmpty(), "only the transport's peer-up makes a peer: " + s.peers().keySet());
        assertEquals(0, s.inboundQueuedBytes());
    }

    @Test
    void aFloodingPeerQueuesNoMoreThanTheInboundByteBoundAndTheRestIsDroppedAndCounted() {
        long bound = 8 << 20;
        // One message per turn, so the figures published after the first still show a full queue.
        Replicator a = start(SyncConfig.builder().inboundMaxBytes(bound).maxInboundPerTurn(1).build());
        peerUp();
        byte[] big = deltas(0, 8, "flood", 0, 4096); // about 33 KB
        int sent = 2_000; // about 66 MB while the loop is busy elsewhere
        for (int i = 0; i < sent; i++) {
            transport.receiver.received(PEER, big);
        }
        loop.runOne(); // one turn: publishes the figures with the queue still full
        SyncStats s = a.stats();
        int cost = SyncDriver.queuedCost(big.length);
        long queuedAtMost = bound / cost;
        System.out.println("BOUNDS inbound flood: " + sent + " frames of " + big.length + " bytes, " + s.inboundQueuedBytes()
                + " bytes queued (bound " + bound + "), " + s.inboundDropped() + " dropped");
        assertEquals((queuedAtMost - 1) * cost, s.inboundQueuedBytes(), "queued up to the bound, less the one stepped");
        assertEquals(sent - queuedAtMost, s.inboundDropped(), "dropped beyond the bound, counted");
        assertTrue(events.stream().anyMatch(e -> e instanceof ReplicatorEvent.InboundDropped), "published");
        loop.runAll();
        assertEquals(0, a.stats().inboundQueuedBytes(), "drained");
    }

    @Test
    void aFloodOfTinyFramesIsChargedForTheHeapItHoldsNotItsWireBytes() {
        long bound = 1 << 20;
        Replicator a = start(SyncConfig.builder().inboundMaxBytes(bound).maxInboundPerTurn(1).build());
        peerUp();
        byte[] nack = frame(new Message.Nack(0));
        int sent = 100_000; // under 1 MiB on the wire, far more once decoded and queued
        for (int i = 0; i < sent; i++) {
            transport.receiver.received(PEER, nack);
        }
        long queuedAtMost = bound / SyncDriver.queuedCost(nack.length);
        loop.runOne();
        SyncStats s = a.stats();
        System.out.println("BOUNDS nack flood: " + sent + " frames of " + nack.length + " bytes, "
                + (sent - s.inboundDropped()) + " queued (bound " + bound + " of estimated heap), " + s.inboundDropped()
                + " dropped");
        assertEquals(sent - queuedAtMost, s.inboundDropped(), "a 9-byte frame is charged what it holds");
        loop.runAll();
        assertEquals(0, a.stats().inboundQueuedBytes(), "drained");
    }

    @Test
    void aLocalUpdateWaitsBehindAtMostOneTurnOfInboundWork() {
        SyncConfig sync = SyncConfig.builder().maxInboundPerTurn(16).build();
        Replicator a = start(sync);
        peerUp();
        for (int i = 0; i < 1_000; i++) {
            transport.receiver.received(PEER, deltas(i, 1, "k" + i + "-", 0, 16));
        }
        Key<ORSet<String>> mine = Key.of("mine", ORSet.<String>empty(), SET);
        CompletableFuture<ORSet<String>> write = a.updateAsync(mine, (st, r) -> st.add(r.self(), "x"));
        int stepped = 0;
        while (!write.isDone() && loop.runOne()) {
            stepped = transport.acks();
        }
        System.out.println("BOUNDS starvation: 1,000 intervals queued before a local update; " + stepped
                + " stepped before it");
        assertTrue(write.isDone(), "the update ran");
        assertTrue(stepped <= sync.maxInboundPerTurn(), stepped + " received messages stepped before the update");
        loop.runAll();
        assertEquals(1_000, transport.acks(), "and all the peer's intervals after it");
    }

    @Test
    void namesLearnedFromValuesThatAreNeverJoinedAreForgotten() {
        Replicator a = start(SyncConfig.builder().ackTimeout(Duration.ofMillis(500)).build());
        peerUp();
        // 1,000 intervals of 100 fresh keys each, all copies of keys that expired long ago:
        // dropped on arrival, never joined.
        for (int i = 0; i < 1_000; i++) {
            transport.receiver.received(PEER, deltas(i, 100, "expired" + i + "-", 1, 8));
            loop.runAll();
        }
        System.out.println("BOUNDS unjoined names: 100,000 keys sent, never joined: " + registry.size() + " names kept, "
                + a.stats().namesForgotten() + " forgotten");
        assertEquals(0, a.size());
        assertEquals(0, registry.size(), "no name kept for 100,000 keys never joined");
        assertEquals(100_000, a.stats().namesForgotten());
        // An interval leaving a causal gap is kept until it is joined or given up: its names too.
        ReplicatedData<?> second = ORSet.<String>empty().join(ORSet.<String>empty().add(PEER, "1")).add(PEER, "2");
        transport.receiver.received(PEER, frame(new Message.Deltas(1_000, 1_001, Map.of("gap", second), Map.of())));
        loop.runAll();
        assertTrue(registry.codecFor("gap").isPresent(), "retained while the gap may fill");
        loop.advance(600);
        transport.receiver.received(PEER, frame(new Message.Deltas(1_000, 1_001, Map.of("gap2", second), Map.of())));
        loop.advance(100); // the nack gave it up; the next tick forgets it
        assertFalse(registry.codecFor("gap").isPresent());
        assertFalse(registry.codecFor("gap2").isPresent());
        // A key that is joined keeps its name, and is sent on with it.
        transport.receiver.received(PEER, deltas(2_000, 1, "kept", 0, 8));
        loop.runAll();
        assertEquals(1, a.size());
        assertTrue(registry.codecFor("kept0").isPresent());
        // One joined with a time to live keeps it until it expires.
        transport.receiver.received(PEER, deltas(2_001, 1, "lease", loop.now + 1_000, 8));
        loop.runAll();
        assertTrue(registry.codecFor("lease0").isPresent());
        loop.advance(2_000);
        assertEquals(1, a.size(), "expired");
        assertFalse(registry.codecFor("lease0").isPresent(), "and its name forgotten");
        assertEquals(0, a.stats().messagesUnencodable());
    }

    @Test
    void anErrorInAnyStepIsCountedPublishedAndFailsWhatTheStepServed() {
        Replicator a = start(SyncConfig.defaults());
        peerUp();
        // A received message.
        transport.receiver.received(PEER, deltas(0, 1, "r", 0, 8));
        poisonedReads.set(1);
        loop.runAll();
        assertEquals(1, a.stats().stepsFailed());
        // A local update: its future fails with the error.
        Key<ORSet<String>> k = Key.of("k", ORSet.<String>empty(), SET);
        CompletableFuture<ORSet<String>> write = a.updateAsync(k, (st, r) -> st.add(r.self(), "x"));
        poisonedReads.set(1);
        loop.runAll();
        assertTrue(write.isCompletedExceptionally());
        assertSame(OutOfMemoryError.class, cause(write).getClass());
        // A read.
        CompletableFuture<?> read = a.readFrom(PEER, k, Duration.ofSeconds(5));
        poisonedReads.set(1);
        loop.runAll();
        assertTrue(read.isCompletedExceptionally());
        assertSame(OutOfMemoryError.class, cause(read).getClass());
        // A tick, and a peer event.
        poisonedReads.set(1);
        loop.advance(60_000);
        transport.receiver.peerDown(PEER, io.converge.crdt.protocol.PeerDownReason.UNREACHABLE);
        poisonedReads.set(1);
        loop.runAll();
        long failed = a.stats().stepsFailed();
        assertTrue(failed >= 5, failed + " failed steps");
        assertEquals(failed, events.stream().filter(e -> e instanceof ReplicatorEvent.StepFailed).count(),
                "each published");
        // The loop goes on: updates apply, and timers still run.
        CompletableFuture<ORSet<String>> after = a.updateAsync(k, (st, r) -> st.add(r.self(), "y"));
        loop.advance(10_000);
        assertTrue(after.join().contains("y"));
    }

    private static Throwable cause(CompletableFuture<?> f) {
        try {
            f.get();
            throw new AssertionError("completed normally");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** A transport that hands the test the node's receiver, so it can send anything as anyone. */
    private static final class RawTransport implements FrameTransport {
        FrameReceiver receiver;
        private final MessageCodec reader = new MessageCodec(CodecRegistry.of(SET), CodecLimits.defaults());
        private final AtomicInteger acks = new AtomicInteger();

        @Override
        public void start(ReplicaId self, FrameReceiver r) {
            receiver = r;
        }

        @Override
        public void send(ReplicaId to, byte[] frame) {
            if (reader.decode(frame) instanceof Message.Ack) {
                acks.incrementAndGet();
            }
        }

        int acks() {
            return acks.get();
        }

        @Override
        public void close() {
        }
    }

    /** The sync loop and timers, run by the test on its own thread and on virtual time. */
    private static final class ManualScheduler implements Scheduler {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private final List<long[]> order = new ArrayList<>();
        private final Map<Long, Runnable> timers = new HashMap<>();
        private long timerIds;
        long now = 1_000_000;

        @Override
        public boolean execute(Runnable task) {
            tasks.add(task);
            return true;
        }

        @Override
        public Cancellable schedule(Runnable task, long delayMillis) {
            long id = timerIds++;
            timers.put(id, task);
            order.add(new long[] {now + Math.max(0, delayMillis), id});
            return () -> timers.remove(id);
        }

        @Override
        public java.util.concurrent.Executor blocking() {
            return Runnable::run;
        }

        boolean runOne() {
            Runnable r = tasks.poll();
            if (r == null) {
                return false;
            }
            r.run();
            return true;
        }

        void runAll() {
            for (int i = 0; i < 10_000_000 && runOne(); i++) {
                // bounded: a loop that never goes idle fails the test below instead of hanging it
            }
            if (!tasks.isEmpty()) {
                throw new AssertionError("the loop never went idle");
            }
        }

        /** Moves the clock forward, running every timer due on the way and the work it queues. */
        void advance(long millis) {
            long until = now + millis;
            runAll();
            while (true) {
                long[] next = null;
                for (long[] t : order) {
                    if (timers.containsKey(t[1]) && t[0] <= until && (next == null || t[0] < next[0])) {
                        next = t;
                    }
                }
                if (next == null) {
                    break;
                }
                order.remove(next);
                now = Math.max(now, next[0]);
                timers.remove(next[1]).run();
                runAll();
            }
            order.removeIf(t -> !timers.containsKey(t[1]));
            now = until;
        }
    }
}
