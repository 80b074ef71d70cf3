package io.converge.net;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.ReplicatorEvent;
import io.converge.crdt.engine.ReservedKeys;
import io.converge.crdt.engine.Subscription;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.protocol.PeerDownReason;
import io.converge.net.consistency.MemberView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's view of the cluster: the replicated {@link MemberRecord} joined with what the transport
 * says of reachability, the events between them, and this node's own entry in the record.
 *
 * <h2>Threads</h2>
 * Every input (record changes from the change feed, peer up and down from the transport,
 * replicator events, admission refusals, timers) is handed to one model thread
 * ({@code converge-members-<replica>}), which alone touches the model; so nothing runs on JGroups'
 * threads or the sync thread but a queue offer. After each change it publishes an immutable
 * {@link State} read lock-free by {@link #members()}, {@link #countedPeers()} and the transport
 * wrapper. Events go to listeners on a second thread ({@code converge-members-listener-<replica>})
 * through a bounded queue, so a slow listener never delays the model: past the bound, events are
 * dropped, counted and logged.
 *
 * <h2>Reachability</h2>
 * A member is reachable while the transport has it admitted (peer up, not down since). A counted
 * member that goes down {@code UNREACHABLE} is flagged (MemberUnreachable) and stays counted;
 * once every flagged member is back, PartitionHealed names those that returned. A member the
 * record names but the transport never admitted is unreachable without an event (this node may
 * have started after it crashed). {@code autoDownAfter} downs any member unreachable that long.
 */
final class Membership implements MemberView {
    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);
    /** Keys starting with this are the cluster's own; users cannot write them. */
    static final String RESERVED_PREFIX = "$";
    static final Key<MemberRecord> KEY = Key.of("$converge.members", MemberRecord.empty(), MemberRecordCodec.INSTANCE);
    static final int LISTENER_QUEUE = 4096;
    /** How long a joining node waits for a peer to acknowledge its entry before it calls itself up anyway. */
    static final Duration JOIN_WAIT = Duration.ofSeconds(3);

    /** What readers see; immutable. */
    record State(MemberRecord record, Map<ReplicaId, Long> admitted, List<Member> members, Set<ReplicaId> counted,
            Set<ReplicaId> reachable) {
    }

    private final ReplicaId self;
    /** This node's entry as announced; set once before {@link #attach}. */
    private volatile MemberRecord.Entry selfEntry;
    private final ReservedKeys capability;
    private final Duration autoDownAfter;
    private final ScheduledExecutorService model;
    private final ThreadPoolExecutor listenerThread;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong listenerDrops = new AtomicLong();
    private volatile State state;
    private volatile Replicator replicator;
    private volatile FrameTransport.FrameReceiver engine;

    // Model thread only.
    private MemberRecord record = MemberRecord.empty();
    private final Map<ReplicaId, Long> admitted = new HashMap<>();
    private final Map<ReplicaId, Long> unreachableSince = new HashMap<>();
    private final Set<ReplicaId> flagged = new LinkedHashSet<>();
    private final Set<ReplicaId> returned = new LinkedHashSet<>();
    private Subscription feed;

    private static final class Listener {
        final MemberListener listener;
        volatile boolean closed;

        Listener(MemberListener listener) {
            this.listener = listener;
        }
    }

    Membership(ReplicaId self, ReservedKeys capability, Duration autoDownAfter) {
        this(self, capability, autoDownAfter, LISTENER_QUEUE);
    }

    /** With a listener queue of {@code listenerQueue} events (tests make it small). */
    Membership(ReplicaId self, ReservedKeys capability, Duration autoDownAfter, int listenerQueue) {
        this.self = self;
        this.capability = capability;
        this.autoDownAfter = autoDownAfter;
        this.model = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "converge-members-" + self));
        this.listenerThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(listenerQueue), r -> daemon(r, "converge-members-listener-" + self),
                (task, ex) -> dropped());
        this.state = new State(record, Map.of(), List.of(), Set.of(), Set.of());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void dropped() {
        long n = listenerDrops.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
            LOG.warn("{}: member listeners fall behind: {} events dropped so far", self, n);
        }
    }

    // ------------------------------------------------------------------ inputs (any thread)

    /** The engine's receiver wrapped: reachability comes from here, and Left/Down members are released. */
    FrameTransport.FrameReceiver wrap(FrameTransport.FrameReceiver receiver) {
        this.engine = receiver;
        return new FrameTransport.FrameReceiver() {
            @Override
            public void received(ReplicaId from, byte[] frame) {
                receiver.received(from, frame);
            }

            @Override
            public void peerUp(ReplicaId peer, long incarnation) {
                receiver.peerUp(peer, incarnation);
                submit(() -> onPeerUp(peer, incarnation));
            }

            @Override
            public void peerDown(ReplicaId peer, PeerDownReason reason) {
                receiver.peerDown(peer, translate(peer, reason));
                submit(() -> onPeerDown(peer, reason));
            }
        };
    }

    /**
     * A view change cannot tell a crash from a leave; the record can: a peer whose entry says it
     * left, or was downed, is released by the engine at once instead of kept as unreachable.
     */
    private PeerDownReason translate(ReplicaId peer, PeerDownReason reason) {
        if (reason != PeerDownReason.UNREACHABLE) {
            return reason;
        }
        Optional<MemberRecord.Entry> e = latest().get(peer);
        Long admittedAs = state.admitted().get(peer);
        if (e.isEmpty() || (admittedAs != null && e.get().incarnation() < admittedAs)) {
            return reason; // the record speaks of an earlier start: a restarted peer is not gone
        }
        if (e.get().status() == MemberStatus.LEFT) {
            return PeerDownReason.LEFT;
        }
        if (e.get().status() == MemberStatus.DOWN) {
            return PeerDownReason.REMOVED;
        }
        return reason;
    }

    void admissionRefused(String address) {
        submit(() -> emit(new MemberEvent.AdmissionRefused(address)));
    }

    void replicatorEvent(ReplicatorEvent e) {
        if (e instanceof ReplicatorEvent.ClockSkewDetected s) {
            submit(() -> emit(new MemberEvent.ClockSkewDetected(s.remote(), s.aheadMillis(), s.maxOffsetMillis())));
        } else if (e instanceof ReplicatorEvent.ReplicaIdReused r) {
            submit(() -> emit(new MemberEvent.ReplicaIdReused(r.peer(), r.evidence())));
        }
    }

    private void submit(Runnable task) {
        try {
            model.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("{}: membership step failed", self, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed: nothing is left to tell.
        }
    }

    /** This node's entry (JOINING), once its address is known. */
    void announce(MemberRecord.Entry entry) {
        this.selfEntry = Objects.requireNonNull(entry, "entry");
    }

    /**
     * Starts following the record and announces this node: JOINING now, UP once a peer
     * acknowledged that (it exchanged state with the cluster), or at once when alone in the view.
     */
    void attach(Replicator r, boolean alone) {
        this.replicator = r;
        CompletableFuture<Void> done = new CompletableFuture<>();
        submit(() -> {
            feed = r.subscribe(KEY, ev -> submit(() -> onRecord(ev.after())));
            // What the store recovered is the starting point, not news: no events for it.
            r.get(KEY).ifPresent(rec -> onRecord(rec, false));
            done.complete(null);
        });
        done.orTimeout(10, TimeUnit.SECONDS).join();
        long position = write(selfEntry).orTimeout(10, TimeUnit.SECONDS).join();
        if (alone) {
            write(selfEntry.withStatus(MemberStatus.UP)).orTimeout(10, TimeUnit.SECONDS).join();
        }
        // The change feed reaches the model later: catch up now, so that start() returns with
        // this node in members().
        CompletableFuture<Void> seen = new CompletableFuture<>();
        submit(() -> {
            onRecord(latest());
            seen.complete(null);
        });
        seen.orTimeout(10, TimeUnit.SECONDS).join();
        if (!alone) {
            // Completes on the sync thread: hop to the model thread before writing.
            r.awaitAcknowledged(position, 1, JOIN_WAIT).whenComplete((peers, err) -> submit(() -> {
                if (myStatus() == MemberStatus.JOINING) {
                    write(selfEntry.withStatus(MemberStatus.UP));
                }
            }));
        }
        if (!autoDownAfter.isZero()) {
            long every = Math.max(50, Math.min(1000, autoDownAfter.toMillis() / 4));
            model.scheduleWithFixedDelay(this::autoDown, every, every, TimeUnit.MILLISECONDS);
        }
    }

    private MemberStatus myStatus() {
        Optional<MemberRecord.Entry> e = state.record().get(self);
        return e.isPresent() && e.get().incarnation() == selfEntry.incarnation() ? e.get().status()
                : MemberStatus.JOINING;
    }

    /** Writes {@code entry} for this node; completes with the buffer position of the write. */
    CompletableFuture<Long> write(MemberRecord.Entry entry) {
        return write(self, entry);
    }

    private CompletableFuture<Long> write(ReplicaId id, MemberRecord.Entry entry) {
        return replicator.updateReserved(capability, KEY, (rec, ctx) -> rec.put(id, entry))
                .thenApply(Replicator.Written::position);
    }

    /**
     * Leaves gracefully: LEAVING, wait for the reachable peers to acknowledge, LEFT, wait again;
     * each wait at most {@code each}. The replicator's close then says goodbye.
     */
    void leave(Duration each) {
        Replicator r = replicator;
        if (r == null) {
            return;
        }
        for (MemberStatus s : new MemberStatus[] {MemberStatus.LEAVING, MemberStatus.LEFT}) {
            try {
                long position = write(selfEntry.withStatus(s)).get(each.toMillis(), TimeUnit.MILLISECONDS);
                Set<ReplicaId> peers = Set.copyOf(state.admitted().keySet());
                if (!peers.isEmpty()) {
                    r.awaitAcknowledged(position, peers.size(), peers, each).get(each.toMillis() + 100,
                            TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // Not acknowledged in time: the rest spreads by anti-entropy, or peers see us unreachable.
                LOG.info("{}: {} not acknowledged by every reachable peer within {}", self, s, each);
            }
        }
    }

    /**
     * Marks {@code id} DOWN for its current incarnation.
     *
     * @return false if it is already LEFT or DOWN
     * @throws IllegalArgumentException if the record does not know it, or it is this node
     */
    boolean down(ReplicaId id, Duration timeout) {
        Objects.requireNonNull(id, "id");
        if (id.equals(self)) {
            throw new IllegalArgumentException("a node does not down itself: close it to leave");
        }
        MemberRecord.Entry e = state.record().get(id)
                .orElseThrow(() -> new IllegalArgumentException("no member " + id + " in the record"));
        if (e.status().terminal()) {
            return false;
        }
        LOG.info("{}: marking {} down (incarnation {})", self, id, e.incarnation());
        try {
            write(id, e.withStatus(MemberStatus.DOWN)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } catch (Exception ex) {
            throw new IllegalStateException("could not mark " + id + " down: " + ex, ex);
        }
        return true;
    }

    Subscription subscribe(MemberListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (model.isShutdown()) {
            throw new IllegalStateException("the node is closed");
        }
        Listener l = new Listener(listener);
        CompletableFuture<Void> added = new CompletableFuture<>();
        // On the model thread: the snapshot and the events after it come in one order.
        submit(() -> {
            List<Member> now = state.members();
            listeners.add(l);
            deliver(List.of(l), new MemberEvent.CurrentMembers(now));
            added.complete(null);
        });
        try {
            added.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the node is closed", e);
        }
        return () -> {
            l.closed = true;
            listeners.remove(l);
        };
    }

    // ------------------------------------------------------------------ the model (model thread)

    private void onRecord(MemberRecord next) {
        onRecord(next, true);
    }

    private void onRecord(MemberRecord next, boolean tell) {
        MemberRecord prev = record;
        record = record.join(next);
        if (record.equals(prev)) {
            return;
        }
        List<MemberEvent> events = new ArrayList<>();
        long now = System.nanoTime();
        for (Map.Entry<ReplicaId, MemberRecord.Entry> e : record.entries().entrySet()) {
            ReplicaId id = e.getKey();
            MemberRecord.Entry v = e.getValue();
            Optional<MemberRecord.Entry> was = prev.get(id);
            if (was.isPresent() && was.get().equals(v)) {
                continue;
            }
            boolean statusChanged = was.isEmpty() || was.get().status() != v.status()
                    || was.get().incarnation() != v.incarnation();
            if (!id.equals(self)) {
                if (v.status().terminal()) {
                    unreachableSince.remove(id);
                    if (flagged.remove(id)) {
                        healedIfDone(events);
                    }
                    if (!admitted.containsKey(id) && engine != null) {
                        // Never admitted here, or unreachable: release it in the engine now.
                        engine.peerDown(id, v.status() == MemberStatus.LEFT ? PeerDownReason.LEFT
                                : PeerDownReason.REMOVED);
                    }
                } else if (!admitted.containsKey(id)) {
                    unreachableSince.putIfAbsent(id, now);
                }
            } else if (v.status() == MemberStatus.DOWN && selfEntry != null
                    && v.incarnation() == selfEntry.incarnation()) {
                LOG.warn("{}: this node was marked down by another; it no longer counts in N (restart it to rejoin)",
                        self);
            }
            if (statusChanged && tell) {
                Member m = member(id, v);
                switch (v.status()) {
                    case JOINING -> events.add(new MemberEvent.MemberJoined(m));
                    case UP -> events.add(new MemberEvent.MemberUp(m));
                    case LEAVING -> events.add(new MemberEvent.MemberLeaving(m));
                    case LEFT -> events.add(new MemberEvent.MemberLeft(m));
                    case DOWN -> events.add(new MemberEvent.MemberDown(m));
                    default -> throw new IllegalStateException();
                }
            }
        }
        publish();
        events.forEach(this::emit);
    }

    private void onPeerUp(ReplicaId peer, long incarnation) {
        admitted.put(peer, incarnation);
        unreachableSince.remove(peer);
        List<MemberEvent> events = new ArrayList<>();
        if (flagged.remove(peer)) {
            returned.add(peer);
            record.get(peer).ifPresent(v -> events.add(new MemberEvent.MemberReachable(member(peer, v))));
            healedIfDone(events);
        }
        publish();
        events.forEach(this::emit);
    }

    private void healedIfDone(List<MemberEvent> events) {
        if (flagged.isEmpty() && !returned.isEmpty()) {
            events.add(new MemberEvent.PartitionHealed(Set.copyOf(returned)));
            returned.clear();
        }
    }

    /**
     * The record as the replicator holds it now: fresher than the change feed, which reaches this
     * thread through the listener executor. A graceful leaver's LEFT is acknowledged before it
     * leaves the view, so reading it here tells its view change from a crash without a race.
     */
    private MemberRecord latest() {
        Replicator r = replicator;
        MemberRecord known = state.record();
        return r == null ? known : r.get(KEY).map(known::join).orElse(known);
    }

    private void onPeerDown(ReplicaId peer, PeerDownReason reason) {
        onRecord(latest());
        admitted.remove(peer);
        List<MemberEvent> events = new ArrayList<>();
        Optional<MemberRecord.Entry> v = record.get(peer);
        if (v.isPresent() && !v.get().status().terminal()) {
            unreachableSince.put(peer, System.nanoTime());
            if (reason == PeerDownReason.UNREACHABLE && flagged.add(peer)) {
                events.add(new MemberEvent.MemberUnreachable(member(peer, v.get())));
            }
        }
        publish();
        events.forEach(this::emit);
    }

    private void autoDown() {
        long now = System.nanoTime();
        for (Map.Entry<ReplicaId, Long> e : List.copyOf(unreachableSince.entrySet())) {
            if (now - e.getValue() < autoDownAfter.toNanos()) {
                continue;
            }
            Optional<MemberRecord.Entry> v = record.get(e.getKey());
            if (v.isPresent() && !v.get().status().terminal()) {
                LOG.info("{}: {} unreachable for {} (autoDownAfter): marking it down", self, e.getKey(), autoDownAfter);
                unreachableSince.remove(e.getKey());
                write(e.getKey(), v.get().withStatus(MemberStatus.DOWN));
            }
        }
    }

    private Member member(ReplicaId id, MemberRecord.Entry v) {
        return new Member(id, v.name(), v.address(), v.incarnation(), v.status(),
                id.equals(self) || admitted.containsKey(id), Set.copyOf(v.roles()));
    }

    private void publish() {
        List<Member> members = new ArrayList<>();
        Set<ReplicaId> counted = new java.util.HashSet<>();
        Set<ReplicaId> reachable = new java.util.HashSet<>();
        for (Map.Entry<ReplicaId, MemberRecord.Entry> e : record.entries().entrySet()) {
            Member m = member(e.getKey(), e.getValue());
            members.add(m);
            if (m.counted() && !m.id().equals(self)) {
                counted.add(m.id());
                if (m.reachable()) {
                    reachable.add(m.id());
                }
            }
        }
        state = new State(record, Map.copyOf(admitted), List.copyOf(members), Set.copyOf(counted),
                Set.copyOf(reachable));
    }

    private void emit(MemberEvent event) {
        LOG.info("{}: {}", self, event);
        deliver(List.copyOf(listeners), event);
    }

    private void deliver(List<Listener> to, MemberEvent event) {
        if (to.isEmpty()) {
            return;
        }
        listenerThread.execute(() -> {
            for (Listener l : to) {
                if (l.closed) {
                    continue;
                }
                try {
                    l.listener.onEvent(event);
                } catch (RuntimeException e) {
                    LOG.warn("{}: member listener threw on {}", self, event, e);
                }
            }
        });
    }

    // ------------------------------------------------------------------ reads (any thread)

    List<Member> members() {
        return state.members();
    }

    @Override
    public Set<ReplicaId> countedPeers() {
        return state.counted();
    }

    @Override
    public Set<ReplicaId> reachablePeers() {
        return state.reachable();
    }

    /** Events dropped because listeners fell behind. */
    long listenerDrops() {
        return listenerDrops.get();
    }

    /** Stops the threads, letting queued events reach listeners within {@code timeout}. */
    void close(Duration timeout) {
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        submit(() -> {
            if (feed != null) {
                feed.close();
            }
            stopped.complete(null);
        });
        try {
            stopped.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Closing anyway.
        }
        model.shutdownNow();
        listenerThread.shutdown();
        try {
            listenerThread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listenerThread.shutdownNow();
    }
}
