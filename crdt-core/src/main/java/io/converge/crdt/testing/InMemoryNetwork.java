package io.converge.crdt.testing;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.Transport;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-memory links between replicators of one JVM, for tests and demos: every node's
 * {@link #transport()} reaches every other; messages are handed to the receiving driver's queue
 * (never run on the sender's thread). Loss and partitions are switchable at run time; loss uses
 * a seeded random, so a test's loss pattern is repeatable for a given message order.
 *
 * <p>Thread-safe.
 */
public final class InMemoryNetwork {
    private final Map<ReplicaId, Transport.Receiver> nodes = new ConcurrentHashMap<>();
    private final Map<ReplicaId, io.converge.crdt.codec.MessageCodec> codecs = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong largestFrame = new AtomicLong();
    private final SplittableRandom random;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile double lossRate;
    private volatile Set<ReplicaId> partitioned = Set.of();

    /** A network that loses nothing, with loss randomness seeded by {@code seed}. */
    public InMemoryNetwork(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Loses each message with probability {@code rate} from now on (0 to 1). */
    public void lossRate(double rate) {
        if (rate < 0 || rate > 1) {
            throw new IllegalArgumentException("loss rate must be within [0, 1], got " + rate);
        }
        this.lossRate = rate;
    }

    /**
     * Splits the network: {@code side} on one side, everyone else on the other. Each side sees
     * the other go down, as a failure detector would report.
     */
    public void partition(Set<ReplicaId> side) {
        Set<ReplicaId> s = Set.copyOf(side);
        partitioned = s;
        forEachPair((a, b) -> {
            if (s.contains(a) != s.contains(b)) {
                nodes.get(a).peerDown(b);
            }
        });
    }

    /** Ends a partition: both sides see each other come back. */
    public void heal() {
        Set<ReplicaId> s = partitioned;
        partitioned = Set.of();
        forEachPair((a, b) -> {
            if (s.contains(a) != s.contains(b)) {
                nodes.get(a).peerUp(b);
            }
        });
    }

    private void forEachPair(java.util.function.BiConsumer<ReplicaId, ReplicaId> f) {
        Set<ReplicaId> ids = new HashSet<>(nodes.keySet());
        for (ReplicaId a : ids) {
            for (ReplicaId b : ids) {
                if (!a.equals(b) && nodes.containsKey(a)) {
                    f.accept(a, b);
                }
            }
        }
    }

    /** Messages handed to the network so far. */
    public long sent() {
        return sent.get();
    }

    /** Bytes of encoded frames carried so far (only between nodes whose transports have a codec). */
    public long bytes() {
        return bytes.get();
    }

    /** The largest encoded frame carried so far, in bytes. */
    public long largestFrame() {
        return largestFrame.get();
    }

    /** Messages lost (to loss or partition) so far. */
    public long dropped() {
        return dropped.get();
    }

    private boolean reachable(ReplicaId a, ReplicaId b) {
        Set<ReplicaId> s = partitioned;
        return s.contains(a) == s.contains(b);
    }

    /** A new transport attached to this network, passing message objects (no encoding). */
    public Transport transport() {
        return transport(null);
    }

    /**
     * A new transport that encodes every message it sends with {@code codec} and has the
     * receiving node decode it with its own codec, as a real network would: figures then
     * include the codec's cost, and keys must have codecs. Both ends need a codec.
     */
    public Transport transport(io.converge.crdt.codec.MessageCodec codec) {
        return new Transport() {
            private volatile ReplicaId self;

            @Override
            public void start(ReplicaId id, Receiver receiver) {
                Objects.requireNonNull(id, "self");
                Objects.requireNonNull(receiver, "receiver");
                if (nodes.putIfAbsent(id, receiver) != null) {
                    throw new IllegalStateException(id + " is already on this network");
                }
                self = id;
                if (codec != null) {
                    codecs.put(id, codec);
                }
                for (Map.Entry<ReplicaId, Receiver> e : nodes.entrySet()) {
                    if (!e.getKey().equals(id) && reachable(id, e.getKey())) {
                        e.getValue().peerUp(id);
                        receiver.peerUp(e.getKey());
                    }
                }
            }

            @Override
            public void send(ReplicaId to, Message message) {
                sent.incrementAndGet();
                Receiver r = nodes.get(to);
                boolean lost;
                synchronized (random) {
                    lost = lossRate > 0 && random.nextDouble() < lossRate;
                }
                if (r == null || lost || !reachable(self, to)) {
                    dropped.incrementAndGet();
                    return;
                }
                io.converge.crdt.codec.MessageCodec theirs = codecs.get(to);
                if (codec != null && theirs != null) {
                    byte[] frame = codec.encodeToBytes(message);
                    bytes.addAndGet(frame.length);
                    largestFrame.accumulateAndGet(frame.length, Math::max);
                    Message decoded;
                    try {
                        decoded = theirs.decode(frame);
                    } catch (io.converge.crdt.codec.DecodeException e) {
                        dropped.incrementAndGet();
                        return; // a real receiver drops a bad frame and counts it
                    }
                    r.received(self, decoded);
                    return;
                }
                r.received(self, message);
            }

            @Override
            public void close() {
                ReplicaId id = self;
                if (id != null) {
                    codecs.remove(id);
                }
                if (id != null && nodes.remove(id) != null) {
                    for (Receiver r : nodes.values()) {
                        r.peerDown(id);
                    }
                }
            }
        };
    }
}
