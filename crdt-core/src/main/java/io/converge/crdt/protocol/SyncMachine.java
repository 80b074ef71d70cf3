package io.converge.crdt.protocol;

import io.converge.crdt.CausalCrdt;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * Causal delta-interval anti-entropy (Almeida, Shoker, Baquero 2018, Algorithm 2; crdt.md §5)
 * for a store of many named CRDTs, as a pure state machine: no threads, sockets or clocks. A
 * driver feeds it {@link Input}s with the current time and carries out the {@link Output}s; the
 * cluster transport, in-memory test links and the simulator all run this same code.
 *
 * <h2>State</h2>
 * <ul>
 *   <li>{@code X}: the state of every key, with expiries and a store digest ({@code KeyStates});
 *   <li>{@code c}: the next sequence number (durable: the driver persists it with each record);
 *   <li>{@code D}: the delta buffer, positions {@code [start, c)}, each a (key, delta, origin);
 *       bounded by {@link SyncConfig#bufferMaxEntries()} and {@link SyncConfig#bufferMaxBytes()}
 *       ({@code DeltaBuffer}): past either, the peers furthest behind stop pinning it and get a
 *       transfer instead;
 *   <li>{@code A}: per peer, the highest position it acknowledged (unknown for a new peer), and
 *       what is under way with it in each direction ({@code PeerState}: an interval or a
 *       transfer out, a transfer in).
 * </ul>
 * This class holds the steps: local updates, receiving, sending intervals, transfers out
 * and in, and timers.
 *
 * <h2>Protocol</h2>
 * A local update joins its delta into {@code X} and appends it to {@code D}; the updates of one
 * step ({@link Input.LocalUpdates}, the driver's group commit) append one delta per key, the
 * join of that key's deltas, so the buffer grows with the keys written, not the writes. Every sync interval
 * each peer with nothing in flight gets {@code Δ[A[j], m)}: the buffered deltas joined per key,
 * skipping those that came from that peer (back-propagation) and those received from an origin
 * that is still a live peer (it sends them to everyone itself), cut at {@code m} so the message
 * holds at most {@code maxEntriesPerMessage} keys. At most one interval per peer is in flight;
 * without an ack within {@code ackTimeout} it is sent again (joins are idempotent). The receiver
 * joins an interval only if that leaves no causal gap (every causal context stays compact),
 * buffers for its own peers the novel part of what it received, and acknowledges {@code m}. An
 * interval that would leave a gap waits until the deltas it builds on arrive; a gap that lasts an
 * {@code ackTimeout} is answered with {@link Message.Nack}. Acks move {@code A[j]}; {@code D} is
 * trimmed below the smallest acknowledged position.
 *
 * <h2>Full state, driven by digests</h2>
 * A peer whose position is unknown (new, restarted, nacked) or older than {@code buffer.start()}
 * (the buffer was trimmed or evicted past it) gets a transfer: an {@link Message.Offer} of
 * per-key digests in bounded chunks; it {@link Message.Request}s only the keys whose digest
 * differs, receives their states in bounded {@link Message.States} chunks, joins them (each
 * key's state is complete, so chunks can be joined one by one) and acknowledges the offer's
 * position. Two replicas that already agree exchange digests only. Cost: the offer is O(keys),
 * a digest lookup and about the key's name plus 8 bytes per key (each digest is taken once, when
 * the key's state is stored, so a transfer digests nothing); requests, states, joins and records
 * are O(keys that differ). The offer grows with the store, not with the difference: a digest
 * tree over the keys would make it O(differences × log keys) at the price of round trips.
 *
 * <h2>Time to live, without tombstones</h2>
 * A key updated with a time to live carries its expiry (the latest update's time plus the TTL;
 * joins keep the latest) in every message and record that carries the key. When it passes, each
 * node drops the key and keeps nothing; a copy that arrives later carries the same past expiry
 * and is dropped on arrival, so nothing resurrects it. An update racing the expiry (within the
 * clocks' skew) may keep the part it wrote alive, as a concurrent update survives a reset.
 * A key written again after it expired here mints its dots above every dot this replica issued
 * (the {@linkplain #dotFloor() dot floor}), never {@code (self, 1)} again: a peer whose clock lags
 * and still holds the old life takes the write as new, and its context removes the old life
 * there too. The floor never goes down, across restarts too (the store persists it).
 *
 * <h2>Quiet links</h2>
 * A link with nothing to send carries a {@link Message.Heartbeat} every heartbeat interval: the
 * sender's sequence and a digest of its whole store. If both sides are quiet and the digests
 * differ, the receiver starts a transfer, which repairs any divergence; in-sync replicas
 * exchange nothing else.
 *
 * <h2>Peers</h2>
 * Only {@link Input.PeerUp} makes a peer: a message from a replica that is not up is dropped and
 * counted, never taken as a sign of life. A peer reported {@link PeerDownReason#UNREACHABLE}
 * keeps its acknowledged position (and still pins the deltas it lacks), so a heal resumes from
 * there; one that {@link PeerDownReason#LEFT left} or was {@link PeerDownReason#REMOVED removed}
 * is released. A new incarnation of a peer starts afresh.
 *
 * <h2>Bounds</h2>
 * What a peer can make the machine hold or do is bounded by {@link SyncConfig} (buffer, part
 * assembly, transfers it asks for); each refusal is counted by {@link Limit} and reported as an
 * {@link Output.Refusal}. See {@link SyncConfig} for each bound and what happens at it.
 *
 * <h2>Determinism</h2>
 * The machine reads no clock (time is the {@code now} of each step) and iterates only ordered
 * collections (keys in insertion order, peers and message maps sorted), so the same inputs give
 * the same outputs in any JVM: one seed of the simulator replays one schedule.
 *
 * <p>Not thread-safe: confined to the driver's thread, which calls every method. Other threads
 * read the engine's published view instead.
 */
public final class SyncMachine {
    private static final io.converge.crdt.internal.Representation.Access ACCESS =
            io.converge.crdt.internal.Representation.access();

    private final ReplicaId self;
    private final SyncConfig config;
    private final ValueSizer sizer;
    private final KeyStates keys;
    private final DeltaBuffer buffer;
    private final Map<ReplicaId, PeerState> peers = new TreeMap<>();
    private long transferIds;
    private long droppedFromUnknownPeers;
    /** The unreachable peers we last told our peers about, and when. */
    private java.util.SortedSet<ReplicaId> reportedUnreachable = java.util.Collections.emptySortedSet();
    private long reportedAt;
    private final long[] transfers = new long[TransferReason.values().length];
    /** Received deltas and states refused for a conflict. */
    private long conflictsRefused;
    /** Set once a peer proved this replica's id was used before: what it proved. */
    private String idReusedEvidence;
    private final long[] refused = new long[Limit.values().length];

    /**
     * A machine for replica {@code self}, starting from restored states (empty for a new replica)
     * whose log ended at {@code sequence}.
     *
     * @param digester a digest of one key's state that is equal on every node for equal states,
     *     normally {@link ReplicatedData#digest()}
     */
    public SyncMachine(ReplicaId self, SyncConfig config, Map<String, ReplicatedData<?>> restored, long sequence,
            ToLongFunction<ReplicatedData<?>> digester) {
        this(self, config, restored, Map.of(), sequence, digester);
    }

    /**
     * A machine restored with the expiries of the keys that have a time to live; keys already
     * expired are dropped at the first tick.
     */
    public SyncMachine(ReplicaId self, SyncConfig config, Map<String, ReplicatedData<?>> restored,
            Map<String, Long> restoredExpiries, long sequence, ToLongFunction<ReplicatedData<?>> digester) {
        this(self, config, restored, restoredExpiries, sequence, digester, ValueSizer.ESTIMATE);
    }

    /**
     * A machine that bounds its messages in bytes as {@code sizer} measures values (the engine
     * passes one that encodes with the frame's codec).
     */
    public SyncMachine(ReplicaId self, SyncConfig config, Map<String, ReplicatedData<?>> restored,
            Map<String, Long> restoredExpiries, long sequence, ToLongFunction<ReplicatedData<?>> digester,
            ValueSizer sizer) {
        this(self, config, restored, restoredExpiries, sequence, 0, digester, sizer);
    }

    /**
     * A machine restored with the dot floor persisted with its store (see {@link #dotFloor()}):
     * the restored states raise it further, never lower it.
     *
     * @throws IllegalArgumentException if {@code dotFloor} is negative
     */
    public SyncMachine(ReplicaId self, SyncConfig config, Map<String, ReplicatedData<?>> restored,
            Map<String, Long> restoredExpiries, long sequence, long dotFloor,
            ToLongFunction<ReplicatedData<?>> digester, ValueSizer sizer) {
        this.sizer = Objects.requireNonNull(sizer, "sizer");
        this.self = Objects.requireNonNull(self, "self");
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(restored, "restored");
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence must be at least 0, got " + sequence);
        }
        this.keys = new KeyStates(self, Objects.requireNonNull(digester, "digester"), restored, restoredExpiries,
                dotFloor);
        this.buffer = new DeltaBuffer(sequence);
    }

    /**
     * The counter every dot this replica mints for a key it creates from now on is above: no
     * lower than any counter of its own in a key it dropped on expiry or was restored with, and
     * never lower than before. A store persists it beside its states (a snapshot keeps no expired
     * key) and passes it back to the restored machine, so no dot is minted twice across restarts.
     */
    public long dotFloor() {
        return keys.floor();
    }

    /** When {@code key} expires (epoch ms), if it has a time to live. */
    public Optional<Long> expiry(String key) {
        return keys.expiry(key);
    }

    /** A new, empty machine using {@link ReplicatedData#digest()} as the state digest. */
    public static SyncMachine create(ReplicaId self, SyncConfig config) {
        return new SyncMachine(self, config, Map.of(), 0, ReplicatedData::digest);
    }

    /** The protocol settings. */
    public SyncConfig config() {
        return config;
    }

    /** The replica this machine runs. */
    public ReplicaId self() {
        return self;
    }

    /** The state of {@code key}, if any. */
    public Optional<ReplicatedData<?>> get(String key) {
        return Optional.ofNullable(keys.get(Objects.requireNonNull(key, "key")));
    }

    /** The keys held, in the order they were first written; a view, valid until the next step. */
    public Iterable<String> keys() {
        return keys.keys();
    }

    /** Number of keys held. */
    public int size() {
        return keys.size();
    }

    /** The next sequence number {@code c}. */
    public long sequence() {
        return buffer.next();
    }

    /** Number of deltas buffered for peers. */
    public int bufferedDeltas() {
        return buffer.size();
    }

    /** Digest of the whole store: equal on replicas holding equal states. */
    public long storeDigest() {
        return keys.digest();
    }

    /** Peers known, with the position each acknowledged (-1 if unknown). */
    public Map<ReplicaId, Long> acknowledged() {
        Map<ReplicaId, Long> m = new TreeMap<>();
        peers.forEach((id, p) -> m.put(id, p.acked));
        return m;
    }

    /** What the machine knows of each peer and how much it has done, as an immutable snapshot. */
    public MachineStats stats() {
        Map<ReplicaId, MachineStats.PeerStats> ps = new TreeMap<>();
        peers.forEach((id, p) -> ps.put(id, new MachineStats.PeerStats(p.up, p.incarnation, p.acked,
                p.acked < 0 ? -1 : Math.max(0, buffer.next() - p.acked), p.out instanceof PeerState.Outbound.Transfer,
                p.in instanceof PeerState.Inbound.Receiving)));
        Map<TransferReason, Long> byReason = new java.util.EnumMap<>(TransferReason.class);
        for (TransferReason r : TransferReason.values()) {
            byReason.put(r, transfers[r.ordinal()]);
        }
        Map<Limit, Long> byLimit = new java.util.EnumMap<>(Limit.class);
        for (Limit l : Limit.values()) {
            byLimit.put(l, refused[l.ordinal()]);
        }
        return new MachineStats(buffer.next(), buffer.size(), keys.size(), keys.digest(), ps, byReason,
                droppedFromUnknownPeers, buffer.bytes(), assemblyBytes(), byLimit, conflictsRefused,
                idReusedEvidence != null);
    }

    // ------------------------------------------------------------------------------------- step

    /** Feeds one input at time {@code nowMillis} and returns what to do. */
    public Output step(Input input, long nowMillis) {
        Objects.requireNonNull(input, "input");
        Step s = new Step(nowMillis);
        if (input instanceof Input.LocalUpdate u) {
            localUpdates(s, List.of(u));
            flush(s);
        } else if (input instanceof Input.LocalUpdates u) {
            localUpdates(s, u.updates());
            flush(s);
        } else if (input instanceof Input.Received r) {
            received(s, r.from(), r.message());
            if (!s.changes.isEmpty()) {
                retryParked(s);
            }
        } else if (input instanceof Input.Tick) {
            tick(s);
        } else if (input instanceof Input.PeerUp u) {
            peerUp(s, u.peer(), u.incarnation());
        } else if (input instanceof Input.PeerDown d) {
            peerDown(s, d.peer(), d.reason());
        } else if (input instanceof Input.Read r) {
            PeerState p = peers.get(r.from());
            if (p == null || !p.up) {
                s.reads.add(new Output.ReadResult(r.id(), r.from(), Output.ReadStatus.PEER_NOT_UP,
                        Optional.ofNullable(keys.get(r.key()))));
            } else {
                send(s, r.from(), p, new Message.ReadRequest(r.id(), r.key()));
            }
        } else if (input instanceof Input.Leave) {
            for (Map.Entry<ReplicaId, PeerState> e : peers.entrySet()) {
                if (e.getValue().up) {
                    send(s, e.getKey(), e.getValue(), new Message.Goodbye());
                }
            }
        }
        if (buffer.size() > config.bufferMaxEntries() || buffer.bytes() > config.bufferMaxBytes()) {
            boundBuffer(s);
        }
        return s.output(wakeup(nowMillis));
    }

    private void peerUp(Step s, ReplicaId id, long incarnation) {
        if (id.equals(self)) {
            return;
        }
        PeerState p = peers.get(id);
        if (p == null || p.incarnation != incarnation) {
            // New, or restarted: we cannot know what it kept, so it starts from a transfer.
            p = new PeerState();
            p.incarnation = incarnation;
            peers.put(id, p);
        } else if (p.up) {
            return; // a repeated view: nothing changed
        } else {
            // Back from unreachable: it kept what it acknowledged; whatever was in flight either
            // way may be lost, so resend from the acknowledged position, and restart transfers.
            p.up = true;
            p.resetSession();
        }
        flush(s);
        if (!reportUnreachable(s) && !reportedUnreachable.isEmpty()) {
            send(s, id, p, new Message.Unreachable(reportedUnreachable)); // it missed the last report
        }
    }

    private void peerDown(Step s, ReplicaId id, PeerDownReason reason) {
        PeerState p = peers.get(id);
        if (p == null) {
            return;
        }
        if (reason == PeerDownReason.UNREACHABLE) {
            p.up = false;
            p.resetSession();
        } else {
            peers.remove(id);
            collectGarbage();
        }
        reportUnreachable(s);
    }

    private void onReadRequest(Step s, ReplicaId from, PeerState p, Message.ReadRequest rq) {
        ReplicatedData<?> st = keys.get(rq.key());
        long exp = keys.expiryOf(rq.key());
        if (st != null && (ACCESS.entryCount(st) > config.maxEntriesPerMessage()
                || sizer.bytes(rq.key(), st) > config.maxMessageBytes())) {
            send(s, from, p, new Message.ReadReply(rq.id(), rq.key(), Optional.empty(), 0, true));
        } else {
            send(s, from, p, new Message.ReadReply(rq.id(), rq.key(), Optional.ofNullable(st), exp, false));
        }
    }

    /** Joins a read's answer into the key (read repair) and reports it. */
    private void onReadReply(Step s, ReplicaId from, PeerState p, Message.ReadReply rr) {
        String key = rr.key();
        if (rr.tooLarge()) {
            s.reads.add(new Output.ReadResult(rr.id(), from, Output.ReadStatus.TOO_LARGE,
                    Optional.ofNullable(keys.get(key))));
            return;
        }
        if (rr.state().isEmpty()) {
            s.reads.add(new Output.ReadResult(rr.id(), from, Output.ReadStatus.ABSENT,
                    Optional.ofNullable(keys.get(key))));
            return;
        }
        ReplicatedData<?> cur = keys.get(key);
        if (cur != null && cur.getClass() != rr.state().get().getClass()) {
            s.problems.add(from + " answered a read of '" + key + "' with a "
                    + rr.state().get().getClass().getSimpleName() + "; it holds a " + cur.getClass().getSimpleName());
            s.reads.add(new Output.ReadResult(rr.id(), from, Output.ReadStatus.TYPE_MISMATCH, Optional.of(cur)));
            return;
        }
        // Joined as a transfer joins a state (complete for that key, so no causal gap).
        Map<String, Long> exp = rr.expiresAt() > 0 ? Map.of(key, rr.expiresAt()) : Map.of();
        onStates(s, from, p, new Message.States(-1, false, Map.of(key, rr.state().get()), exp), true);
        s.reads.add(new Output.ReadResult(rr.id(), from, Output.ReadStatus.FOUND,
                Optional.ofNullable(keys.get(key))));
    }

    /** The known peers that are not reachable now, in id order. */
    private java.util.SortedSet<ReplicaId> unreachable() {
        java.util.TreeSet<ReplicaId> out = new java.util.TreeSet<>();
        peers.forEach((id, p) -> {
            if (!p.up) {
                out.add(id);
            }
        });
        return out;
    }

    /**
     * Tells every reachable peer which peers we cannot reach, if that changed since we last did;
     * returns whether it told them.
     */
    private boolean reportUnreachable(Step s) {
        java.util.SortedSet<ReplicaId> now = unreachable();
        if (now.equals(reportedUnreachable)) {
            return false;
        }
        reportedUnreachable = now;
        sendReport(s);
        return true;
    }

    private void sendReport(Step s) {
        reportedAt = s.now;
        for (Map.Entry<ReplicaId, PeerState> e : peers.entrySet()) {
            if (e.getValue().up) {
                send(s, e.getKey(), e.getValue(), new Message.Unreachable(reportedUnreachable));
            }
        }
    }

    /**
     * A peer reports whom it cannot reach: what came from those of them we reach is forwarded to
     * it from now on. No transfer: an earlier delta it missed either leaves a causal gap in what
     * we forward (it waits, then nacks and gets a transfer), is covered by a later delta of the
     * same origin (counters carry their replica's whole count, a register its latest write), or
     * reaches it from its origin when their link heals (the origin kept its position).
     */
    private void onUnreachable(Step s, ReplicaId from, PeerState p, Message.Unreachable u) {
        p.cannotReach = u.replicas();
    }

    /** Accumulates one step's output. */
    private static final class Step {
        final long now;
        final List<Output.Send> sends = new ArrayList<>();
        final List<Output.Change> changes = new ArrayList<>();
        final List<Output.Persist> persists = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        final List<String> expired = new ArrayList<>();
        final List<Output.Outcome> outcomes = new ArrayList<>();
        final List<Output.ReadResult> reads = new ArrayList<>();
        final List<Output.Refusal> refusals = new ArrayList<>();
        final List<Output.Contradiction> contradictions = new ArrayList<>();

        Step(long now) {
            this.now = now;
        }

        Output output(long wakeup) {
            return new Output(sends, changes, persists, outcomes, problems, expired, reads, wakeup, refusals,
                    contradictions);
        }
    }

    private long wakeup(long now) {
        long at = now + config.heartbeatIntervalMillis();
        for (PeerState p : peers.values()) {
            if (p.up && !p.quiet(buffer.next())) {
                at = now + config.syncIntervalMillis();
                break;
            }
        }
        long expiry = keys.nextExpiry();
        if (expiry != Long.MAX_VALUE) {
            at = Math.min(at, Math.max(expiry, now + 1));
        }
        return at;
    }

    private static ReplicatedData<?> join(ReplicatedData<?> a, ReplicatedData<?> b) {
        return (ReplicatedData<?>) ACCESS.join(a, b);
    }

    /** One key's part of a batch of local updates: its state before and after, their deltas joined. */
    private static final class Touched {
        /** The state before the batch; null for a new key. */
        final ReplicatedData<?> before;
        /** The state after the updates applied so far; null while a new key is still empty. */
        ReplicatedData<?> after;
        /** The join of the deltas to record; null while there is none. */
        ReplicatedData<?> delta;
        boolean changed;
        long expiresAt;
        /** The bytes of the deltas joined into {@link #delta}, summed: a bound on the join's. */
        long bytes;
        /** For a new key, the state it starts from ({@code KeyStates.fresh}); null until known. */
        ReplicatedData<?> fresh;

        Touched(ReplicatedData<?> before) {
            this.before = before;
            this.after = before;
        }
    }

    /**
     * Applies {@code updates} in order, then records each key they changed once, with the join
     * of its deltas. Every mutation runs before anything is published, so one that throws changes
     * nothing: a {@link RuntimeException} fails only its own update, an {@link Error} propagates
     * and leaves the machine as it was.
     */
    private void localUpdates(Step s, List<Input.LocalUpdate> updates) {
        localUpdatesRecorded(s, updates);
        // Every update of the step rests on the step's records (and those before): a peer that
        // acknowledged the position after them holds each one.
        for (int i = 0; i < s.outcomes.size(); i++) {
            if (s.outcomes.get(i) instanceof Output.Applied a) {
                s.outcomes.set(i, new Output.Applied(a.state(), buffer.next()));
            }
        }
    }

    private void localUpdatesRecorded(Step s, List<Input.LocalUpdate> updates) {
        Map<String, Touched> touched = new LinkedHashMap<>();
        for (Input.LocalUpdate u : updates) {
            if (refusedForReusedId(s)) {
                continue;
            }
            Touched t = touched.computeIfAbsent(u.key(), k -> new Touched(keys.get(k)));
            try {
                s.outcomes.add(new Output.Applied(localUpdate(s, u, t), -1));
            } catch (RuntimeException e) {
                s.outcomes.add(new Output.Failed(e));
            }
        }
        for (Map.Entry<String, Touched> e : touched.entrySet()) {
            Touched t = e.getValue();
            if (t.changed) {
                record(s, e.getKey(), t.before, t.after, createdDelta(t), self, t.expiresAt, t.bytes);
            } else if (t.delta != null) {
                // Nothing new, but the key was touched: renew its lease through a no-op record.
                if (keys.extendsExpiry(e.getKey(), t.expiresAt)) {
                    record(s, e.getKey(), t.before, t.before, t.delta, self, t.expiresAt, t.bytes);
                }
            }
        }
    }

    /**
     * The delta to record for {@code t}: for a key this step created, joined with the state it
     * started from, whose context covers this replica's dots up to the floor. So the first delta
     * of a key's new life removes, on a peer that has not expired it yet, what it holds of the old
     * one, and leaves no gap in front of its new dot.
     */
    private ReplicatedData<?> createdDelta(Touched t) {
        return t.before == null && t.fresh != null && keys.floor() > 0 ? join(t.fresh, t.delta) : t.delta;
    }

    /**
     * Runs one mutation on the key's state so far in this step and folds its delta into
     * {@code t}. Returns the state after the update; changes nothing if it throws.
     */
    private ReplicatedData<?> localUpdate(Step s, Input.LocalUpdate u, Touched t) {
        ReplicatedData<?> current = t.after;
        // A key created from empty starts above every dot this replica issued (KeyStates.fresh).
        ReplicatedData<?> base = current != null ? current : keys.fresh(u.bottom());
        if (base.getClass() != u.bottom().getClass()) {
            throw new io.converge.crdt.CrdtTypeMismatchException("key '" + u.key() + "' holds a "
                    + base.getClass().getSimpleName() + ", not a " + u.bottom().getClass().getSimpleName());
        }
        ReplicatedData<?> delta = Objects.requireNonNull(u.mutation().apply(base), "the mutation returned null");
        if (delta.getClass() != base.getClass()) {
            throw new io.converge.crdt.CrdtTypeMismatchException("the mutation of '" + u.key() + "' returned a "
                    + delta.getClass().getSimpleName());
        }
        long expiresAt = u.ttlMillis() > 0 ? s.now + u.ttlMillis() : 0;
        // Refused before anything changes: a delta that cannot travel (no codec, a value the codec
        // refuses to encode, which the sizer throws as a typed EncodeException, or one entry above
        // the message bound) would diverge from every peer, silently. A throw fails this update only.
        long bytes = sizer.bytes(u.key(), delta);
        if (bytes > config.maxMessageBytes() && ACCESS.entryCount(delta) <= 1) {
            throw new io.converge.crdt.ValueTooLargeException(u.key(), bytes, config.maxMessageBytes());
        }
        // One join decides both: δ ⊑ X ⇔ X ⊔ δ = X (the built-in joins return X itself then).
        ReplicatedData<?> after = join(base, delta);
        boolean changed = after != base && !after.equals(base);
        if (!changed && (expiresAt == 0 || current == null)) {
            return current == null ? u.bottom() : base; // nothing new and no lease to renew
        }
        if (current == null) {
            t.fresh = base;
        }
        // Several updates of a key in one step travel as one delta: X ⊔ δ1 ⊔ δ2 = X ⊔ (δ1 ⊔ δ2).
        t.delta = t.delta == null ? delta : join(t.delta, delta);
        t.bytes += bytes;
        t.expiresAt = Math.max(t.expiresAt, expiresAt);
        if (changed) {
            t.after = after;
            t.changed = true;
        }
        return t.after;
    }

    /** Publishes a changed state, buffers and persists its delta, reports the change. */
    private void record(Step s, String key, ReplicatedData<?> before, ReplicatedData<?> after, ReplicatedData<?> delta,
            ReplicaId origin, long expiresAt) {
        record(s, key, before, after, delta, origin, expiresAt, -1);
    }

    private void record(Step s, String key, ReplicatedData<?> before, ReplicatedData<?> after, ReplicatedData<?> delta,
            ReplicaId origin, long expiresAt, long bytes) {
        // Measured before anything changes: the buffer is bounded in these bytes.
        long size = bytes >= 0 ? bytes : sizer.bytes(key, delta);
        expiresAt = keys.put(key, after, expiresAt);
        long seq = buffer.append(key, delta, origin, expiresAt, size);
        s.persists.add(new Output.Persist(seq, key, delta, expiresAt));
        s.changes.add(new Output.Change(key, Optional.ofNullable(before), after, delta,
                origin.equals(self) ? Optional.empty() : Optional.of(origin)));
    }

    // ---------------------------------------------------------------------------------- receive

    private void received(Step s, ReplicaId from, Message m) {
        if (from.equals(self)) {
            s.problems.add("message from our own replica id " + self + " ignored: " + m.getClass().getSimpleName());
            return;
        }
        if (m.entries() > config.maxEntriesPerMessage()) {
            s.problems.add(from + " sent " + m.entries() + " entries, above the limit of " + config.maxEntriesPerMessage());
            return;
        }
        PeerState p = peers.get(from);
        if (p == null || !p.up) {
            // Not admitted (or out of the view): a late frame is no sign of life.
            droppedFromUnknownPeers++;
            return;
        }
        if (m instanceof Message.Goodbye) {
            peerDown(s, from, PeerDownReason.LEFT);
            return;
        }
        if (m instanceof Message.Unreachable u) {
            onUnreachable(s, from, p, u);
            return;
        }
        if (m instanceof Message.ReadRequest rq) {
            onReadRequest(s, from, p, rq);
            return;
        }
        if (m instanceof Message.ReadReply rr) {
            onReadReply(s, from, p, rr);
            return;
        }
        if (m instanceof Message.Deltas d) {
            onDeltas(s, from, d);
        } else if (m instanceof Message.Ack a) {
            if (a.upTo() > buffer.next()) {
                s.problems.add(from + " acknowledged " + a.upTo() + " beyond our sequence " + buffer.next());
                return;
            }
            p.acked = Math.max(p.acked, a.upTo());
            if (p.unpinned && p.acked >= buffer.start()) {
                p.unpinned = false; // caught up before the buffer was trimmed past it
            }
            // A transfer ends only on its own acknowledgement: a late one of an older transfer
            // (restarted since) must not end it while the peer still waits for its states.
            if ((p.out instanceof PeerState.Outbound.Interval i && a.upTo() >= i.end())
                    || (p.out instanceof PeerState.Outbound.Transfer t && a.transfer() == t.id() && a.upTo() >= t.upTo())) {
                p.out = PeerState.Outbound.IDLE;
            }
            collectGarbage();
            flush(s);
        } else if (m instanceof Message.Nack) {
            onNack(s, from, p);
        } else if (m instanceof Message.Offer o) {
            onOffer(s, from, p, o);
        } else if (m instanceof Message.Request r) {
            onRequest(s, from, p, r);
        } else if (m instanceof Message.States st) {
            onStates(s, from, p, st);
        } else if (m instanceof Message.StatePart part) {
            onStatePart(s, from, p, part);
        } else if (m instanceof Message.Heartbeat h) {
            if (p.quiet(buffer.next()) && h.storeDigest() != keys.digest()
                    && mayStartTransferFor(s, from, p, "a heartbeat digest mismatch")) {
                // Both sides say they are done, yet the stores differ: repair with a transfer.
                startTransfer(s, from, p, TransferReason.DIGEST_REPAIR);
            }
        }
    }

    private void onDeltas(Step s, ReplicaId from, Message.Deltas d) {
        // Check everything before changing anything: a rejected interval changes nothing.
        Map<String, ReplicatedData<?>> joined = new LinkedHashMap<>();
        for (Map.Entry<String, ReplicatedData<?>> e : d.deltas().entrySet()) {
            if (KeyStates.expired(d.expiries(), e.getKey(), s.now)) {
                continue; // a copy of an expired key: dropping it is what keeps it dead
            }
            ReplicatedData<?> cur = keys.get(e.getKey());
            ReplicatedData<?> delta = e.getValue();
            if (cur != null && cur.getClass() != delta.getClass()) {
                s.problems.add(from + " sent a " + delta.getClass().getSimpleName() + " for key '" + e.getKey()
                        + "' holding a " + cur.getClass().getSimpleName() + "; interval rejected");
                return;
            }
            if (refused(s, from, e.getKey(), cur, delta, d.expiries())) {
                continue;
            }
            ReplicatedData<?> after = cur == null ? delta : join(cur, delta);
            if (after instanceof CausalCrdt<?> c && !c.context().isCompact()
                    && (cur == null || ((CausalCrdt<?>) cur).context().isCompact())) {
                gap(s, from, d);
                return;
            }
            joined.put(e.getKey(), after);
        }
        for (Map.Entry<String, ReplicatedData<?>> e : joined.entrySet()) {
            ReplicatedData<?> cur = keys.get(e.getKey());
            ReplicatedData<?> after = e.getValue();
            long expiresAt = d.expiries().getOrDefault(e.getKey(), 0L);
            if ((after != cur && (cur == null || !after.equals(cur))) || keys.extendsExpiry(e.getKey(), expiresAt)) {
                // Buffer only what the delta added here (crdt.md §5): forwarding the delta whole
                // would send its target writes that it already holds, again and again.
                ReplicatedData<?> received = d.deltas().get(e.getKey());
                ReplicatedData<?> novel = cur == null ? received
                        : (ReplicatedData<?>) ACCESS.novelPart(cur, received);
                record(s, e.getKey(), cur, after, novel, from, expiresAt);
            }
        }
        PeerState p = peers.get(from);
        if (p != null) {
            p.gapSince = -1;
            p.parked = null;
        }
        s.sends.add(new Output.Send(from, new Message.Ack(d.end())));
    }

    /**
     * An interval that builds on deltas we lack. Usually they are on their way from their origin
     * (a peer does not forward a live origin's deltas), so the interval waits for them and is
     * joined as soon as they arrive; if the peer's intervals keep leaving a gap for an ack
     * timeout, we ask for a transfer.
     */
    private void gap(Step s, ReplicaId from, Message.Deltas d) {
        PeerState p = peers.get(from);
        if (p.gapSince < 0) {
            p.gapSince = s.now;
        }
        if (s.now - p.gapSince >= config.ackTimeoutMillis()) {
            p.gapSince = -1;
            p.parked = null;
            s.sends.add(new Output.Send(from, new Message.Nack(d.end())));
        } else {
            p.parked = d;
        }
    }

    /** Joins the parked intervals whose gaps the step's changes filled. */
    private void retryParked(Step s) {
        boolean progress = true;
        while (progress) {
            progress = false;
            for (Map.Entry<ReplicaId, PeerState> e : new ArrayList<>(peers.entrySet())) {
                PeerState p = e.getValue();
                Message.Deltas d = p.parked;
                if (d == null) {
                    continue;
                }
                p.parked = null;
                int before = s.sends.size();
                onDeltas(s, e.getKey(), d);
                if (p.parked == null && s.sends.size() > before) {
                    progress = true; // joined (and acknowledged), or given up with a Nack
                }
            }
        }
    }

    private void onOffer(Step s, ReplicaId from, PeerState p, Message.Offer o) {
        PeerState.Inbound.Receiving in;
        if (p.in instanceof PeerState.Inbound.Receiving r && r.id == o.transfer()) {
            in = r;
        } else {
            if (o.transfer() <= p.newestIncomingTransfer) {
                return; // a late chunk of an abandoned or finished transfer
            }
            p.newestIncomingTransfer = o.transfer();
            if (o.seq() != 0) {
                return; // its first message was lost: the sender restarts it after a timeout
            }
            in = new PeerState.Inbound.Receiving(o.transfer(), o.upTo(), s.now);
            p.in = in;
        }
        if (!inSequence(p, in, o.seq(), s.now)) {
            return;
        }
        List<String> wanted = new ArrayList<>();
        // One cached digest compared per offered key; only the keys that differ are requested.
        o.digests().forEach((key, digest) -> {
            if (!keys.holds(key, digest)) {
                wanted.add(key);
            }
        });
        if (o.last()) {
            in.offerDone = true;
        }
        if (!wanted.isEmpty()) {
            in.requests++;
            s.sends.add(new Output.Send(from, new Message.Request(o.transfer(), o.last(), wanted)));
        }
        completeIncoming(s, from, p);
    }

    /**
     * Whether message {@code seq} of the incoming transfer {@code in} is the next one; a duplicate
     * is ignored, and a gap (a message was lost) abandons the transfer, which the sender restarts:
     * completing it would acknowledge a position without what the lost message carried.
     */
    private static boolean inSequence(PeerState p, PeerState.Inbound.Receiving in, long seq, long now) {
        if (seq < in.expectedSeq) {
            return false;
        }
        if (seq > in.expectedSeq) {
            p.in = PeerState.Inbound.IDLE;
            return false;
        }
        in.expectedSeq++;
        in.touchedAt = now;
        return true;
    }

    private void completeIncoming(Step s, ReplicaId from, PeerState p) {
        if (p.in instanceof PeerState.Inbound.Receiving in && in.complete()) {
            s.sends.add(new Output.Send(from, new Message.Ack(in.upTo, in.id)));
            p.in = PeerState.Inbound.IDLE;
        }
    }

    private void onRequest(Step s, ReplicaId to, PeerState p, Message.Request r) {
        if (!(p.out instanceof PeerState.Outbound.Transfer t) || r.transfer() != t.id()) {
            return;
        }
        if (t.requestsAnswered >= t.offerChunks) {
            // A receiver asks once per offer chunk: more would make us send the same states again.
            refuse(s, to, Limit.REQUESTS_PER_TRANSFER, "request " + (t.requestsAnswered + 1) + " for transfer "
                    + t.id() + " of " + t.offerChunks + " offer chunks ignored");
            return;
        }
        t.requestsAnswered++;
        t.touch(s.now);
        Map<String, ReplicatedData<?>> chunk = new LinkedHashMap<>();
        Map<String, Long> chunkExpiries = new HashMap<>();
        List<String> requested = r.keys();
        int partsSent = 0;
        int chunkEntries = 0;
        long chunkBytes = 0;
        for (String k : requested) {
            ReplicatedData<?> st = keys.get(k);
            if (st == null) {
                continue;
            }
            int n = ACCESS.entryCount(st);
            long b = n > config.maxEntriesPerMessage() ? Long.MAX_VALUE : sizer.bytes(k, st);
            if (n > config.maxEntriesPerMessage() || b > config.maxMessageBytes()) {
                // Too large for one message: send it in parts, assembled before it is joined.
                List<Object> parts = partsThatFit(k, st);
                if (parts == null) {
                    s.problems.add("key '" + k + "' holds an entry larger than a message ("
                            + config.maxMessageBytes() + " bytes): not sent to " + to);
                    continue;
                }
                long exp = keys.expiryOf(k);
                for (int i = 0; i < parts.size(); i++) {
                    send(s, to, p, new Message.StatePart(r.transfer(), k, i, parts.size(),
                            (ReplicatedData<?>) parts.get(i), exp, t.nextSeq()));
                }
                partsSent += parts.size();
                continue;
            }
            if (!chunk.isEmpty() && (chunkEntries + n > config.maxEntriesPerMessage()
                    || chunkBytes + b > config.maxMessageBytes())) {
                send(s, to, p, new Message.States(r.transfer(), false, chunk, chunkExpiries, 0, t.nextSeq()));
                chunk = new LinkedHashMap<>();
                chunkExpiries = new HashMap<>();
                chunkEntries = 0;
                chunkBytes = 0;
            }
            chunk.put(k, st);
            chunkEntries += n;
            chunkBytes += b;
            long e = keys.expiryOf(k);
            if (e > 0) {
                chunkExpiries.put(k, e);
            }
        }
        send(s, to, p, new Message.States(r.transfer(), true, chunk, chunkExpiries, partsSent, t.nextSeq()));
    }

    /**
     * {@code state} cut into parts that each fit one message, in entries and in bytes; null if
     * some single entry is larger than a message (it cannot travel at all).
     */
    private List<Object> partsThatFit(String key, ReplicatedData<?> state) {
        List<Object> out = new ArrayList<>();
        ArrayDeque<Object> work = new ArrayDeque<>(ACCESS.split(state, config.maxEntriesPerMessage()));
        while (!work.isEmpty()) {
            Object part = work.pollFirst();
            if (sizer.bytes(key, (ReplicatedData<?>) part) <= config.maxMessageBytes()) {
                out.add(part);
                continue;
            }
            int n = ACCESS.entryCount(part);
            List<Object> halves = n > 1 ? ACCESS.split(part, (n + 1) / 2) : List.of(part);
            if (halves.size() < 2) {
                return null;
            }
            for (int i = halves.size() - 1; i >= 0; i--) {
                work.addFirst(halves.get(i));
            }
        }
        return out;
    }

    private void onStates(Step s, ReplicaId from, PeerState p, Message.States st) {
        onStates(s, from, p, st, false);
    }

    /**
     * Drops the peer's incoming transfer with all assembled for it: a bound refused its parts. It
     * is not acknowledged, so the sender restarts it after its ack timeout.
     */
    private void refuseIncoming(Step s, ReplicaId from, PeerState p, PeerState.Inbound.Receiving in, Limit limit,
            String detail) {
        refuse(s, from, limit, detail + "; transfer " + in.id + " dropped");
        p.in = PeerState.Inbound.IDLE;
    }

    /** Joins full states; {@code outsideTransfer} for states that answer a read. */
    private void onStates(Step s, ReplicaId from, PeerState p, Message.States st, boolean outsideTransfer) {
        PeerState.Inbound.Receiving in = p.in instanceof PeerState.Inbound.Receiving r ? r : null;
        if (!outsideTransfer && (in == null || st.transfer() != in.id || !inSequence(p, in, st.seq(), s.now))) {
            return;
        }
        for (Map.Entry<String, ReplicatedData<?>> e : st.states().entrySet()) {
            if (KeyStates.expired(st.expiries(), e.getKey(), s.now)) {
                continue;
            }
            ReplicatedData<?> cur = keys.get(e.getKey());
            ReplicatedData<?> incoming = e.getValue();
            if (cur != null && cur.getClass() != incoming.getClass()) {
                s.problems.add(from + " sent a " + incoming.getClass().getSimpleName() + " for key '" + e.getKey()
                        + "' holding a " + cur.getClass().getSimpleName() + "; key skipped");
                continue;
            }
            if (refused(s, from, e.getKey(), cur, incoming, st.expiries())) {
                continue;
            }
            ReplicatedData<?> after = cur == null ? incoming : join(cur, incoming);
            long expiresAt = st.expiries().getOrDefault(e.getKey(), 0L);
            if ((after != cur && (cur == null || !after.equals(cur))) || keys.extendsExpiry(e.getKey(), expiresAt)) {
                // Record, log and forward what the state added here, found from the entries that
                // differ: a large key that differs in a few entries is not logged whole.
                ReplicatedData<?> novel = cur == null ? incoming : (ReplicatedData<?>) ACCESS.novelPart(cur, incoming);
                record(s, e.getKey(), cur, after, novel, from, expiresAt);
            }
        }
        if (st.last()) {
            in.answers++;
            in.partsExpected += st.parts();
            completeIncoming(s, from, p);
        }
    }

    /**
     * Whether {@code incoming} for {@code key} must not be joined (see {@code Integrity}): then
     * it is reported in the output and the rest of its message goes on. Refusing only that key
     * keeps one bad key from blocking the others; a refused delta leaves that key's later deltas
     * from the peer with a gap, so they end in a nack and a transfer, whose state for the key is
     * checked again (a corrupted frame is repaired then; a reused id stays refused and reported).
     */
    private boolean refused(Step s, ReplicaId from, String key, ReplicatedData<?> cur, ReplicatedData<?> incoming,
            Map<String, Long> expiries) {
        boolean ttl = expiries.getOrDefault(key, 0L) > 0 || keys.expiryOf(key) > 0;
        Output.Contradiction r = Integrity.check(self, from, key, cur, incoming, ttl, keys.floor());
        if (r == null) {
            return false;
        }
        if (r instanceof Output.ReplicaIdReused reused && idReusedEvidence == null) {
            idReusedEvidence = from + " sent '" + key + "': " + reused.evidence();
        } else if (r instanceof Output.ConflictingInput) {
            conflictsRefused++;
        }
        s.contradictions.add(r);
        return true;
    }

    /** Fails a local update once this replica's id is known to be reused; whether it did. */
    private boolean refusedForReusedId(Step s) {
        if (idReusedEvidence == null) {
            return false;
        }
        s.outcomes.add(new Output.Failed(new io.converge.crdt.ReplicaIdReusedException(self, idReusedEvidence)));
        return true;
    }

    private void onStatePart(Step s, ReplicaId from, PeerState p, Message.StatePart part) {
        if (!(p.in instanceof PeerState.Inbound.Receiving in) || part.transfer() != in.id
                || !inSequence(p, in, part.seq(), s.now)) {
            return;
        }
        if (part.parts() > config.maxPartsPerKey()) {
            refuseIncoming(s, from, p, in, Limit.PARTS_PER_KEY, "'" + part.key() + "' announced in " + part.parts()
                    + " parts, above the bound of " + config.maxPartsPerKey());
            return;
        }
        PeerState.Inbound.Assembly got = in.parts.get(part.key());
        if (got != null && (got.parts != part.parts() || got.received.containsKey(part.part()))) {
            if (got.parts != part.parts()) {
                s.problems.add(from + " sent part counts " + got.parts + " and " + part.parts() + " for '" + part.key() + "'");
            }
            return; // a duplicate
        }
        // Held only within the bounds, counting the key and some overhead, so empty parts cost too.
        long b = sizer.bytes(part.key(), part.value()) + keyBytes(part.key()) + 64;
        if (in.assemblyBytes + b > config.assemblyMaxBytesPerTransfer()) {
            refuseIncoming(s, from, p, in, Limit.ASSEMBLY_BYTES_PER_TRANSFER, "parts of transfer " + in.id
                    + " above the bound of " + config.assemblyMaxBytesPerTransfer() + " bytes");
            return;
        }
        if (assemblyBytes() + b > config.assemblyMaxBytes()) {
            refuseIncoming(s, from, p, in, Limit.ASSEMBLY_BYTES_TOTAL, "parts of all transfers above the bound of "
                    + config.assemblyMaxBytes() + " bytes");
            return;
        }
        if (got == null) {
            got = new PeerState.Inbound.Assembly(part.parts());
            in.parts.put(part.key(), got);
        }
        got.received.put(part.part(), part.value());
        got.bytes += b;
        in.assemblyBytes += b;
        in.partsReceived++;
        if (got.received.size() < got.parts) {
            return;
        }
        in.parts.remove(part.key());
        in.assemblyBytes -= got.bytes;
        List<Object> ordered = new ArrayList<>(got.parts);
        for (int i = 0; i < got.parts; i++) {
            ordered.add(got.received.get(i));
        }
        ReplicatedData<?> whole;
        try {
            whole = (ReplicatedData<?>) ACCESS.assemble(ordered);
            whole.checkInvariants();
        } catch (RuntimeException e) {
            s.problems.add(from + " sent parts of '" + part.key() + "' that do not assemble: " + e.getMessage());
            return;
        }
        Map<String, Long> exp = part.expiresAt() > 0 ? Map.of(part.key(), part.expiresAt()) : Map.of();
        // The parts were checked in sequence as they came; the whole joins as one state.
        onStates(s, from, p, new Message.States(part.transfer(), false, Map.of(part.key(), whole), exp), true);
        completeIncoming(s, from, p);
    }

    // ------------------------------------------------------------------------------------- send

    private void send(Step s, ReplicaId to, PeerState p, Message m) {
        s.sends.add(new Output.Send(to, m));
    }

    private void startTransfer(Step s, ReplicaId to, PeerState p, TransferReason reason) {
        transfers[reason.ordinal()]++;
        PeerState.Outbound.Transfer t = new PeerState.Outbound.Transfer(++transferIds, buffer.next(), s.now);
        p.out = t;
        p.unpinned = false; // it pins the buffer again, from what the transfer covers
        // Built in key order, as the offer keeps it: the offer then copies it without sorting again.
        Map<String, Long> chunk = new TreeMap<>();
        long chunkBytes = 0;
        // O(keys) lookups: each key's digest was taken when its state was stored (KeyStates).
        Iterator<Map.Entry<String, KeyStates.Held>> it = keys.entries().iterator();
        while (it.hasNext()) {
            Map.Entry<String, KeyStates.Held> e = it.next();
            long b = keyBytes(e.getKey()) + 8;
            if (!chunk.isEmpty() && (chunk.size() == config.maxEntriesPerMessage()
                    || chunkBytes + b > config.maxMessageBytes())) {
                send(s, to, p, new Message.Offer(t.id(), t.upTo(), false, chunk, t.nextSeq()));
                t.offerChunks++;
                chunk = new TreeMap<>();
                chunkBytes = 0;
            }
            chunk.put(e.getKey(), e.getValue().digest());
            chunkBytes += b;
        }
        send(s, to, p, new Message.Offer(t.id(), t.upTo(), true, chunk, t.nextSeq()));
        t.offerChunks++;
    }

    /** Sends every peer with nothing in flight what it lacks. */
    private void flush(Step s) {
        for (Map.Entry<ReplicaId, PeerState> e : peers.entrySet()) {
            PeerState p = e.getValue();
            if (!p.up || p.out != PeerState.Outbound.IDLE) {
                continue;
            }
            if (p.acked < 0 || p.acked < buffer.start()) {
                startTransfer(s, e.getKey(), p, p.acked < 0 ? TransferReason.NEW_PEER : TransferReason.BEHIND_BUFFER);
            } else if (p.acked < buffer.next()) {
                sendInterval(s, e.getKey(), p);
            }
        }
    }

    /**
     * Whether an interval to {@code to} carries buffered delta {@code b}: never back to its origin,
     * and a received delta only while its origin is not a live peer of ours. A live origin sends
     * its deltas to every peer itself (the mesh is full), so forwarding them only multiplies the
     * traffic; once the origin is down its deltas are forwarded again, and whatever a peer still
     * misses is repaired when heartbeat digests differ.
     */
    private boolean carries(DeltaBuffer.Entry b, ReplicaId to) {
        ReplicaId origin = b.origin;
        if (origin.equals(to)) {
            return false;
        }
        if (origin.equals(self)) {
            return true;
        }
        PeerState o = peers.get(origin);
        if (o == null || !o.up) {
            return true;
        }
        PeerState receiver = peers.get(to);
        return receiver != null && receiver.cannotReach.contains(origin);
    }

    /** An upper bound of a key name's bytes in a message (UTF-8 and its length prefix). */
    private static long keyBytes(String key) {
        return 3L * key.length() + 5;
    }

    /** Sends {@code Δ[A[j], m)} with the largest {@code m} that fits one message. */
    private void sendInterval(Step s, ReplicaId to, PeerState p) {
        if (p.acked < buffer.start()) {
            // What it lacks was evicted: only a transfer can bring it.
            startTransfer(s, to, p, TransferReason.BEHIND_BUFFER);
            return;
        }
        Map<String, ReplicatedData<?>> grouped = new HashMap<>();
        Map<String, Long> groupedExpiries = new HashMap<>();
        int entries = 0;
        long bytes = 0;
        long end = p.acked;
        Iterator<DeltaBuffer.Entry> it = buffer.from(p.acked);
        while (it.hasNext()) {
            DeltaBuffer.Entry b = it.next();
            // A key that expired here is dead everywhere (the receiver drops a copy on arrival),
            // and the engine may have forgotten its codec: its deltas are skipped.
            boolean carried = carries(b, to) && !(b.expiresAt > 0 && b.expiresAt <= s.now && keys.get(b.key) == null);
            if (carried && (ACCESS.entryCount(b.delta) > config.maxEntriesPerMessage()
                    || b.bytes > config.maxMessageBytes())) {
                if (grouped.isEmpty()) {
                    // A single delta above the cap: this peer gets a transfer, which splits it.
                    startTransfer(s, to, p, TransferReason.OVERSIZED_DELTA);
                    return;
                }
                break;
            }
            if (carried) {
                ReplicatedData<?> prev = grouped.get(b.key);
                ReplicatedData<?> joinedDelta = prev == null ? b.delta : join(prev, b.delta);
                int grown = entries - (prev == null ? 0 : ACCESS.entryCount(prev)) + ACCESS.entryCount(joinedDelta);
                // The sum of the deltas' sizes bounds their join's: a join never grows past its parts.
                long grownBytes = bytes + b.bytes;
                if (!grouped.isEmpty() && (grown > config.maxEntriesPerMessage()
                        || grownBytes > config.maxMessageBytes())) {
                    break; // the rest goes in the next interval
                }
                entries = grown;
                bytes = grownBytes;
                grouped.put(b.key, joinedDelta);
                if (b.expiresAt > 0) {
                    groupedExpiries.merge(b.key, b.expiresAt, Math::max);
                }
            }
            end = b.seq + 1;
        }
        if (grouped.isEmpty()) {
            // Everything pending came from that peer (back-propagation): it has it already.
            p.acked = end;
            collectGarbage();
            return;
        }
        p.out = new PeerState.Outbound.Interval(end, s.now);
        send(s, to, p, new Message.Deltas(p.acked, end, grouped, groupedExpiries));
    }

    private void tick(Step s) {
        keys.expire(s.now, s.expired); // nothing of an expired key is kept
        if (!reportedUnreachable.isEmpty() && s.now - reportedAt >= config.heartbeatIntervalMillis()) {
            sendReport(s); // reports can be lost: repeat while some peer is out of reach
        }
        for (Map.Entry<ReplicaId, PeerState> e : peers.entrySet()) {
            PeerState p = e.getValue();
            ReplicaId to = e.getKey();
            if (!p.up) {
                continue;
            }
            if (p.out instanceof PeerState.Outbound.Transfer t) {
                if (s.now - t.touchedAt() >= config.ackTimeoutMillis()) {
                    startTransfer(s, to, p, TransferReason.RESTARTED);
                }
            } else if (p.out instanceof PeerState.Outbound.Interval i) {
                if (s.now - i.sentAt() >= config.ackTimeoutMillis()) {
                    // Resent by the flush below: from the acknowledged position if it is still
                    // buffered, else (deltas evicted meanwhile) as a transfer.
                    p.out = PeerState.Outbound.IDLE;
                }
            } else if (p.quiet(buffer.next()) && s.now - p.lastHeartbeatAt >= config.heartbeatIntervalMillis()) {
                p.lastHeartbeatAt = s.now;
                send(s, to, p, new Message.Heartbeat(buffer.next(), keys.digest()));
            }
            if (p.in instanceof PeerState.Inbound.Receiving in && s.now - in.touchedAt >= 2 * config.ackTimeoutMillis()) {
                p.in = PeerState.Inbound.IDLE; // every wait has a bound: the sender restarts its transfer
            }
        }
        flush(s);
        collectGarbage();
    }

    /** Trims the buffer below the smallest position some peer still needs. */
    private void collectGarbage() {
        long keepFrom = buffer.next();
        for (PeerState p : peers.values()) {
            long pin = pinned(p);
            if (pin >= 0) {
                keepFrom = Math.min(keepFrom, pin);
            }
        }
        buffer.trimBelow(keepFrom);
    }

    /** The oldest buffer position {@code p} still needs, -1 if none. */
    private static long pinned(PeerState p) {
        if (p.unpinned) {
            return -1;
        }
        long pin = p.acked;
        if (p.out instanceof PeerState.Outbound.Transfer t) {
            pin = pin < 0 ? t.upTo() : Math.min(pin, t.upTo());
        }
        return pin;
    }

    /**
     * Holds the buffer within its bounds: while it is past one, the peers pinning its oldest delta
     * (those furthest behind: usually silent, or unreachable for long) stop pinning it, and it is
     * trimmed past them. Each gets a transfer when it is next reachable, which costs its store's
     * digests rather than our memory. A silent but reachable peer therefore holds at most the
     * bound, as DeltaCrdt's unbounded outstanding deltas did not.
     */
    private void boundBuffer(Step s) {
        collectGarbage();
        while (buffer.size() > 0
                && (buffer.size() > config.bufferMaxEntries() || buffer.bytes() > config.bufferMaxBytes())) {
            long oldest = buffer.start();
            boolean released = false;
            for (Map.Entry<ReplicaId, PeerState> e : peers.entrySet()) {
                long pin = pinned(e.getValue());
                if (pin >= 0 && pin <= oldest) {
                    e.getValue().unpinned = true;
                    released = true;
                    refuse(s, e.getKey(), Limit.BUFFER, "lags " + (buffer.next() - Math.max(pin, oldest))
                            + " buffered deltas, above the buffer's bounds (" + config.bufferMaxEntries() + " deltas, "
                            + config.bufferMaxBytes() + " bytes); it gets a full-state transfer instead");
                }
            }
            if (released) {
                collectGarbage();
            } else {
                buffer.trimBelow(oldest + 1); // pinned by no one: cannot happen after collectGarbage, never loop
            }
        }
    }

    /** Counts and reports what {@code limit} refused of {@code peer}'s. */
    private void refuse(Step s, ReplicaId peer, Limit limit, String detail) {
        refused[limit.ordinal()]++;
        s.refusals.add(new Output.Refusal(peer, limit, detail));
    }

    /**
     * Whether {@code p} may make us start one more transfer now (see
     * {@link SyncConfig#maxTransfersPerPeerPerMinute()}); refuses and reports it if not.
     */
    private boolean mayStartTransferFor(Step s, ReplicaId from, PeerState p, String cause) {
        if (p.mayStartTransfer(s.now, config.maxTransfersPerPeerPerMinute())) {
            return true;
        }
        refuse(s, from, Limit.TRANSFERS_PER_MINUTE, "a transfer for " + cause + " ignored: above "
                + config.maxTransfersPerPeerPerMinute() + " per minute");
        return false;
    }

    /**
     * The peer's intervals from us kept leaving a causal gap: it gets our store by transfer. A nack
     * while a transfer to it is under way is already answered by that transfer (it covers every
     * interval sent before it started); the rest are rate-limited, so a nack storm cannot make us
     * offer our whole store again and again.
     */
    private void onNack(Step s, ReplicaId from, PeerState p) {
        if (p.out instanceof PeerState.Outbound.Transfer) {
            return;
        }
        if (!mayStartTransferFor(s, from, p, "a nack")) {
            return;
        }
        p.acked = -1;
        startTransfer(s, from, p, TransferReason.NACK);
    }

    /**
     * Whether the machine keeps something about {@code key} without holding it: an interval
     * waiting for a causal gap to fill, or parts of a transfer being assembled. The engine
     * forgets what its codec learned about a key for which this and {@link #get} say no.
     */
    public boolean retains(String key) {
        Objects.requireNonNull(key, "key");
        for (PeerState p : peers.values()) {
            if (p.parked != null && p.parked.deltas().containsKey(key)) {
                return true;
            }
            if (p.in instanceof PeerState.Inbound.Receiving r && r.parts.containsKey(key)) {
                return true;
            }
        }
        return false;
    }

    /** Bytes of parts held for all incoming transfers. */
    private long assemblyBytes() {
        long total = 0;
        for (PeerState p : peers.values()) {
            if (p.in instanceof PeerState.Inbound.Receiving r) {
                total += r.assemblyBytes;
            }
        }
        return total;
    }
}
