package io.converge.crdt.testing;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.PeerDownReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-memory links between replicators of one JVM, for tests and demos: every node's
 * {@link #transport()} reaches every other, carrying byte frames as a real network would (so the
 * codec's cost and limits apply, and every key needs a codec). Frames are handed to the receiving
 * node on the sender's thread; the receiver decodes there and queues the message to its own sync
 * loop, so one sender's frames arrive in order. Loss and partitions are switchable at run time;
 * loss uses a seeded random, so a test's loss pattern is repeatable for a given frame order.
 *
 * <p>A partition reports each side's peers on the other side {@link PeerDownReason#UNREACHABLE}
 * and a heal reports them up again (same incarnation); a transport that closes is reported
 * {@link PeerDownReason#REMOVED} (a node that said goodbye was already released by its peers).
 * Each transport started is a new incarnation of its replica.
 *
 * <p>Thread-safe.
 */
public final class InMemoryNetwork {
    private final Map<ReplicaId, Node> nodes = new TreeMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong largestFrame = new AtomicLong();
    private final SplittableRandom random;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong incarnations = new AtomicLong();
    private volatile double lossRate;
    private volatile Set<ReplicaId> partitioned = Set.of();
    /**
     * Held for writing while both ends of a link are told the other is up, and for reading while
     * a frame is handed over: so no frame reaches a node before its sender's peer-up, which the
     * node would rightly drop as coming from a stranger (a real transport admits both ends first).
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock admission =
            new java.util.concurrent.locks.ReentrantReadWriteLock();

    private record Node(FrameTransport.FrameReceiver receiver, long incarnation) {
    }

    /** A network that loses nothing, with loss randomness seeded by {@code seed}. */
    public InMemoryNetwork(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Loses each frame with probability {@code rate} from now on (0 to 1). */
    public void lossRate(double rate) {
        if (rate < 0 || rate > 1) {
            throw new IllegalArgumentException("loss rate must be within [0, 1], got " + rate);
        }
        this.lossRate = rate;
    }

    /**
     * Splits the network: {@code side} on one side, everyone else on the other. Each side sees
     * the other become unreachable, as a failure detector would report.
     */
    public void partition(Set<ReplicaId> side) {
        Set<ReplicaId> s = Set.copyOf(side);
        partitioned = s;
        for (Map.Entry<Node, ReplicaId> pair : pairs(s)) {
            pair.getKey().receiver().peerDown(pair.getValue(), PeerDownReason.UNREACHABLE);
        }
    }

    /**
     * Cuts {@code id} off as if its process died: its frames go nowhere from now on and the
     * others see it {@link PeerDownReason#UNREACHABLE} (a failure detector cannot tell a crash
     * from a partition). Its transport stays deaf even if the node is closed later; a restart
     * is a new transport, and so a new incarnation.
     */
    public void crash(ReplicaId id) {
        List<Node> others;
        synchronized (this) {
            if (nodes.remove(id) == null) {
                return;
            }
            others = new ArrayList<>(nodes.values());
        }
        for (Node n : others) {
            n.receiver().peerDown(id, PeerDownReason.UNREACHABLE);
        }
    }

    /** Ends a partition: both sides see each other come back. */
    public void heal() {
        admission.writeLock().lock();
        try {
            Set<ReplicaId> s = partitioned;
            partitioned = Set.of();
            for (Map.Entry<Node, ReplicaId> pair : pairs(s)) {
                Node other = node(pair.getValue());
                if (other != null) {
                    pair.getKey().receiver().peerUp(pair.getValue(), other.incarnation());
                }
            }
        } finally {
            admission.writeLock().unlock();
        }
    }

    /** Each node with each peer on the other side of {@code side}. */
    private synchronized List<Map.Entry<Node, ReplicaId>> pairs(Set<ReplicaId> side) {
        List<Map.Entry<Node, ReplicaId>> out = new ArrayList<>();
        for (Map.Entry<ReplicaId, Node> a : nodes.entrySet()) {
            for (ReplicaId b : nodes.keySet()) {
                if (!a.getKey().equals(b) && side.contains(a.getKey()) != side.contains(b)) {
                    out.add(Map.entry(a.getValue(), b));
                }
            }
        }
        return out;
    }

    private synchronized Node node(ReplicaId id) {
        return nodes.get(id);
    }

    /** Frames handed to the network so far. */
    public long sent() {
        return sent.get();
    }

    /** Bytes of frames carried so far. */
    public long bytes() {
        return bytes.get();
    }

    /** The largest frame carried so far, in bytes. */
    public long largestFrame() {
        return largestFrame.get();
    }

    /** Frames lost (to loss or partition) so far. */
    public long dropped() {
        return dropped.get();
    }

    private boolean reachable(ReplicaId a, ReplicaId b) {
        Set<ReplicaId> s = partitioned;
        return s.contains(a) == s.contains(b);
    }

    /** A new transport attached to this network. */
    public FrameTransport transport() {
        return new FrameTransport() {
            private volatile ReplicaId self;
            private volatile long incarnation;

            @Override
            public void start(ReplicaId id, FrameReceiver receiver) {
                Objects.requireNonNull(id, "self");
                Objects.requireNonNull(receiver, "receiver");
                List<Map.Entry<ReplicaId, Node>> others;
                long inc = incarnations.incrementAndGet();
                synchronized (InMemoryNetwork.this) {
                    if (nodes.containsKey(id)) {
                        throw new IllegalStateException(id + " is already on this network");
                    }
                    nodes.put(id, new Node(receiver, inc));
                    others = new ArrayList<>(nodes.entrySet());
                }
                self = id;
                incarnation = inc;
                admission.writeLock().lock();
                try {
                    for (Map.Entry<ReplicaId, Node> e : others) {
                        if (!e.getKey().equals(id) && reachable(id, e.getKey())) {
                            e.getValue().receiver().peerUp(id, inc);
                            receiver.peerUp(e.getKey(), e.getValue().incarnation());
                        }
                    }
                } finally {
                    admission.writeLock().unlock();
                }
            }

            @Override
            public void send(ReplicaId to, byte[] frame) {
                sent.incrementAndGet();
                Node r = node(to);
                boolean lost;
                synchronized (random) {
                    lost = lossRate > 0 && random.nextDouble() < lossRate;
                }
                ReplicaId from = self;
                if (r == null || lost || from == null || !reachable(from, to) || node(from) == null
                        || node(from).incarnation() != incarnation) {
                    dropped.incrementAndGet();
                    return;
                }
                bytes.addAndGet(frame.length);
                largestFrame.accumulateAndGet(frame.length, Math::max);
                admission.readLock().lock();
                try {
                    r.receiver().received(from, frame);
                } finally {
                    admission.readLock().unlock();
                }
            }

            @Override
            public void close() {
                ReplicaId id = self;
                if (id == null) {
                    return;
                }
                List<Node> others;
                synchronized (InMemoryNetwork.this) {
                    Node mine = nodes.get(id);
                    if (mine == null || mine.incarnation() != incarnation) {
                        return;
                    }
                    nodes.remove(id);
                    others = new ArrayList<>(nodes.values());
                }
                for (Node n : others) {
                    n.receiver().peerDown(id, PeerDownReason.REMOVED);
                }
            }
        };
    }
}
