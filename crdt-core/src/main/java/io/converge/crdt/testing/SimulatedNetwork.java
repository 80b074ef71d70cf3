package io.converge.crdt.testing;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.PeerDownReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The simulated network and membership of a {@link Simulator}: a {@link FrameTransport} per node
 * incarnation, per-direction links, frames in flight as events of the {@link VirtualTime}, and a
 * failure detector per node that reports peers up and down as a real cluster's views do.
 *
 * <h2>Frames</h2>
 * Each directed link has a latency (drawn once per link) plus jitter. Links keep the order the
 * {@link FrameTransport} contract promises: frames of one sender reach a receiver in the order
 * sent, with gaps where frames were lost, and a duplicate right after its original; only the
 * frames a transport may send out of band (acks, nacks and heartbeats, sync.md §1) may overtake
 * others. Random loss, duplication and reordering of those apply while faults are on (off for
 * the heal). A frame is lost if its link is cut when it is sent or when it arrives, if its
 * receiver died or restarted since it was sent, or if its sender crashed (a killed process's
 * connections reset); a node that leaves gracefully still delivers what it sent. A frame is delivered only if the receiver admitted the
 * sender's incarnation ({@code peerUp}), as the transport contract requires.
 *
 * <h2>Views</h2>
 * Node {@code o} sees {@code p} reachable when both are up, both directions of their link are up
 * and {@code o} does not (falsely) suspect {@code p}. Every change is reported after a random
 * view lag, evaluated when the lag ends (so views trail the network, flaps may be missed or
 * seen late, and after a heal each node merges at its own time); a peer-up is sometimes
 * repeated. A crashed peer is first reported {@link PeerDownReason#UNREACHABLE}, then
 * {@link PeerDownReason#REMOVED} once the detector gives up on it; a peer that left gracefully
 * is reported {@link PeerDownReason#LEFT}; a restarted peer comes back as a new incarnation.
 *
 * <p>Not thread-safe: a simulation is single-threaded.
 */
final class SimulatedNetwork {
    /** What the network asks of the simulation about its nodes. */
    interface Nodes {
        ReplicaId id(int node);

        /** The process runs (up or leaving). */
        boolean alive(int node);

        /** The current (or last) incarnation. */
        long incarnation(int node);

        /** Down after a graceful leave. */
        boolean left(int node);
    }

    /** Receives trace lines and deliveries; only called when tracing or observing. */
    interface Observer {
        boolean tracing();

        void trace(String line);

        void delivered(int from, int to, byte[] frame);
    }

    private static final int NONE = 0;
    private static final int UP = 1;
    private static final int DOWN = 2;
    private static final int GONE = 3;

    private final int n;
    private final VirtualTime time;
    private final Random random;
    private final Simulator.Faults faults;
    private final Nodes nodes;
    private final Observer observer;
    private final boolean[][] link;
    private final long[][] latency;
    private final long[][] lastArrival;
    private final boolean[][] suspected;
    /** What each observer's detector last reported of each peer, and for which incarnation. */
    private final int[][] view;
    private final long[][] viewIncarnation;
    private final Endpoint[] endpoints;
    private final List<Frame> inFlight = new ArrayList<>();
    /** Message type bytes (a frame's second byte) of the messages that may go out of band. */
    private final byte[] outOfBandTypes;
    private boolean faultsOn = true;
    private long framesSent;
    private long framesDelivered;
    private long frameIds;

    /** A frame on its way. */
    private static final class Frame {
        final long id;
        final int from;
        final long fromIncarnation;
        final int to;
        final long toIncarnation;
        final byte[] bytes;
        /** May overtake other frames of its link (an ack, nack or heartbeat). */
        final boolean outOfBand;
        VirtualTime.Event arrival;

        Frame(long id, int from, long fromIncarnation, int to, long toIncarnation, byte[] bytes, boolean outOfBand) {
            this.id = id;
            this.from = from;
            this.fromIncarnation = fromIncarnation;
            this.to = to;
            this.toIncarnation = toIncarnation;
            this.bytes = bytes;
            this.outOfBand = outOfBand;
        }
    }

    SimulatedNetwork(int n, VirtualTime time, Random random, Simulator.Faults faults, Nodes nodes, Observer observer) {
        this.n = n;
        this.time = time;
        this.random = random;
        this.faults = faults;
        this.nodes = nodes;
        this.observer = observer;
        this.link = new boolean[n][n];
        this.latency = new long[n][n];
        this.lastArrival = new long[n][n];
        this.suspected = new boolean[n][n];
        this.view = new int[n][n];
        this.viewIncarnation = new long[n][n];
        this.endpoints = new Endpoint[n];
        // Read from the codec itself rather than copied, so they follow its numbering.
        MessageCodec codec = new MessageCodec(CodecRegistry.of(), CodecLimits.defaults());
        this.outOfBandTypes = new byte[] {codec.encodeToBytes(new Message.Ack(0))[1],
                codec.encodeToBytes(new Message.Nack(0))[1], codec.encodeToBytes(new Message.Heartbeat(0, 0))[1]};
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                link[a][b] = true;
                latency[a][b] = between(faults.minLatencyMillis(), faults.maxLatencyMillis());
            }
        }
    }

    private long between(long lo, long hi) {
        return hi <= lo ? lo : lo + (long) (random.nextDouble() * (hi - lo + 1));
    }

    private boolean chance(double p) {
        return p > 0 && random.nextDouble() < p;
    }

    private void trace(String line) {
        if (observer.tracing()) {
            observer.trace(line);
        }
    }

    /** Random loss, duplication, reordering and view repeats on or off. */
    void faults(boolean on) {
        faultsOn = on;
    }

    long framesSent() {
        return framesSent;
    }

    long framesDelivered() {
        return framesDelivered;
    }

    int inFlight() {
        return inFlight.size();
    }

    // ------------------------------------------------------------------------------ transports

    /** The transport of {@code node}'s incarnation {@code incarnation}. */
    FrameTransport transport(int node, long incarnation) {
        return new Endpoint(node, incarnation);
    }

    /** One node incarnation's side of the network. */
    private final class Endpoint implements FrameTransport {
        final int node;
        final long incarnation;
        FrameReceiver receiver;
        /** Delivers frames to the node; false once it closed or died. */
        boolean open;

        Endpoint(int node, long incarnation) {
            this.node = node;
            this.incarnation = incarnation;
        }

        @Override
        public void start(ReplicaId self, FrameReceiver r) {
            receiver = r;
            open = true;
            endpoints[node] = this;
            // A new process knows no peer: its detector starts from scratch, and everyone
            // learns of the new incarnation after a lag.
            for (int p = 0; p < n; p++) {
                view[node][p] = NONE;
                viewIncarnation[node][p] = -1;
                suspected[node][p] = false;
            }
            for (int p = 0; p < n; p++) {
                if (p != node) {
                    evaluateLater(node, p, false);
                    evaluateLater(p, node, false);
                }
            }
        }

        @Override
        public void send(ReplicaId to, byte[] frame) {
            if (open) {
                SimulatedNetwork.this.send(this, index(to), frame);
            }
        }

        /** A graceful stop: what was sent still arrives; peers see the node leave. */
        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            for (int p = 0; p < n; p++) {
                if (p != node) {
                    evaluateLater(p, node, false);
                }
            }
        }
    }

    private int index(ReplicaId id) {
        for (int i = 0; i < n; i++) {
            if (nodes.id(i).equals(id)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown node " + id);
    }

    /** {@code node} died: frames it had in flight are lost, and peers notice after a lag. */
    void crashed(int node) {
        Endpoint e = endpoints[node];
        if (e != null) {
            e.open = false;
        }
        for (int i = inFlight.size() - 1; i >= 0; i--) {
            Frame f = inFlight.get(i);
            if (f.from == node) {
                f.arrival.cancelled = true;
                inFlight.remove(i);
            }
        }
        for (int p = 0; p < n; p++) {
            if (p != node) {
                evaluateLater(p, node, false);
            }
        }
    }

    private void send(Endpoint from, int to, byte[] frame) {
        framesSent++;
        int a = from.node;
        if (to == a) {
            return;
        }
        if (!link[a][to] || !nodes.alive(to)) {
            trace("  n" + a + "→n" + to + " lost at send (" + (!link[a][to] ? "link cut" : "n" + to + " down") + ")");
            return;
        }
        if (faultsOn && chance(faults.dropRate())) {
            trace("  n" + a + "→n" + to + " dropped by the network");
            return;
        }
        boolean oob = outOfBand(frame);
        Frame f = new Frame(frameIds++, a, from.incarnation, to, nodes.incarnation(to), frame, oob);
        long at = schedule(f, oob && faultsOn && chance(faults.reorderRate()), -1);
        if (faultsOn && chance(faults.duplicateRate())) {
            // Right behind the original: a duplicate does not reorder the link.
            schedule(new Frame(frameIds++, a, from.incarnation, to, nodes.incarnation(to), frame.clone(), oob), false, at);
        }
    }

    private boolean outOfBand(byte[] frame) {
        if (frame.length < 2) {
            return false;
        }
        for (byte t : outOfBandTypes) {
            if (frame[1] == t) {
                return true;
            }
        }
        return false;
    }

    /**
     * Queues a frame's arrival, at {@code at} if not negative: in link order, or (reordered, out
     * of band only) whenever its own delay says. Returns the arrival time.
     */
    private long schedule(Frame f, boolean outOfOrder, long at) {
        if (at < 0) {
            at = time.now() + latency[f.from][f.to] + between(0, faults.jitterMillis());
        }
        if (outOfOrder) {
            at += between(1, Math.max(1, 4 * faults.maxLatencyMillis()));
        } else {
            at = Math.max(at, lastArrival[f.from][f.to]);
            lastArrival[f.from][f.to] = at;
        }
        inFlight.add(f);
        f.arrival = time.at(at, () -> {
            inFlight.remove(f);
            arrive(f, f.bytes);
        });
        return at;
    }

    private void arrive(Frame f, byte[] bytes) {
        Endpoint r = endpoints[f.to];
        String why = null;
        if (!link[f.from][f.to]) {
            why = "link cut";
        } else if (r == null || !r.open || r.incarnation != f.toIncarnation) {
            why = "receiver gone";
        } else if (viewIncarnation[f.to][f.from] != f.fromIncarnation) {
            why = "sender not admitted";
        }
        if (why != null) {
            trace("  n" + f.from + "→n" + f.to + " frame #" + f.id + " lost (" + why + ")");
            return;
        }
        framesDelivered++;
        observer.delivered(f.from, f.to, bytes);
        r.receiver.received(nodes.id(f.from), bytes);
    }

    /**
     * The frame {@code pick} (modulo the number in flight) arrives now, twice if {@code twice}.
     * Links stay in order: every frame sent before it on its link arrives first (unless it is
     * an out-of-band frame, which overtakes alone).
     */
    String deliver(int pick, boolean twice) {
        if (inFlight.isEmpty()) {
            return "nothing in flight";
        }
        Frame f = inFlight.get(Math.floorMod(pick, inFlight.size()));
        List<Frame> now = new ArrayList<>();
        if (!f.outOfBand) {
            for (Frame g : inFlight) {
                if (g == f) {
                    break;
                }
                if (g.from == f.from && g.to == f.to && !g.outOfBand) {
                    now.add(g);
                }
            }
        }
        now.add(f);
        for (Frame g : now) {
            g.arrival.cancelled = true;
            inFlight.remove(g);
            arrive(g, g.bytes);
        }
        if (twice) {
            arrive(f, f.bytes.clone());
        }
        return "frame #" + f.id + " n" + f.from + "→n" + f.to + (now.size() > 1 ? " (and " + (now.size() - 1)
                + " sent before it)" : "") + (twice ? ", twice" : "");
    }

    /** A frame in flight, for {@link #forEachInFlight}. */
    interface FrameVisitor {
        void visit(int from, int to, byte[] frame);
    }

    /** Visits the frames in flight in the order they were sent. */
    void forEachInFlight(FrameVisitor v) {
        for (Frame f : inFlight) {
            v.visit(f.from, f.to, f.bytes);
        }
    }

    /** The frame {@code pick} (modulo the number in flight) is lost. */
    String drop(int pick) {
        if (inFlight.isEmpty()) {
            return "nothing in flight";
        }
        Frame f = inFlight.remove(Math.floorMod(pick, inFlight.size()));
        f.arrival.cancelled = true;
        return "frame #" + f.id + " n" + f.from + "→n" + f.to;
    }

    // ----------------------------------------------------------------------------------- links

    /** Sets one direction of a link; both ends' detectors notice after a lag. */
    void link(int from, int to, boolean up) {
        if (from == to || link[from][to] == up) {
            return;
        }
        link[from][to] = up;
        evaluateLater(from, to, false);
        evaluateLater(to, from, false);
    }

    /** Every link between the two sides of {@code mask} cut both ways, every other link up. */
    void partition(int mask) {
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                if (a != b) {
                    link(a, b, ((mask >> a) & 1) == ((mask >> b) & 1));
                }
            }
        }
    }

    /** {@code observer} falsely suspects {@code peer} now and re-admits it after a lag. */
    void suspect(int observer, int peer) {
        if (observer == peer || endpoints[observer] == null || !endpoints[observer].open) {
            return;
        }
        suspected[observer][peer] = true;
        evaluate(observer, peer, false);
        time.at(time.now() + between(faults.minViewLagMillis(), faults.maxViewLagMillis()), () -> {
            suspected[observer][peer] = false;
            evaluate(observer, peer, false);
        });
    }

    // ----------------------------------------------------------------------------------- views

    private void evaluateLater(int o, int p, boolean repeat) {
        time.at(time.now() + between(faults.minViewLagMillis(), faults.maxViewLagMillis()),
                () -> evaluate(o, p, repeat));
    }

    private boolean reachable(int o, int p) {
        return nodes.alive(p) && endpoints[p] != null && endpoints[p].open && link[o][p] && link[p][o]
                && !suspected[o][p];
    }

    /** {@code o}'s detector looks at {@code p} now and reports what changed. */
    private void evaluate(int o, int p, boolean repeat) {
        Endpoint e = endpoints[o];
        if (e == null || !e.open) {
            return;
        }
        ReplicaId peer = nodes.id(p);
        if (reachable(o, p)) {
            long inc = nodes.incarnation(p);
            if (view[o][p] != UP || viewIncarnation[o][p] != inc || repeat) {
                trace("  n" + o + " view: n" + p + " up (incarnation " + inc + ")" + (repeat ? ", repeated" : ""));
                view[o][p] = UP;
                viewIncarnation[o][p] = inc;
                e.receiver.peerUp(peer, inc);
                if (faultsOn && chance(faults.viewRepeatRate())) {
                    evaluateLater(o, p, true);
                }
            }
            return;
        }
        if (view[o][p] == UP || (view[o][p] == DOWN && nodes.left(p))) {
            if (nodes.left(p)) {
                report(o, p, GONE, PeerDownReason.LEFT);
                return;
            }
            report(o, p, DOWN, PeerDownReason.UNREACHABLE);
        }
        if (view[o][p] == DOWN && !nodes.alive(p)) {
            // Crashed (maybe while already out of reach): the detector gives up on it later.
            long inc = viewIncarnation[o][p];
            time.at(time.now() + faults.removeAfterMillis(), () -> removeIfStillDead(o, p, inc));
        }
    }

    private void report(int o, int p, int state, PeerDownReason reason) {
        trace("  n" + o + " view: n" + p + " " + reason);
        view[o][p] = state;
        endpoints[o].receiver.peerDown(nodes.id(p), reason);
    }

    /** The detector gives up on a crashed peer: removed, released at once by the machine. */
    private void removeIfStillDead(int o, int p, long inc) {
        Endpoint e = endpoints[o];
        if (e != null && e.open && view[o][p] == DOWN && viewIncarnation[o][p] == inc && !nodes.alive(p)) {
            report(o, p, GONE, PeerDownReason.REMOVED);
        }
    }

    /** Restores every link, ends suspicions and turns faults off; views follow after their lags. */
    void heal() {
        faultsOn = false;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                suspected[a][b] = false;
                if (a != b) {
                    if (!link[a][b]) {
                        link[a][b] = true;
                    }
                    evaluateLater(a, b, false);
                }
            }
        }
    }

    /** Whether every running node's view holds every other running node up, at its current incarnation. */
    boolean viewsSettled() {
        for (int o = 0; o < n; o++) {
            for (int p = 0; p < n; p++) {
                if (o != p && nodes.alive(o) && nodes.alive(p)
                        && (view[o][p] != UP || viewIncarnation[o][p] != nodes.incarnation(p))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A line of the view of {@code o}, for failure reports. */
    String describeView(int o) {
        StringBuilder sb = new StringBuilder("n" + o + " sees");
        for (int p = 0; p < n; p++) {
            if (p != o) {
                sb.append(" n").append(p).append('=')
                        .append(new String[] {"none", "up", "unreachable", "gone"}[view[o][p]])
                        .append('@').append(viewIncarnation[o][p]);
            }
        }
        return sb.toString();
    }
}
