package io.converge.net.jgroups;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.spi.FrameTransport.FrameReceiver;
import io.converge.crdt.protocol.PeerDownReason;
import io.converge.net.admission.Admission;
import io.converge.net.admission.AdmissionException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.fork.ForkChannel;
import org.jgroups.protocols.TP;
import org.jgroups.stack.DiagnosticsHandler;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.Protocol;
import org.jgroups.stack.ProtocolStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's end of the cluster: a {@link JChannel}, the admission of its members and the
 * {@code Address ↔ (ReplicaId, incarnation)} map, per-member {@link Outbox}es.
 *
 * <h2>Threads</h2>
 * <ul>
 * <li>JGroups' threads call {@link #receive}: a sync frame is checked against the admitted map
 * (one lookup) and handed to the engine; an admission frame is size-checked, rate-limited per
 * address, decoded and answered (the answer is queued, never sent inline). Admitting a peer calls
 * the engine's {@code peerUp} on that thread, before any later frame of that sender, so a peer's
 * first sync frame can never beat its admission.</li>
 * <li>{@link #viewAccepted} only records the view and hands it to the control thread
 * ({@code converge-jgroups-<id>}), which starts handshakes, retries them every
 * {@code handshakeRetry} and reports members gone from the view down.</li>
 * <li>One sender thread per member ({@code converge-send-<id>-<n>}), see {@link Outbox}.</li>
 * </ul>
 * Admission state is guarded by {@code this}; the engine's receiver is non-blocking, so calling it
 * under the lock cannot deadlock.
 *
 * <h2>Peer up and down</h2>
 * {@code peerUp(id, inc)} once per admission of an incarnation while it stays in the view (repeated
 * and merge views change nothing for a member that stays); a member that leaves the view, crashed,
 * partitioned or closed, is reported {@link PeerDownReason#UNREACHABLE} (a view cannot tell a
 * crash from a leave; a graceful leave was already announced by the engine's Goodbye). Back in a
 * view it is admitted afresh. When only the other side saw the view change, it restarts the
 * handshake (a new hello, or a request for one) and this side reports the peer down, then up
 * again once admitted. A newer incarnation of an id replaces the older one at once; frames of the
 * older are dropped and counted as stale.
 */
public final class JGroupsLink implements Receiver, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JGroupsLink.class);
    /** Admission frames per address: burst and refill per second. */
    static final int BUCKET_BURST = 20;
    static final int BUCKET_PER_SECOND = 10;
    /** How long {@link #close} lets queued frames go out before leaving. */
    static final long DRAIN_MILLIS = 1000;

    private final LinkConfig config;
    private final SecureRandom random = new SecureRandom();
    private final ScheduledExecutorService control;
    private final Counters counters = new Counters();
    private volatile ReplicaId self;
    private volatile FrameReceiver receiver;
    private volatile JChannel channel;
    private volatile Set<Address> view = Set.of();
    private volatile boolean closed;
    /** Told the address of each member refused (once per address while in the view); must not block. */
    private volatile java.util.function.Consumer<String> refusalListener = a -> { };

    /** Admitted addresses, read lock-free on JGroups' threads. */
    private final Map<Address, Identity> admitted = new ConcurrentHashMap<>();
    /** Guarded by this. */
    private final Map<Address, Member> members = new HashMap<>();
    /** The current address of each admitted replica. Guarded by this. */
    private final Map<ReplicaId, Address> current = new HashMap<>();
    /** The highest incarnation ever admitted per replica; written under this, read lock-free. */
    private final Map<ReplicaId, Long> highest = new ConcurrentHashMap<>();
    private int outboxes;

    /** An admitted peer. */
    record Identity(ReplicaId id, long incarnation) {
    }

    enum Phase {
        NEW, HELLO_SENT, VERIFIED, CHALLENGED, ADMITTED, REFUSED
    }

    /** What we know of one member of the view. Guarded by the link. */
    private static final class Member {
        final Address address;
        byte[] nonce;
        Phase phase = Phase.NEW;
        Outbox outbox;
        ReplicaId id;
        long incarnation;
        byte[] peerNonce;
        long lastHelloNanos;
        long retryNanos;
        double tokens = BUCKET_BURST;
        long tokensAt = System.nanoTime();
        boolean refusalLogged;

        Member(Address address, byte[] nonce) {
            this.address = address;
            this.nonce = nonce;
        }
    }

    /** The counters {@code io.converge.net.TransportStats} reads. */
    public static final class Counters {
        public final AtomicLong admitted = new AtomicLong();
        public final AtomicLong refused = new AtomicLong();
        public final AtomicLong refusedByPeers = new AtomicLong();
        public final AtomicLong droppedUnadmitted = new AtomicLong();
        public final AtomicLong droppedStale = new AtomicLong();
        public final AtomicLong droppedOversize = new AtomicLong();
        public final AtomicLong droppedRateLimited = new AtomicLong();
        public final AtomicLong malformed = new AtomicLong();
        public final AtomicLong framesIn = new AtomicLong();
        public final AtomicLong framesOut = new AtomicLong();
        public final AtomicLong droppedOutbound = new AtomicLong();
    }

    public JGroupsLink(LinkConfig config) {
        this.config = config;
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "converge-jgroups");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Builds the channel, connects it and starts handshakes with the members in view. The lock is
     * not held while connecting: JGroups' threads may deliver (and need the lock) meanwhile.
     */
    public void start(ReplicaId self, FrameReceiver receiver) throws Exception {
        JChannel channel;
        synchronized (this) {
            this.self = self;
            this.receiver = receiver;
            channel = newChannel();
            channel.setReceiver(this);
            this.channel = channel;
        }
        channel.connect(config.clusterName());
        control.execute(() -> Thread.currentThread().setName("converge-jgroups-" + self));
        long retry = config.handshakeRetry().toMillis();
        control.scheduleWithFixedDelay(this::tick, retry, retry, TimeUnit.MILLISECONDS);
        control.execute(this::reconcile);
    }

    private JChannel newChannel() throws Exception {
        JChannel channel;
        if (config.mainChannel() != null) {
            // A fork of the user's channel: FORK is inserted above the main stack's top if absent.
            if (config.mainChannel().getProtocolStack().findProtocol(org.jgroups.protocols.FORK.class) == null) {
                LOG.warn("channel of cluster {} has no FORK protocol: adding it now; until every member's"
                        + " transport has started, members without it pass Converge's frames to the application's"
                        + " receiver. Put FORK in the channel's configuration on every member", config.clusterName());
            }
            channel = new ForkChannel(config.mainChannel(), "converge", config.clusterName(), true,
                    ProtocolStack.Position.ABOVE, config.mainChannel().getProtocolStack().getTopProtocol().getClass());
        } else {
            List<Protocol> stack = protocols(config);
            if (config.tls().isPresent()) {
                Stacks.secure(stack, config.tls().get());
            } else if (!config.inJvm()) {
                LOG.warn("TLS is off (insecurePlaintext): cluster {} travels in clear text; only the admission"
                        + " handshake keeps secret-less nodes out, and anyone on the path reads and alters data",
                        config.clusterName());
            }
            channel = new JChannel(stack);
            TP tp = channel.getProtocolStack().getTransport();
            DiagnosticsHandler diag = tp.getDiagnosticsHandler();
            if (diag != null) {
                diag.setEnabled(false);
            }
            channel.setName(self.name()); // JGroups' logs then name members by replica id
        }
        return channel;
    }

    /** The stack a channel of its own is made of: the one built in code, then the customizer's edits. */
    public static List<Protocol> protocols(LinkConfig config) {
        return config.stackCustomizer().apply(Stacks.build(config));
    }

    /** Queues {@code frame} to the admitted peer {@code to}; drops and counts it otherwise. Never blocks. */
    public void send(ReplicaId to, byte[] frame) {
        Outbox box;
        synchronized (this) {
            Address a = current.get(to);
            Member m = a == null ? null : members.get(a);
            box = m == null || m.phase != Phase.ADMITTED ? null : m.outbox;
        }
        if (box == null) {
            counters.droppedOutbound.incrementAndGet();
            return;
        }
        box.offer(frame);
    }

    @Override
    public void receive(Message msg) {
        if (closed) {
            return;
        }
        Address src = msg.getSrc();
        byte[] buf = msg.getArray();
        int off = msg.getOffset();
        int len = msg.getLength();
        if (buf == null || len < 1) {
            counters.malformed.incrementAndGet();
            return;
        }
        Identity who = admitted.get(src);
        if (!Admission.isAdmissionTag(buf[off])) {
            if (who == null) {
                counters.droppedUnadmitted.incrementAndGet();
                return;
            }
            if (highest(who.id()) != who.incarnation()) {
                counters.droppedStale.incrementAndGet();
                return;
            }
            byte[] frame = off == 0 && len == buf.length ? buf : java.util.Arrays.copyOfRange(buf, off, off + len);
            counters.framesIn.incrementAndGet();
            receiver.received(who.id(), frame);
            return;
        }
        if (len > Admission.MAX_PRE_ADMISSION_BYTES) {
            counters.droppedOversize.incrementAndGet();
            return;
        }
        if (!view.contains(src)) {
            counters.droppedUnadmitted.incrementAndGet();
            return;
        }
        Admission.Frame f;
        try {
            f = Admission.decode(buf, off, len);
        } catch (AdmissionException e) {
            counters.malformed.incrementAndGet();
            f = null;
        }
        admission(src, f);
    }

    private long highest(ReplicaId id) {
        Long h = highest.get(id);
        return h == null ? Long.MIN_VALUE : h;
    }

    private synchronized void admission(Address src, Admission.Frame f) {
        if (closed) {
            return;
        }
        Member m = member(src);
        if (!take(m)) {
            counters.droppedRateLimited.incrementAndGet();
            return;
        }
        if (f == null) {
            if (m.phase != Phase.ADMITTED) {
                refuse(m, true); // counted as malformed too; an admitted peer's bad frame is only counted
            }
            return;
        }
        if (m.phase == Phase.REFUSED) {
            return; // until it leaves the view; nothing more to say
        }
        if (f instanceof Admission.Refused) {
            if (m.phase != Phase.ADMITTED) {
                counters.refusedByPeers.incrementAndGet();
                logRefusal(m, "refused by");
                m.phase = Phase.REFUSED;
                retire(m);
            }
        } else if (f instanceof Admission.Hello) {
            onHello(m, (Admission.Hello) f);
        } else if (f instanceof Admission.Challenge) {
            onChallenge(m, (Admission.Challenge) f);
        } else if (f instanceof Admission.Proof) {
            onProof(m, (Admission.Proof) f);
        } else if (f instanceof Admission.Welcome) {
            if (m.phase == Phase.VERIFIED) {
                admit(m);
            }
        } else if (f instanceof Admission.Request) {
            onRequest(m);
        }
    }

    /**
     * The responder waits for our hello. Its frames come in order, so a request that follows its
     * challenge means it forgot this handshake (it saw us leave the view, we did not see it
     * leave): start afresh.
     */
    private void onRequest(Member m) {
        if (!initiator(m.address)) {
            return;
        }
        if (m.phase == Phase.ADMITTED || m.phase == Phase.VERIFIED) {
            restart(m);
        }
        hello(m, System.nanoTime());
    }

    /** Forgets the handshake with {@code m}, and the admission it led to: a new one follows. */
    private void restart(Member m) {
        if (m.phase == Phase.ADMITTED) {
            admitted.remove(m.address);
            if (m.address.equals(current.get(m.id))) {
                current.remove(m.id);
                receiver.peerDown(m.id, PeerDownReason.UNREACHABLE);
            }
        }
        m.nonce = new byte[Admission.NONCE_BYTES];
        random.nextBytes(m.nonce);
        m.peerNonce = null;
        m.phase = Phase.NEW;
        m.lastHelloNanos = 0;
        m.retryNanos = config.handshakeRetry().toNanos();
    }

    private void hello(Member m, long now) {
        m.phase = Phase.HELLO_SENT;
        m.lastHelloNanos = now;
        outbox(m).offer(Admission.hello(self, config.incarnation(), m.nonce));
    }

    private void onHello(Member m, Admission.Hello h) {
        if (initiator(m.address)) {
            return; // we initiate towards it
        }
        boolean same = m.peerNonce != null && java.util.Arrays.equals(m.peerNonce, h.nonce())
                && m.id.equals(h.id()) && m.incarnation == h.incarnation();
        if (same && m.phase == Phase.ADMITTED) {
            return; // a retry that crossed our challenge
        }
        if (!same && m.phase != Phase.NEW) {
            // Its frames come in order: a new hello means it dropped the old attempt (or
            // admission), e.g. it saw us leave the view while we did not see it leave.
            restart(m);
        }
        m.id = h.id();
        m.incarnation = h.incarnation();
        m.peerNonce = h.nonce();
        if (!admissible(m)) {
            return; // ourselves, or an older incarnation: no MAC is spent on it
        }
        m.phase = Phase.CHALLENGED;
        byte[] mac = Admission.mac(config.authKeys().get(0), Admission.Role.RESPONDER, config.clusterName(), m.id,
                m.incarnation, self, config.incarnation(), m.peerNonce, m.nonce);
        outbox(m).offer(Admission.challenge(self, config.incarnation(), m.nonce, m.peerNonce, mac));
    }

    private void onChallenge(Member m, Admission.Challenge c) {
        if (m.phase != Phase.HELLO_SENT || !java.util.Arrays.equals(c.echo(), m.nonce)) {
            return; // a duplicate answer to a retried hello, or one to an abandoned attempt
        }
        if (!Admission.verify(config.authKeys(), c.mac(), Admission.Role.RESPONDER, config.clusterName(), self,
                config.incarnation(), c.id(), c.incarnation(), m.nonce, c.nonce())) {
            refuse(m, true);
            return;
        }
        m.id = c.id();
        m.incarnation = c.incarnation();
        m.peerNonce = c.nonce();
        if (!admissible(m)) {
            return; // refused before the peer could admit us: neither side is left half-admitted
        }
        m.phase = Phase.VERIFIED;
        byte[] mac = Admission.mac(config.authKeys().get(0), Admission.Role.INITIATOR, config.clusterName(), self,
                config.incarnation(), m.id, m.incarnation, m.nonce, m.peerNonce);
        outbox(m).offer(Admission.proof(m.peerNonce, mac));
    }

    private void onProof(Member m, Admission.Proof p) {
        if (m.phase != Phase.CHALLENGED || !java.util.Arrays.equals(p.echo(), m.nonce)) {
            return; // a proof for an abandoned challenge
        }
        if (!Admission.verify(config.authKeys(), p.mac(), Admission.Role.INITIATOR, config.clusterName(), m.id,
                m.incarnation, self, config.incarnation(), m.peerNonce, m.nonce)) {
            refuse(m, true);
            return;
        }
        if (admissible(m)) {
            outbox(m).offer(Admission.welcome());
            admit(m);
        }
    }

    /** Identity checks once the MACs passed: not ourselves, not an older incarnation. */
    private boolean admissible(Member m) {
        Long h = highest.get(m.id);
        if (m.id.equals(self) || (h != null && m.incarnation < h)) {
            refuse(m, true);
            return false;
        }
        return true;
    }

    private void admit(Member m) {
        if (!admissible(m)) {
            return;
        }
        Address old = current.put(m.id, m.address);
        if (old != null && !old.equals(m.address)) {
            // An older incarnation of the same replica: it stays in the view until JGroups drops
            // it, and its frames are dropped as stale from now on (its entry in admitted stays, so
            // they are counted as such); it is never admitted again.
            Identity was = admitted.get(old);
            if (was != null && was.incarnation() == m.incarnation) {
                admitted.remove(old); // same incarnation at two addresses: only the newest is believed
            }
            Member o = members.get(old);
            if (o != null) {
                o.phase = Phase.REFUSED;
                o.refusalLogged = true;
                retire(o);
            }
        }
        highest.put(m.id, m.incarnation);
        m.phase = Phase.ADMITTED;
        counters.admitted.incrementAndGet();
        LOG.debug("{} admitted {} (incarnation {}) at {}", self, m.id, m.incarnation, m.address);
        receiver.peerUp(m.id, m.incarnation);
        admitted.put(m.address, new Identity(m.id, m.incarnation));
    }

    private void refuse(Member m, boolean tell) {
        counters.refused.incrementAndGet();
        logRefusal(m, "refused admission to");
        m.phase = Phase.REFUSED;
        if (tell) {
            outbox(m).offer(Admission.refused());
        }
        retire(m);
    }

    /** Nothing more goes to {@code m} (refused): its sender ends once the queue is empty. */
    private static void retire(Member m) {
        if (m.outbox != null) {
            m.outbox.drain();
            m.outbox = null;
        }
    }

    private void logRefusal(Member m, String what) {
        if (!m.refusalLogged) {
            m.refusalLogged = true;
            LOG.warn("{} {} the member at {} (admission failed; check the cluster secret)", self, what, m.address);
            try {
                refusalListener.accept(String.valueOf(m.address));
            } catch (RuntimeException e) {
                LOG.warn("admission refusal listener threw", e);
            }
        }
    }

    /**
     * Tells {@code listener} the address of each member refused admission (or refusing ours),
     * once per address while it stays in the view, on a JGroups thread under the link's lock: it
     * must only hand the address over.
     */
    public void onRefusal(java.util.function.Consumer<String> listener) {
        this.refusalListener = java.util.Objects.requireNonNull(listener, "listener");
    }

    /** Token bucket per address for admission frames. */
    private static boolean take(Member m) {
        long now = System.nanoTime();
        m.tokens = Math.min(BUCKET_BURST, m.tokens + (now - m.tokensAt) * 1e-9 * BUCKET_PER_SECOND);
        m.tokensAt = now;
        if (m.tokens < 1) {
            return false;
        }
        m.tokens -= 1;
        return true;
    }

    private boolean initiator(Address other) {
        return channel.getAddress().compareTo(other) < 0;
    }

    private Member member(Address a) {
        Member m = members.get(a);
        if (m == null) {
            byte[] nonce = new byte[Admission.NONCE_BYTES];
            random.nextBytes(nonce);
            m = new Member(a, nonce);
            m.retryNanos = config.handshakeRetry().toNanos();
            members.put(a, m);
        }
        return m;
    }

    private Outbox outbox(Member m) {
        if (m.outbox == null) {
            m.outbox = new Outbox(channel, m.address, "converge-send-" + self + "-" + (++outboxes),
                    config.maxQueuedFrames(), config.maxQueuedBytes(), counters.framesOut, counters.droppedOutbound);
        }
        return m.outbox;
    }

    @Override
    public void viewAccepted(View v) {
        view = Set.copyOf(v.getMembers());
        if (!closed) {
            control.execute(this::reconcile);
        }
    }

    private void tick() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.warn("admission tick failed", e);
        }
    }

    /** Brings the members map in line with the view: handshakes for new members, down for gone ones. */
    private void reconcile() {
        List<Outbox> toClose = new ArrayList<>();
        synchronized (this) {
            if (closed || channel == null) {
                return;
            }
            Set<Address> v = view;
            Address me = channel.getAddress();
            for (var it = members.values().iterator(); it.hasNext();) {
                Member m = it.next();
                if (!v.contains(m.address)) {
                    it.remove();
                    admitted.remove(m.address);
                    if (m.outbox != null) {
                        toClose.add(m.outbox);
                    }
                    if (m.phase == Phase.ADMITTED && m.address.equals(current.get(m.id))) {
                        current.remove(m.id);
                        receiver.peerDown(m.id, PeerDownReason.UNREACHABLE);
                    }
                }
            }
            long now = System.nanoTime();
            for (Address a : v) {
                if (a.equals(me)) {
                    continue;
                }
                Member m = member(a);
                boolean waiting = m.phase == Phase.NEW || m.phase == Phase.HELLO_SENT;
                if (!waiting) {
                    continue;
                }
                if (m.lastHelloNanos == 0) {
                    m.lastHelloNanos = initiator(a) ? now - m.retryNanos : now; // responders wait a first period
                }
                if (now - m.lastHelloNanos < m.retryNanos) {
                    continue;
                }
                if (m.phase == Phase.HELLO_SENT || !initiator(a)) {
                    m.retryNanos = Math.min(m.retryNanos * 2, TimeUnit.SECONDS.toNanos(2));
                }
                if (initiator(a)) {
                    hello(m, now);
                } else {
                    // A responder still without a hello asks for one (the initiator may think us admitted).
                    m.lastHelloNanos = now;
                    outbox(m).offer(Admission.request());
                }
            }
        }
        toClose.forEach(Outbox::close);
    }

    /** The replicas admitted now. */
    public synchronized Set<ReplicaId> admittedPeers() {
        return Set.copyOf(current.keySet());
    }

    public Counters counters() {
        return counters;
    }

    /** Members in the current JGroups view, this node included. */
    public int viewSize() {
        return view.size();
    }

    /** The JGroups address of this node (tests use it with {@code DISCARD}). */
    public Address address() {
        return channel.getAddress();
    }

    /** The physical address the transport is bound to, if it has an IP one. */
    public Optional<InetSocketAddress> physicalAddress() {
        Object pa = channel.down(new Event(Event.GET_PHYSICAL_ADDRESS, channel.getAddress()));
        if (pa instanceof IpAddress) {
            IpAddress ip = (IpAddress) pa;
            return Optional.of(new InetSocketAddress(ip.getIpAddress(), ip.getPort()));
        }
        return pa instanceof PhysicalAddress ? Optional.empty() : Optional.empty();
    }

    /** Leaves the cluster (a JGroups leave), stops the sender threads; idempotent. */
    @Override
    public void close() {
        List<Outbox> boxes = new ArrayList<>();
        JChannel ch;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ch = channel;
            for (Member m : members.values()) {
                if (m.outbox != null) {
                    boxes.add(m.outbox);
                }
            }
            members.clear();
            admitted.clear();
            current.clear();
        }
        control.shutdownNow();
        // What the engine queued last (its Goodbye) goes out before the JGroups leave, within a bound.
        boxes.forEach(Outbox::drain);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
        try {
            for (Outbox b : boxes) {
                b.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boxes.forEach(Outbox::close);
        if (ch != null) {
            ch.close();
        }
    }
}
