package io.converge.bench.hostile;

import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.ORSet;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorConfig;
import io.converge.crdt.engine.SyncStats;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.Limit;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.SyncConfig;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * The closing figures of "Hostile peers and damaged disks": one real {@link Replicator} (default
 * {@link SyncConfig}, its own threads) attacked for a while by one hostile peer behind a raw
 * {@link FrameTransport} that hands the node whatever frames the attacker encodes, while a local
 * writer makes one small update per millisecond on a key of its own. Reports the heap (sampled
 * every 100 ms for the peak, and after a full GC at the end with the node still open), the local
 * write latency (open loop: measured from the moment each write was due), the replicator's
 * refusal counters, and whether everything survived (no Error anywhere, every write completed).
 *
 * <pre>
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar io.converge.bench.hostile.HostilePeerHarness baseline
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar io.converge.bench.hostile.HostilePeerHarness silent-peer
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar io.converge.bench.hostile.HostilePeerHarness parts
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar io.converge.bench.hostile.HostilePeerHarness names
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar io.converge.bench.hostile.HostilePeerHarness forged-ids
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar io.converge.bench.hostile.HostilePeerHarness nack-flood
 * java -Xmx1g -cp benchmarks/target/benchmarks.jar io.converge.bench.hostile.HostilePeerHarness collisions
 * </pre>
 * -Dconverge.seconds sets the attack's length (default 30).
 */
public final class HostilePeerHarness {
    static final ReplicaId SELF = ReplicaId.of("node");
    static final ReplicaId PEER = ReplicaId.of("peer");
    static final CrdtCodec<LWWRegister<String>> REGISTER = CrdtCodecs.lwwRegister(ValueCodec.string());
    static final CrdtCodec<ORSet<String>> SET = CrdtCodecs.orSet(ValueCodec.string());
    static final CrdtCodec<ORSet<Long>> LONG_SET = CrdtCodecs.orSet(ValueCodec.int64());
    /** Known to the attacker only: the node cannot decode it. */
    static final CrdtCodec<GCounter> COUNTER = CrdtCodecs.gCounter();
    static final int SECONDS = Integer.getInteger("converge.seconds", 30);
    static final Key<LWWRegister<String>> LOCAL = Key.of("local", LWWRegister.<String>empty(), REGISTER);

    private HostilePeerHarness() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "";
        Attack attack = switch (what) {
            case "baseline" -> new Baseline();
            case "silent-peer" -> new SilentPeer();
            case "parts" -> new Parts();
            case "names" -> new Names();
            case "forged-ids" -> new ForgedIds();
            case "nack-flood" -> new NackFlood();
            case "collisions" -> new Collisions();
            default -> null;
        };
        if (attack == null) {
            System.err.println("usage: HostilePeerHarness baseline | silent-peer | parts | names | forged-ids | nack-flood | collisions");
            System.exit(2);
        }
        boolean ok = new Run(what, attack).run();
        System.exit(ok ? 0 : 1);
    }

    static String blob(long n, int bytes) {
        StringBuilder sb = new StringBuilder(bytes);
        sb.append(n).append(':');
        while (sb.length() < bytes) {
            sb.append((char) ('a' + sb.length() % 26));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------ the peer

    /**
     * The hostile peer's end of the link: hands the node whatever the attacker sends as
     * {@link #PEER} (or as anyone), and queues what the node sends to the peer for the attacker's
     * thread (never blocking the node's sync thread: beyond 100,000 queued frames they are dropped).
     */
    static final class RawLink implements FrameTransport {
        volatile FrameReceiver receiver;
        final ArrayBlockingQueue<byte[]> outbox = new ArrayBlockingQueue<>(100_000);
        final AtomicLong framesFromNode = new AtomicLong();
        final AtomicLong bytesFromNode = new AtomicLong();
        final AtomicLong outboxDropped = new AtomicLong();

        @Override
        public void start(ReplicaId self, FrameReceiver r) {
            receiver = r;
        }

        @Override
        public void send(ReplicaId to, byte[] frame) {
            framesFromNode.incrementAndGet();
            bytesFromNode.addAndGet(frame.length);
            if (!outbox.offer(frame)) {
                outboxDropped.incrementAndGet();
            }
        }

        @Override
        public void close() {
        }
    }

    /** One attack: set up the node, then called in a loop on the attacker's thread until the end. */
    abstract static class Attack {
        RawLink link;
        Replicator node;
        CodecRegistry nodeCodecs;
        /** The attacker's codec: what it encodes, the node decodes. */
        final MessageCodec peerCodec = new MessageCodec(
                CodecRegistry.of(REGISTER, SET, LONG_SET, COUNTER), CodecLimits.defaults());
        final AtomicLong framesSent = new AtomicLong();
        long peerTransfersAcked;
        long offerChunksSeen;
        long decodeFailures;

        /** The codecs the node knows. */
        abstract CodecRegistry nodeCodecs();

        /** Before the attack and the writer start (node up, peer not yet up); by default, brings the peer up. */
        void prepare() throws Exception {
            peerUp();
        }

        /** One turn of the attack; returns false to be called again only after a short pause. */
        abstract boolean step(long deadlineNanos) throws Exception;

        /** Figures of the attack itself, for the summary. */
        abstract String figures(SyncStats s);

        /** Extra threads the attack needs besides the attacker's (started with the writer). */
        List<Thread> extraThreads(AtomicBoolean stop) {
            return List.of();
        }

        void peerUp() {
            link.receiver.peerUp(PEER, 1);
        }

        void send(Message m) {
            deliver(encode(m));
        }

        /**
         * Encodes with the attacker's codec; the names it learned for this message are forgotten
         * right after, so the attacker's own registry (same JVM) does not grow with the attack.
         */
        byte[] encode(Message m) {
            bindKeys(m);
            byte[] f = peerCodec.encodeToBytes(m);
            if (m instanceof Message.Deltas d) {
                d.deltas().keySet().forEach(peerCodec.registry()::forgetLearned);
            } else if (m instanceof Message.StatePart p) {
                peerCodec.registry().forgetLearned(p.key());
            }
            return f;
        }

        void bindKeys(Message m) {
        }

        void deliver(byte[] frame) {
            framesSent.incrementAndGet();
            link.receiver.received(PEER, frame);
        }

        /**
         * What a well-behaved empty peer answers (the attack is in what it sends besides):
         * acknowledges every interval, and every transfer as soon as its offer ends (asking for
         * nothing). Returns the messages decoded, for attacks that watch them.
         */
        List<Message> drainPolitely() {
            List<Message> seen = new ArrayList<>();
            byte[] f;
            while ((f = link.outbox.poll()) != null) {
                Message m;
                try {
                    m = peerCodec.decode(f);
                } catch (RuntimeException e) {
                    decodeFailures++;
                    continue;
                }
                seen.add(m);
                if (m instanceof Message.Deltas d) {
                    send(new Message.Ack(d.end()));
                } else if (m instanceof Message.Offer o) {
                    offerChunksSeen++;
                    if (o.last()) {
                        peerTransfersAcked++;
                        send(new Message.Ack(o.upTo(), o.transfer()));
                    }
                }
            }
            return seen;
        }
    }

    // ------------------------------------------------------------------------------ the attacks

    /** No attack: the peer is up and well-behaved, for the local write latency on this machine now. */
    static final class Baseline extends Attack {
        @Override
        CodecRegistry nodeCodecs() {
            return CodecRegistry.of(REGISTER);
        }

        @Override
        boolean step(long deadline) {
            drainPolitely();
            return false;
        }

        @Override
        String figures(SyncStats s) {
            return String.format("no attack; the peer acknowledged %,d transfers", peerTransfersAcked);
        }
    }

    /**
     * A peer that acknowledges the first transfer, then stays up but silent, while a local
     * rewriter (64 updates in flight) rewrites one key with fresh 8 KB values as fast as it can.
     */
    static final class SilentPeer extends Attack {
        final Key<LWWRegister<String>> big = Key.of("big", LWWRegister.<String>empty(), REGISTER);
        final AtomicLong rewrites = new AtomicLong();
        final AtomicLong rewritesFailed = new AtomicLong();
        volatile long maxBufferedBytes;
        volatile int maxBufferedDeltas;
        boolean silent;
        long drainedSilently;

        @Override
        CodecRegistry nodeCodecs() {
            return CodecRegistry.of(REGISTER);
        }

        @Override
        boolean step(long deadline) {
            if (!silent) {
                byte[] f;
                while ((f = link.outbox.poll()) != null) {
                    if (peerCodec.decode(f) instanceof Message.Offer o && o.last()) {
                        send(new Message.Ack(o.upTo(), o.transfer()));
                        peerTransfersAcked++;
                        silent = true;
                        break;
                    }
                }
            } else {
                while (link.outbox.poll() != null) {
                    drainedSilently++;
                }
            }
            SyncStats s = node.stats();
            maxBufferedBytes = Math.max(maxBufferedBytes, s.protocol().bufferedBytes());
            maxBufferedDeltas = Math.max(maxBufferedDeltas, s.protocol().bufferedDeltas());
            return false;
        }

        @Override
        List<Thread> extraThreads(AtomicBoolean stop) {
            Thread t = new Thread(() -> {
                Semaphore window = new Semaphore(64);
                long i = 0;
                while (!stop.get()) {
                    window.acquireUninterruptibly();
                    String v = blob(i++, 8 * 1024);
                    node.updateAsync(big, (st, r) -> st.write(r.self(), r.clock(), v)).whenComplete((x, err) -> {
                        window.release();
                        if (err != null) {
                            rewritesFailed.incrementAndGet();
                        } else {
                            rewrites.incrementAndGet();
                        }
                    });
                }
                window.acquireUninterruptibly(64);
            }, "rewriter");
            return List.of(t);
        }

        @Override
        String figures(SyncStats s) {
            return String.format("%,d rewrites of 8 KB (%,d failed); buffer at most %,d bytes / %,d deltas (bound %,d bytes);"
                    + " refused BUFFER %,d; transfers %s; %,d frames to the silent peer dropped unread",
                    rewrites.get(), rewritesFailed.get(), maxBufferedBytes, maxBufferedDeltas,
                    SyncConfig.defaults().bufferMaxBytes(), s.protocol().refused(Limit.BUFFER), transfers(s),
                    drainedSilently);
        }
    }

    /**
     * Transfers whose key is announced in absurd numbers of parts: for the first third parts =
     * 2^31−1 (a new transfer per frame pair), then parts = 20,000,000 streamed in small frames
     * (a new transfer every 10,000 parts), then, within the part bound, 16,384 parts of 16 KB
     * (256 MB if all were kept) to meet the assembly byte bounds.
     */
    static final class Parts extends Attack {
        long transfer = 1_000;
        long part;
        long seq;
        String key;
        int phase = -1;
        long phaseStart;
        long[] partsSent = new long[3];
        long[] transfersStarted = new long[3];
        final ORSet<String> tiny = ORSet.<String>empty().add(PEER, "x");
        ORSet<String> fat;
        volatile long maxAssembly;

        @Override
        CodecRegistry nodeCodecs() {
            return CodecRegistry.of(REGISTER, SET);
        }

        @Override
        void bindKeys(Message m) {
            if (m instanceof Message.StatePart p) {
                peerCodec.registry().learn(p.key(), SET);
            }
        }

        private void newTransfer(int ph) {
            transfer++;
            transfersStarted[ph]++;
            key = "big" + transfer;
            part = 0;
            seq = 0;
            send(new Message.Offer(transfer, 0, true, Map.of(key, 1L), seq++));
        }

        @Override
        boolean step(long deadline) {
            drainPolitely();
            long now = System.nanoTime();
            long total = TimeUnit.SECONDS.toNanos(SECONDS);
            int ph = (int) Math.min(2, (now - (deadline - total)) * 3 / total);
            if (ph != phase) {
                phase = ph;
                part = Long.MAX_VALUE;
            }
            for (int i = 0; i < 64; i++) {
                if (phase == 0) {
                    newTransfer(0);
                    send(new Message.StatePart(transfer, key, 0, Integer.MAX_VALUE, tiny, 0, seq++));
                    partsSent[0]++;
                } else if (phase == 1) {
                    if (part >= 10_000) {
                        newTransfer(1);
                    }
                    ORSet<String> v = ORSet.<String>empty().add(PEER, "p" + part);
                    send(new Message.StatePart(transfer, key, (int) part++, 20_000_000, v, 0, seq++));
                    partsSent[1]++;
                } else {
                    if (part >= 16_384) {
                        newTransfer(2);
                    }
                    if (fat == null) {
                        fat = ORSet.<String>empty().add(PEER, blob(0, 16 * 1024));
                    }
                    send(new Message.StatePart(transfer, key, (int) part++, 16_384, fat, 0, seq++));
                    partsSent[2]++;
                    if (i >= 8) {
                        break; // 16 KB frames: fewer per turn, so acks keep flowing
                    }
                }
            }
            maxAssembly = Math.max(maxAssembly, node.stats().protocol().assemblyBytes());
            return true;
        }

        @Override
        String figures(SyncStats s) {
            return String.format("parts 2^31-1: %,d transfers; parts 20M in small frames: %,d parts in %,d transfers;"
                    + " 16,384 x 16 KB: %,d parts in %,d transfers; assembly at most %,d bytes; refused %s",
                    transfersStarted[0], partsSent[1], transfersStarted[1], partsSent[2], transfersStarted[2],
                    maxAssembly, refusals(s));
        }
    }

    /**
     * Intervals of 100 ever-new key names that are never joined, in turn: a codec the node lacks,
     * a type clash (the node's own register key sent as a set), a causal gap, a copy of a key that
     * expired long ago.
     */
    static final class Names extends Attack {
        long interval;
        long names;
        final long[] byKind = new long[4];
        volatile int maxRegistry;
        final ORSet<String> gapDelta = ORSet.<String>empty().join(ORSet.<String>empty().add(PEER, "1")).add(PEER, "2");
        final GCounter counter = GCounter.empty().increment(PEER, 1);
        final ORSet<String> elem = ORSet.<String>empty().add(PEER, "v");

        @Override
        CodecRegistry nodeCodecs() {
            return CodecRegistry.of(REGISTER, SET);
        }

        @Override
        void bindKeys(Message m) {
            if (m instanceof Message.Deltas d) {
                d.deltas().forEach((k, v) -> {
                    if (!k.equals(LOCAL.name())) {
                        peerCodec.registry().learn(k, v instanceof GCounter ? COUNTER : SET);
                    }
                });
            }
        }

        @Override
        boolean step(long deadline) {
            drainPolitely();
            for (int i = 0; i < 16; i++) {
                int kind = (int) (interval % 4);
                Map<String, ReplicatedData<?>> values = new HashMap<>();
                Map<String, Long> expiries = new HashMap<>();
                for (int k = 0; k < 100; k++) {
                    String name = "n" + interval + "-" + k;
                    switch (kind) {
                        case 0 -> values.put(name, counter);
                        case 1, 3 -> values.put(name, elem);
                        default -> values.put(name, gapDelta);
                    }
                    if (kind == 3) {
                        expiries.put(name, 1L);
                    }
                }
                if (kind == 1) {
                    values.put(LOCAL.name(), elem);
                }
                names += 100;
                byKind[kind] += 100;
                Message m = new Message.Deltas(interval, interval + 1, values, expiries);
                interval++;
                if (kind == 1) {
                    // The attacker's own registry must hold "local" as a set to encode the clash.
                    MessageCodec clash = new MessageCodec(CodecRegistry.of(SET), CodecLimits.defaults());
                    values.keySet().forEach(k -> clash.registry().bind(k, SET));
                    deliver(clash.encodeToBytes(m));
                } else {
                    send(m);
                }
            }
            maxRegistry = Math.max(maxRegistry, nodeCodecs.size());
            return true;
        }

        @Override
        String figures(SyncStats s) {
            return String.format("%,d intervals, %,d new names (unknown codec %,d, type clash %,d, causal gap %,d, expired %,d);"
                    + " node's codec registry at most %,d names, %,d at the end; keys held %,d; names forgotten %,d;"
                    + " frames rejected %,d", interval, names, byKind[0], byKind[1], byKind[2], byKind[3], maxRegistry,
                    nodeCodecs.size(), node.size(), s.namesForgotten(), s.framesRejected());
        }
    }

    /** Heartbeats from ever-new forged sender ids the transport never reported up, as fast as possible. */
    static final class ForgedIds extends Attack {
        byte[] heartbeat;
        long ids;

        @Override
        CodecRegistry nodeCodecs() {
            return CodecRegistry.of(REGISTER);
        }

        @Override
        void prepare() {
            heartbeat = encode(new Message.Heartbeat(0, 42));
        }

        @Override
        boolean step(long deadline) {
            for (int i = 0; i < 1_000; i++) {
                framesSent.incrementAndGet();
                link.receiver.received(ReplicaId.of("forged" + ids++), heartbeat.clone());
            }
            return true;
        }

        @Override
        String figures(SyncStats s) {
            return String.format("%,d forged ids, one heartbeat each; dropped undecoded %,d; peers %d; frames decoded %,d",
                    ids, s.framesFromUnknownPeers(), s.peers().size(), s.framesIn());
        }
    }

    /** 20,000 keys on the node; the peer acknowledges every transfer at once and nacks as fast as it can. */
    static final class NackFlood extends Attack {
        long nacks;
        byte[] nack;

        @Override
        CodecRegistry nodeCodecs() {
            return CodecRegistry.of(REGISTER, SET);
        }

        @Override
        void prepare() throws Exception {
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                String v = "v" + i;
                writes.add(node.updateAsync(Key.of("k" + i, ORSet.<String>empty(), SET), (st, r) -> st.add(r.self(), v)));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            peerUp();
            nack = encode(new Message.Nack(1));
        }

        @Override
        boolean step(long deadline) {
            drainPolitely();
            for (int i = 0; i < 256; i++) {
                nacks++;
                deliver(nack.clone());
            }
            return true;
        }

        @Override
        String figures(SyncStats s) {
            return String.format("%,d nacks (frames of %d bytes) against 20,000 keys; %,d offer chunks sent to the peer, %,d transfers it acked;"
                    + " transfers %s; inbound dropped %,d; refused %s", nacks, nack.length, offerChunksSeen, peerTransfersAcked,
                    transfers(s), s.inboundDropped(), refusals(s));
        }
    }

    /**
     * Intervals that each add 500 new elements to one ORSet&lt;Long&gt; key, all sharing one
     * hashCode (x&lt;&lt;32|x hashes to 0); at most 4 intervals unacknowledged, so the node's
     * joins set the pace.
     */
    static final class Collisions extends Attack {
        static final int WINDOW = 4;
        ORSet<Long> peerState = ORSet.empty();
        long x = 1;
        long interval;
        long acked;
        long elements;

        @Override
        CodecRegistry nodeCodecs() {
            return CodecRegistry.of(REGISTER, LONG_SET);
        }

        @Override
        void prepare() {
            peerCodec.registry().bind("coll", LONG_SET);
            peerUp();
        }

        @Override
        boolean step(long deadline) {
            for (Message m : drainPolitely()) {
                if (m instanceof Message.Ack a && a.transfer() == 0) {
                    acked = Math.max(acked, a.upTo());
                }
            }
            if (interval - acked >= WINDOW) {
                return false;
            }
            List<Long> batch = new ArrayList<>(500);
            for (int i = 0; i < 500; i++, x++) {
                batch.add(x << 32 | x);
            }
            ORSet<Long> delta = peerState.addAll(PEER, batch);
            // Keep only the context: the attacker need not pay for its own collisions.
            ORSet<Long> joined = peerState.join(delta);
            peerState = joined.join(joined.clear());
            send(new Message.Deltas(interval, interval + 1, Map.of("coll", delta), Map.of()));
            interval++;
            elements += 500;
            return true;
        }

        @Override
        String figures(SyncStats s) {
            return String.format("%,d intervals of 500 colliding elements sent, %,d acknowledged; the key holds %,d elements",
                    interval, acked, node.get(Key.of("coll", ORSet.<Long>empty(), LONG_SET)).map(ORSet::size).orElse(0));
        }
    }

    static String transfers(SyncStats s) {
        return s.transfers().entrySet().stream().filter(e -> e.getValue() > 0)
                .map(e -> e.getKey() + " " + String.format("%,d", e.getValue())).collect(Collectors.joining(", ", "{", "}"));
    }

    static String refusals(SyncStats s) {
        return s.protocol().refused().entrySet().stream().filter(e -> e.getValue() > 0)
                .map(e -> e.getKey() + " " + String.format("%,d", e.getValue())).collect(Collectors.joining(", ", "{", "}"));
    }

    // ------------------------------------------------------------------------------ the run

    static final class Run {
        final String name;
        final Attack attack;
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final AtomicLong failures = new AtomicLong();

        Run(String name, Attack attack) {
            this.name = name;
            this.attack = attack;
        }

        long usedAfterGc() throws InterruptedException {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(200);
            }
            return memory.getHeapMemoryUsage().getUsed();
        }

        void record(Throwable t) {
            if (t instanceof Error) {
                error.compareAndSet(null, t);
            }
        }

        static String load() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
                return f[0] + " " + f[1] + " " + f[2];
            } catch (Exception e) {
                return "?";
            }
        }

        boolean run() throws Exception {
            Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
                record(e);
                e.printStackTrace();
            });
            String loadBefore = load();
            attack.link = new RawLink();
            attack.nodeCodecs = attack.nodeCodecs();
            Replicator node = Replicator.start(ReplicatorConfig.builder(SELF).transport(attack.link)
                    .codecs(attack.nodeCodecs).failureListener(this::record).build());
            attack.node = node;
            node.update(LOCAL, (st, r) -> st.write(r.self(), r.clock(), "start"));
            attack.prepare();
            long baseline = usedAfterGc();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong peak = new AtomicLong();
            AtomicLong peakAfterGc = new AtomicLong();
            java.util.Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> pool.getType() == java.lang.management.MemoryType.HEAP)
                    .map(java.lang.management.MemoryPoolMXBean::getName).collect(Collectors.toSet());
            AtomicLong peakInbound = new AtomicLong();
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((javax.management.NotificationEmitter) gc).addNotificationListener((note, hb) -> {
                    if (!stop.get() && note.getType().equals(
                            com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                        var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                                (javax.management.openmbean.CompositeData) note.getUserData());
                        long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                                .filter(e -> heapPools.contains(e.getKey()))
                                .mapToLong(e -> e.getValue().getUsed()).sum();
                        peakAfterGc.accumulateAndGet(used, Math::max);
                    }
                }, null, null);
            }
            Thread sampler = new Thread(() -> {
                while (!stop.get()) {
                    peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    peakInbound.accumulateAndGet(node.stats().inboundQueuedBytes(), Math::max);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }, "heap-sampler");
            sampler.setDaemon(true);

            int planned = SECONDS * 1_000;
            long[] latency = new long[planned + 1_000];
            Arrays.fill(latency, -1);
            AtomicInteger issued = new AtomicInteger();
            AtomicInteger completed = new AtomicInteger();
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(SECONDS);
            Thread writer = new Thread(() -> {
                for (int i = 0; i < planned; i++) {
                    long due = start + TimeUnit.MILLISECONDS.toNanos(i);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    int n = i;
                    String v = "w" + i;
                    try {
                        node.updateAsync(LOCAL, (st, r) -> st.write(r.self(), r.clock(), v)).whenComplete((x, err) -> {
                            if (err != null) {
                                failures.incrementAndGet();
                                record(err);
                            } else {
                                latency[n] = System.nanoTime() - due;
                            }
                            completed.incrementAndGet();
                        });
                        issued.incrementAndGet();
                    } catch (Throwable t) {
                        failures.incrementAndGet();
                        record(t);
                    }
                }
            }, "local-writer");
            List<Thread> extra = attack.extraThreads(stop);
            Thread attacker = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline && error.get() == null) {
                        if (!attack.step(deadline)) {
                            LockSupport.parkNanos(200_000);
                        }
                    }
                } catch (Throwable t) {
                    record(t);
                    t.printStackTrace();
                }
            }, "attacker");
            sampler.start();
            writer.start();
            extra.forEach(Thread::start);
            attacker.start();
            attacker.join();
            writer.join();
            stop.set(true);
            for (Thread t : extra) {
                t.join();
            }
            long attackEnd = System.nanoTime();
            while (completed.get() < issued.get() && System.nanoTime() - attackEnd < TimeUnit.SECONDS.toNanos(60)) {
                Thread.sleep(10);
            }
            while (node.stats().inboundQueuedBytes() > 0 && System.nanoTime() - attackEnd < TimeUnit.SECONDS.toNanos(60)) {
                Thread.sleep(10);
            }
            long drainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attackEnd);
            sampler.join();
            peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
            SyncStats s = node.stats();
            long after = usedAfterGc();
            String loadAfter = load();

            long[] done = Arrays.stream(latency).filter(l -> l >= 0).sorted().toArray();
            int n = done.length;
            long outstanding = issued.get() - completed.get();
            boolean survived = error.get() == null && failures.get() == 0 && outstanding == 0 && issued.get() == planned
                    && s.stepsFailed() == 0;
            String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                    .collect(Collectors.joining("+"));
            System.out.printf("%s: %s%n", name, attack.figures(s));
            System.out.printf("%s: at the end: inbound queued %,d bytes, buffered %,d bytes, assembly %,d bytes, codec names %,d;"
                    + " peak heap after any GC during the attack %d MB; inbound queue at most %,d bytes (sampled)%n", name,
                    s.inboundQueuedBytes(), s.protocol().bufferedBytes(), s.protocol().assemblyBytes(),
                    attack.nodeCodecs.size(), peakAfterGc.get() >> 20, peakInbound.get());
            System.out.printf("%s: node: frames in %,d, rejected %,d, from unknown peers %,d, inbound dropped %,d, steps failed %,d,"
                    + " names forgotten %,d, refused %s, transfers %s, keys %,d, codec names %,d; %,d frames sent by the peer,"
                    + " %,d frames from the node (%,d MB)%n", name, s.framesIn(), s.framesRejected(),
                    s.framesFromUnknownPeers(), s.inboundDropped(), s.stepsFailed(), s.namesForgotten(), refusals(s),
                    transfers(s), node.size(), attack.nodeCodecs.size(), attack.framesSent.get(),
                    attack.link.framesFromNode.get(), attack.link.bytesFromNode.get() >> 20);
            System.out.printf("SUMMARY %-11s | %d s, -Xmx%d MB, %s | heap MB: start %d, peak %d (after-GC peak %d), end after full GC %d | local writes %,d/%,d,"
                    + " p50 %.2f ms, p99 %.2f ms, max %.1f ms, failed %d, outstanding %d (drained %d ms after) | %s | load %s -> %s%n",
                    name, SECONDS, Runtime.getRuntime().maxMemory() >> 20, gcs, baseline >> 20, peak.get() >> 20, peakAfterGc.get() >> 20, after >> 20,
                    n, planned, n > 0 ? done[n / 2] / 1e6 : Double.NaN, n > 0 ? done[(int) Math.min(n - 1, n * 0.99)] / 1e6 : Double.NaN,
                    n > 0 ? done[n - 1] / 1e6 : Double.NaN, failures.get(), outstanding, drainMs,
                    survived ? "SURVIVED" : "FAILED" + (error.get() != null ? " (" + error.get() + ")" : ""), loadBefore, loadAfter);
            node.close();
            return survived;
        }
    }
}
