package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.spi.FrameTransport;
import io.converge.crdt.engine.spi.Scheduler;
import io.converge.crdt.protocol.Input;
import io.converge.crdt.protocol.MachineStats;
import io.converge.crdt.protocol.Message;
import io.converge.crdt.protocol.Output;
import io.converge.crdt.protocol.PeerDownReason;
import io.converge.crdt.protocol.SyncMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one loop that runs a {@link SyncMachine}: the scheduler's sync loop is its mailbox (so the
 * machine needs no locks), timers come from the machine's {@code nextWakeupMillis}, records go to
 * the {@link Persistence} and the sends that depend on them wait until they are durable, frames
 * go through the {@link FrameStage}, changes go to the {@link ReadView} and to a sink. The
 * cluster transport, the in-memory network and the simulator all plug in through
 * {@link FrameTransport}, and the simulator supplies a {@link Scheduler} on virtual time: none of
 * them re-implements this loop.
 *
 * <h2>Group commit of local updates</h2>
 * {@link #update} only queues; one step on the loop takes every queued update (up to
 * {@code maxUpdatesPerStep}), applies them in queue order as one {@link Input.LocalUpdates}
 * input and carries out its one output: one call to the persistence for all their records, one
 * hand-off of changes, one release of sends, one timer check. Each update's future still
 * completes with its own state, and only once its step's records are durable. Messages and timers
 * queued meanwhile run between two such steps, so a stream of local writes cannot starve peers.
 *
 * <h2>Inbound work, bounded</h2>
 * What the transport reports (frames, peers up and down) waits in one queue of ours, in arrival
 * order, and the loop steps at most {@code maxInboundPerTurn} of it per turn before it yields, so
 * local updates and reads queued meanwhile run between turns: a flooding peer cannot starve them.
 * Frames wait only up to {@code inboundMaxBytes}; one beyond is dropped and counted (the protocol
 * resends), and a frame from a replica the transport has not reported up is dropped before it is
 * decoded, so forged sender ids cost neither memory nor decoding. Only a peer-up makes the
 * machine know a peer.
 *
 * <h2>A step that throws</h2>
 * Every step (local updates, received messages, ticks, peer events, reads, leaving) runs guarded:
 * anything thrown, {@link Error}s included (an exhausted heap), is logged, counted in
 * {@link SyncStats#stepsFailed()}, published as {@link ReplicatorEvent.StepFailed} and fails the
 * futures of what the step served (its updates, its read); the loop goes on.
 *
 * <h2>Leaving</h2>
 * {@link #close} stops taking updates, waits (bounded) until every reachable peer acknowledged
 * what this node buffered, then says goodbye ({@link Input.Leave}) so peers release it at once
 * instead of waiting for it as for a crashed node, and only then closes the transport.
 *
 * <p>Thread-safe: every method may be called from any thread; work is queued to the loop. Sends
 * are released in the order the machine produced them; a send, like an update's completion, waits
 * until the records of its own and of every earlier step are durable.
 */
final class SyncDriver implements FrameTransport.FrameReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(SyncDriver.class);

    private final SyncMachine machine;
    private final FrameStage frames;
    private final FrameTransport transport;
    private final Persistence persistence;
    private final ReadView view;
    private final Consumer<Output> changes;
    private final Scheduler scheduler;
    private final StepClock clock;
    /** Told of every exception caught below instead of escaping (see ReplicatorConfig). */
    private final Consumer<Throwable> failures;
    private final EventSink events;
    private final ConcurrentLinkedQueue<Queued> queued = new ConcurrentLinkedQueue<>();
    /** Whether a group-commit step is queued on the loop or running; at most one is. */
    private final AtomicBoolean draining = new AtomicBoolean();
    /** Completes once every record handed to the persistence so far is durable. */
    private CompletableFuture<Void> persisted = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> released = CompletableFuture.completedFuture(null);
    private Scheduler.Cancellable tick;
    private long tickAt = Long.MAX_VALUE;
    /** Waiters for acknowledgements, checked after every step. Loop-confined. */
    private final List<AckWaiter> ackWaiters = new ArrayList<>();
    /** Reads waiting for their answer, by id. Loop-confined. */
    private final java.util.Map<Long, PendingRead> reads = new java.util.HashMap<>();
    private long readIds;
    /** What the transport reported, waiting for the loop, in order. */
    private final ConcurrentLinkedQueue<InboundWork> inbound = new ConcurrentLinkedQueue<>();
    /** Bytes of the frames in {@link #inbound}. */
    private final AtomicLong inboundBytes = new AtomicLong();
    /** Whether a turn of inbound work is queued on the loop or running; at most one is. */
    private final AtomicBoolean inboundDraining = new AtomicBoolean();
    /** The peers the transport reported up: frames of others are dropped undecoded. */
    private final java.util.Set<ReplicaId> upPeers = ConcurrentHashMap.newKeySet();
    private final AtomicLong fromUnknownPeers = new AtomicLong();
    private final AtomicLong inboundDropped = new AtomicLong();
    private final AtomicLong stepsFailed = new AtomicLong();
    /** Per (peer, bound): when a refusal was last logged and published, and how many since. Loop-confined. */
    private final java.util.Map<RefusalKey, long[]> refusalLog = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<RefusalKey, long[]> eldest) {
            return size() > 1024;
        }
    };
    /** Set when the node is leaving: completed once it said goodbye. */
    private CompletableFuture<Void> leaving;
    /** No more updates are taken. */
    private volatile boolean closing;
    /** The loop no longer runs our work. */
    private volatile boolean stopped;
    /** Faults already logged and published, by kind, peer or cause, and key (see {@link #firstTime}). Loop-confined. */
    private final java.util.Set<List<Object>> reported = new java.util.HashSet<>();

    SyncDriver(SyncMachine machine, FrameStage frames, FrameTransport transport, Persistence persistence,
            ReadView view, Consumer<Output> changes, Scheduler scheduler, StepClock clock,
            Consumer<Throwable> failures, EventSink events) {
        this.machine = Objects.requireNonNull(machine, "machine");
        this.frames = Objects.requireNonNull(frames, "frames");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.persistence = Objects.requireNonNull(persistence, "persistence");
        this.view = Objects.requireNonNull(view, "view");
        this.changes = Objects.requireNonNull(changes, "changes");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.events = Objects.requireNonNull(events, "events");
    }

    /** Connects the transport and arms the first timer. */
    void start() {
        transport.start(machine.self(), this);
        execute(() -> scheduleTick(clock.wall() + 1));
    }

    /**
     * Queues a local update for the loop. The future completes with the key's state right after
     * this update, once the records of its step are durable; or exceptionally with the mutation's
     * exception (the update then changed nothing, and the others of its step still apply), or
     * with {@link IllegalStateException} if the driver closes first.
     */
    CompletableFuture<Output.Applied> update(Input.LocalUpdate update) {
        Objects.requireNonNull(update, "update");
        CompletableFuture<Output.Applied> result = new CompletableFuture<>();
        if (closing) {
            result.completeExceptionally(closedException());
            return result;
        }
        queued.add(new Queued(update, result));
        if (draining.compareAndSet(false, true) && !execute(this::applyQueued)) {
            failQueued(); // stopped, and no step of ours is queued or running
        }
        if (stopped) {
            failQueued(); // queued after close() failed what it found
        }
        return result;
    }

    /** A local update waiting for the loop, and its caller's future. */
    private record Queued(Input.LocalUpdate update, CompletableFuture<Output.Applied> result) {
    }

    /**
     * One group-commit step, on the loop: takes up to {@code maxUpdatesPerStep} queued updates,
     * applies them in one machine step and carries out its output; then yields the loop (so
     * messages and timers queued meanwhile run between steps) and comes back for the rest.
     */
    private void applyQueued() {
        int max = machine.config().maxUpdatesPerStep();
        List<Input.LocalUpdate> updates = new ArrayList<>(Math.min(max, 64));
        List<CompletableFuture<Output.Applied>> results = new ArrayList<>(Math.min(max, 64));
        Queued q;
        while (updates.size() < max && (q = queued.poll()) != null) {
            updates.add(q.update());
            results.add(q.result());
        }
        try {
            if (!updates.isEmpty()) {
                stepUpdates(updates, results);
            }
        } finally {
            if (!queued.isEmpty()) {
                if (!execute(this::applyQueued)) {
                    failQueued();
                }
            } else {
                draining.set(false);
                // An update queued after the poll above but before the flag fell found it set.
                if (!queued.isEmpty() && draining.compareAndSet(false, true) && !execute(this::applyQueued)) {
                    failQueued();
                } else if (leaving != null) {
                    leaveIfFlushed();
                }
            }
        }
    }

    private void stepUpdates(List<Input.LocalUpdate> updates, List<CompletableFuture<Output.Applied>> results) {
        Output out;
        try {
            out = step(new Input.LocalUpdates(updates));
        } catch (RuntimeException | Error e) {
            // An Error thrown by a mutation (the machine runs every mutation before it changes
            // anything, so it is as it was), or a bug: no update of this step was applied.
            stepFailed("a step of " + updates.size() + " local updates (none applied)", e);
            for (CompletableFuture<Output.Applied> r : results) {
                r.completeExceptionally(e);
            }
            return;
        }
        try {
            carryOut(out, results);
        } catch (RuntimeException | Error e) {
            stepFailed("carrying out a step of " + updates.size() + " local updates", e);
            for (CompletableFuture<Output.Applied> r : results) {
                r.completeExceptionally(e); // no-op for those already completed
            }
        }
    }

    private void carryOut(Output out, List<CompletableFuture<Output.Applied>> results) {
        List<Output.Outcome> outcomes = out.outcomes();
        boolean anyApplied = false;
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) instanceof Output.Failed f) {
                results.get(i).completeExceptionally(f.error()); // changed nothing: no need to wait
            } else {
                anyApplied = true;
            }
        }
        CompletableFuture<Void> durable = handle(out);
        if (anyApplied) {
            durable.whenComplete((v, err) -> {
                for (int i = 0; i < outcomes.size(); i++) {
                    if (outcomes.get(i) instanceof Output.Applied a) {
                        if (err != null) {
                            results.get(i).completeExceptionally(err);
                        } else {
                            results.get(i).complete(a);
                        }
                    }
                }
            });
        }
    }

    /** One machine step at the step clock's time; the clock reads that time throughout. */
    private Output step(Input input) {
        long now = clock.begin();
        try {
            return machine.step(input, now);
        } finally {
            clock.end();
        }
    }

    private void failQueued() {
        Queued q;
        while ((q = queued.poll()) != null) {
            q.result().completeExceptionally(closedException());
        }
    }

    private static IllegalStateException closedException() {
        return new IllegalStateException("the replicator is closed");
    }

    /** One report of the transport waiting for the loop: a frame's message, or a peer event. */
    private record InboundWork(Input input, FrameStage.Decoded decoded, int bytes) {
    }

    /** A peer and a bound, for rate-limiting what is logged of its refusals. */
    private record RefusalKey(ReplicaId peer, io.converge.crdt.protocol.Limit limit) {
    }

    @Override
    public void received(ReplicaId from, byte[] frame) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(frame, "frame");
        if (!upPeers.contains(from)) {
            long n = fromUnknownPeers.incrementAndGet();
            if (n == 1 || n % 1024 == 0) {
                LOG.warn("{}: dropped a frame from {}, which the transport has not reported up ({} so far)",
                        machine.self(), from, n);
            }
            return;
        }
        // Reserved before decoding, so a flood costs no decoding once the queue is full.
        long max = machine.config().inboundMaxBytes();
        int cost = queuedCost(frame.length);
        long queued;
        do {
            queued = inboundBytes.get();
            if (queued + cost > max) {
                long n = inboundDropped.incrementAndGet();
                if (n == 1 || n % 1024 == 0) {
                    LOG.warn("{}: inbound queue full ({} of {} bytes): dropped a frame of {} bytes from {} ({} so far)",
                            machine.self(), queued, max, frame.length, from, n);
                    events.publish(new ReplicatorEvent.InboundDropped(machine.self(), from, n));
                }
                return;
            }
        } while (!inboundBytes.compareAndSet(queued, queued + cost));
        FrameStage.Decoded d;
        try {
            d = frames.decode(from, frame);
        } catch (RuntimeException | Error e) {
            inboundBytes.addAndGet(-cost);
            throw e;
        }
        if (d == null) {
            inboundBytes.addAndGet(-cost);
            return;
        }
        enqueue(new InboundWork(new Input.Received(from, d.message()), d, cost));
    }

    /**
     * What a received frame is charged against {@code inboundMaxBytes} while it waits: an estimate
     * of the heap its decoded message holds, not its wire size. A 9-byte nack costs about 175
     * bytes once decoded and queued, and a decoded value several times its encoding, so charging
     * frame bytes let a flood of small frames hold over a gigabyte under a 64 MiB bound.
     */
    static int queuedCost(int frameBytes) {
        return (int) Math.min(Integer.MAX_VALUE, QUEUED_FRAME_OVERHEAD_BYTES + (long) DECODED_BYTES_PER_FRAME_BYTE * frameBytes);
    }

    /** Queue node, work item, input and message objects of one queued frame, rounded up. */
    static final int QUEUED_FRAME_OVERHEAD_BYTES = 256;
    /** Heap bytes a decoded value holds per byte of its encoding, rounded up from measured sets and maps. */
    static final int DECODED_BYTES_PER_FRAME_BYTE = 8;

    @Override
    public void peerUp(ReplicaId peer, long incarnation) {
        LOG.info("{}: peer {} up (incarnation {})", machine.self(), peer, incarnation);
        upPeers.add(peer);
        enqueue(new InboundWork(new Input.PeerUp(peer, incarnation), null, 0));
    }

    @Override
    public void peerDown(ReplicaId peer, PeerDownReason reason) {
        LOG.info("{}: peer {} down ({})", machine.self(), peer, reason);
        upPeers.remove(peer);
        enqueue(new InboundWork(new Input.PeerDown(peer, reason), null, 0));
    }

    private void enqueue(InboundWork w) {
        inbound.add(w);
        if (inboundDraining.compareAndSet(false, true) && !execute(this::drainInbound)) {
            dropInbound(); // stopped
        }
    }

    private void dropInbound() {
        InboundWork w;
        while ((w = inbound.poll()) != null) {
            inboundBytes.addAndGet(-w.bytes());
        }
    }

    /**
     * One turn of inbound work, on the loop: at most {@code maxInboundPerTurn} reports, each its
     * own guarded step; then it yields the loop (local updates, reads and timers queued meanwhile
     * run first) and comes back for the rest.
     */
    private void drainInbound() {
        int max = machine.config().maxInboundPerTurn();
        try {
            InboundWork w;
            for (int i = 0; i < max && (w = inbound.poll()) != null; i++) {
                inboundBytes.addAndGet(-w.bytes());
                stepInbound(w);
            }
        } finally {
            if (!inbound.isEmpty()) {
                if (!execute(this::drainInbound)) {
                    dropInbound();
                }
            } else {
                inboundDraining.set(false);
                // A report queued after the poll above but before the flag fell found it set.
                if (!inbound.isEmpty() && inboundDraining.compareAndSet(false, true) && !execute(this::drainInbound)) {
                    dropInbound();
                }
            }
        }
    }

    private void stepInbound(InboundWork w) {
        try {
            FrameStage.Decoded d = w.decoded();
            if (d == null) {
                handle(step(w.input()));
                return;
            }
            if (!frames.relearn(((Input.Received) w.input()).from(), d)) {
                return;
            }
            Output out = step(w.input());
            if (!d.codecs().isEmpty()) {
                frames.forgetUnjoined(d.codecs().keySet(), this::holds, machine::retains);
            }
            handle(out);
        } catch (RuntimeException | Error e) {
            stepFailed(describe(w.input()), e);
        }
    }

    private boolean holds(String key) {
        return machine.get(key).isPresent();
    }

    private static String describe(Input input) {
        if (input instanceof Input.Received r) {
            return "a " + r.message().getClass().getSimpleName() + " from " + r.from();
        }
        return input.getClass().getSimpleName();
    }

    /** Logs, counts and publishes a step that threw; the caller fails what the step served. */
    private void stepFailed(String what, Throwable e) {
        stepsFailed.incrementAndGet();
        LOG.error("{}: a step failed: {}", machine.self(), what, e);
        try {
            failures.accept(e);
        } finally {
            events.publish(new ReplicatorEvent.StepFailed(machine.self(), e));
            try {
                publishStats(); // the count shows at once, not at the next step
            } catch (RuntimeException | Error again) {
                LOG.debug("{}: no figures published after a failed step", machine.self(), again);
            }
        }
    }

    /** One snapshot per step: the readers, the acknowledgement waits and the leave all read it. */
    private void publishStats() {
        view.publish(new SyncStats(machine.stats(), frames.framesIn(), frames.bytesIn(), frames.framesOut(),
                frames.bytesOut(), frames.rejected(), frames.unencodable(), fromUnknownPeers.get(),
                inboundDropped.get(), inboundBytes.get(), stepsFailed.get(), frames.forgotten()));
    }

    private boolean execute(Runnable r) {
        if (stopped) {
            return false;
        }
        return scheduler.execute(() -> guarded("a task of the sync loop", r));
    }

    /** Runs {@code r}, reporting whatever it throws (it served no future of its own). */
    private void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | Error e) {
            stepFailed(what, e);
        }
    }

    /**
     * Carries out one output; returns a future completed once its records and every earlier
     * step's are durable. Runs on the loop.
     */
    private CompletableFuture<Void> handle(Output out) {
        for (String p : out.problems()) {
            LOG.warn("{}: {}", machine.self(), p);
        }
        if (!out.contradictions().isEmpty()) {
            report(out.contradictions());
        }
        if (!out.refusals().isEmpty()) {
            reportRefusals(out.refusals());
        }
        if (!out.persists().isEmpty()) {
            CompletableFuture<Void> d = persistence.persist(out.persists());
            // What a step acknowledges or sends may rest on the records of earlier steps (an
            // update that changed nothing rests on the one that did), so wait for all of them.
            persisted = persisted.isDone() && !persisted.isCompletedExceptionally() ? d
                    : persisted.thenCombine(d, (a, b) -> (Void) null);
        }
        CompletableFuture<Void> durable = persisted;
        view.apply(out, machine.dotFloor());
        publishStats();
        if (!out.changes().isEmpty() || !out.expired().isEmpty()) {
            changes.accept(out);
        }
        List<Output.Send> sends = out.sends();
        if (!sends.isEmpty() && released.isDone() && durable.isDone() && !durable.isCompletedExceptionally()) {
            // Nothing waits before them and what they rest on is durable (always so without a
            // store): send now rather than after another trip through the loop's queue.
            send(sends);
        } else if (!sends.isEmpty()) {
            // Release in order: after this step's records and every earlier release.
            released = released.thenCombine(durable, (a, b) -> (Void) null).thenRunAsync(() -> send(sends),
                    this::executeOrDrop).exceptionally(err -> {
                        LOG.error("{}: persistence failed; {} messages withheld", machine.self(), sends.size(), err);
                        failures.accept(err);
                        return null;
                    });
        }
        for (Output.ReadResult r : out.reads()) {
            PendingRead pending = reads.remove(r.id());
            if (pending != null) {
                pending.finish(r);
            }
        }
        if (!ackWaiters.isEmpty()) {
            checkAckWaiters();
        }
        scheduleTick(out.nextWakeupMillis());
        if (leaving != null) {
            leaveIfFlushed();
        }
        return durable;
    }

    /**
     * Logs and publishes refusals at most once a minute per peer and bound (a peer could flood
     * them), folding the rest into the next line; every refusal is counted by the machine.
     */
    private void reportRefusals(List<Output.Refusal> refusals) {
        long now = clock.wall();
        for (Output.Refusal r : refusals) {
            long[] st = refusalLog.computeIfAbsent(new RefusalKey(r.peer(), r.limit()), k -> new long[] {Long.MIN_VALUE, 0});
            if (st[0] != Long.MIN_VALUE && now - st[0] < 60_000 && now >= st[0]) {
                st[1]++;
                continue;
            }
            LOG.warn("{}: {} from {}: {} ({} more since the last report)", machine.self(), r.limit(), r.peer(),
                    r.detail(), st[1]);
            events.publish(new ReplicatorEvent.LimitReached(machine.self(), r.peer(), r.limit(), r.detail(), st[1]));
            st[0] = now;
            st[1] = 0;
        }
    }

    /** A wait for {@code required} peers (of {@code among}, or any) to acknowledge {@code position}. */
    private static final class AckWaiter {
        final long position;
        final int required;
        final java.util.Set<ReplicaId> among;
        final CompletableFuture<java.util.Set<ReplicaId>> result;
        Scheduler.Cancellable timer;

        AckWaiter(long position, int required, java.util.Set<ReplicaId> among,
                CompletableFuture<java.util.Set<ReplicaId>> result) {
            this.position = position;
            this.required = required;
            this.among = among;
            this.result = result;
        }
    }

    /**
     * Completes with the peers that acknowledged {@code position}, once at least {@code required}
     * of them (of {@code among}, or of any peer if it is empty) did; exceptionally with
     * {@link AcknowledgementTimeoutException} after {@code timeoutMillis}, or with
     * {@link IllegalStateException} if the driver stops first. Unreachable peers count once they
     * acknowledge. Thread-safe; the future completes on the loop.
     */
    CompletableFuture<java.util.Set<ReplicaId>> awaitAcknowledged(long position, int required,
            java.util.Set<ReplicaId> among, long timeoutMillis) {
        CompletableFuture<java.util.Set<ReplicaId>> result = new CompletableFuture<>();
        AckWaiter w = new AckWaiter(position, required, java.util.Set.copyOf(among), result);
        if (!execute(() -> {
            if (check(w)) {
                return;
            }
            ackWaiters.add(w);
            w.timer = scheduler.schedule(() -> {
                if (ackWaiters.remove(w)) {
                    w.result.completeExceptionally(new AcknowledgementTimeoutException(w.position, acknowledgedBy(w),
                            w.required));
                }
            }, timeoutMillis);
        })) {
            result.completeExceptionally(closedException());
        }
        return result;
    }

    /** The peers that acknowledged {@code w}'s position, as of the latest step (loop only). */
    private java.util.Set<ReplicaId> acknowledgedBy(AckWaiter w) {
        java.util.Set<ReplicaId> acked = new java.util.TreeSet<>();
        view.stats().peers().forEach((id, p) -> {
            if (p.acknowledged() >= w.position && (w.among.isEmpty() || w.among.contains(id))) {
                acked.add(id);
            }
        });
        return acked;
    }

    /** Completes {@code w} if enough peers acknowledged; returns whether it did. */
    private boolean check(AckWaiter w) {
        java.util.Set<ReplicaId> acked = acknowledgedBy(w);
        if (acked.size() < w.required) {
            return false;
        }
        if (w.timer != null) {
            w.timer.cancel();
        }
        w.result.complete(java.util.Collections.unmodifiableSet(acked));
        return true;
    }

    private void checkAckWaiters() {
        ackWaiters.removeIf(this::check);
    }

    /** A read of one key from a peer, waiting for its answer. */
    private static final class PendingRead {
        final String key;
        final CompletableFuture<java.util.Optional<ReplicatedData<?>>> result;
        Scheduler.Cancellable timer;

        PendingRead(String key, CompletableFuture<java.util.Optional<ReplicatedData<?>>> result) {
            this.key = key;
            this.result = result;
        }

        void finish(Output.ReadResult r) {
            if (timer != null) {
                timer.cancel();
            }
            switch (r.status()) {
                case FOUND:
                case ABSENT:
                    result.complete(r.state());
                    break;
                case PEER_NOT_UP:
                    result.completeExceptionally(new RemoteReadException(key, r.from(), RemoteReadException.Reason.PEER_NOT_UP));
                    break;
                case TOO_LARGE:
                    result.completeExceptionally(new RemoteReadException(key, r.from(), RemoteReadException.Reason.TOO_LARGE));
                    break;
                default:
                    result.completeExceptionally(new RemoteReadException(key, r.from(), RemoteReadException.Reason.TYPE_MISMATCH));
                    break;
            }
        }
    }

    /**
     * Reads {@code key} from {@code peer} and joins the answer into the local state (read
     * repair). Completes with the key's local state after the join; exceptionally with
     * {@link RemoteReadException} (timeout, peer not up, too large, type mismatch, closed).
     */
    CompletableFuture<java.util.Optional<ReplicatedData<?>>> read(String key, ReplicaId peer, long timeoutMillis) {
        CompletableFuture<java.util.Optional<ReplicatedData<?>>> result = new CompletableFuture<>();
        if (!execute(() -> {
            long id = ++readIds;
            PendingRead pending = new PendingRead(key, result);
            reads.put(id, pending);
            pending.timer = scheduler.schedule(() -> {
                if (reads.remove(id) != null) {
                    result.completeExceptionally(new RemoteReadException(key, peer, RemoteReadException.Reason.TIMEOUT));
                }
            }, timeoutMillis);
            try {
                handle(step(new Input.Read(id, key, peer)));
            } catch (RuntimeException | Error e) {
                stepFailed("a read of '" + key + "' from " + peer, e);
                if (reads.remove(id) != null) {
                    pending.timer.cancel();
                    result.completeExceptionally(e);
                }
            }
        })) {
            result.completeExceptionally(new RemoteReadException(key, peer, RemoteReadException.Reason.CLOSED));
        }
        return result;
    }

    private void send(List<Output.Send> sends) {
        for (Output.Send s : sends) {
            byte[] frame = frames.encode(s.to(), s.message());
            if (frame == null) {
                // Send the rest: one key that cannot be encoded must not hold up the others.
                Message rest = reportUnsendable(s.to(), s.message());
                frame = rest == null ? null : frames.encode(s.to(), rest);
                if (frame == null) {
                    continue;
                }
            }
            try {
                transport.send(s.to(), frame);
            } catch (RuntimeException e) {
                LOG.warn("{}: send to {} failed: {}", machine.self(), s.to(), e.toString());
            }
        }
    }

    /** Most faults remembered as reported: a peer sending ever new keys must not grow the heap. */
    private static final int MAX_REPORTED = 4096;

    /**
     * Whether the fault named by {@code parts} is new: logged and published once, counted every
     * time by the machine or frame stage. Past {@link #MAX_REPORTED} faults nothing more is
     * published (said once in the log); the counters still move.
     */
    private boolean firstTime(Object... parts) {
        if (reported.size() >= MAX_REPORTED) {
            if (reported.add(List.of("full"))) {
                LOG.warn("{}: {} faults reported; further ones are only counted", machine.self(), MAX_REPORTED);
            }
            return false;
        }
        return reported.add(List.of(parts));
    }

    /** Logs and publishes each refused input once per kind, peer and key. */
    private void report(List<Output.Contradiction> contradictions) {
        ReplicaId self = machine.self();
        for (Output.Contradiction r : contradictions) {
            if (!firstTime(r.getClass(), r.from(), r.key())) {
                continue;
            }
            if (r instanceof Output.ConflictingInput c) {
                LOG.warn("{}: refused '{}' from {}: {}. A corrupted frame or a replica id reused after losing its"
                        + " state; nothing of it was joined (logged once per peer and key)", self, c.key(), c.from(),
                        c.conflict());
                events.publish(new ReplicatorEvent.ConflictingDelta(self, c.from(), c.key(), c.conflict()));
            } else if (r instanceof Output.ReplicaIdReused u) {
                LOG.error("{}: replica id {} was used before by a replica whose state is lost: {} sent '{}' and {}."
                        + " Input refused; local updates now fail: restart this node under a new replica id", self,
                        self, u.from(), u.key(), u.evidence());
                events.publish(new ReplicatorEvent.ReplicaIdReused(self, u.from(), u.key(), u.evidence()));
            }
        }
    }

    /**
     * Publishes, once per key and cause, what made a message unencodable (the frame stage counted
     * it); returns the message without the keys at fault, or null if there is no such message.
     * Deltas and states of the other keys then travel and are acknowledged; the keys at fault
     * never reach that peer, which its store digest shows, and are reported instead.
     */
    private Message reportUnsendable(ReplicaId to, Message m) {
        java.util.Map<String, String> bad = frames.unencodableKeys(m);
        if (bad.isEmpty()) {
            bad = java.util.Map.of("", m.getClass().getSimpleName() + " does not encode");
        }
        bad.forEach((key, reason) -> {
            if (firstTime(ReplicatorEvent.Unsendable.class, reason, key)) {
                LOG.warn("{}: '{}' cannot be sent to {}: {} (logged once per key and cause)", machine.self(), key, to,
                        reason);
                events.publish(new ReplicatorEvent.Unsendable(machine.self(), to, key, reason));
            }
        });
        java.util.Set<String> drop = bad.keySet();
        if (m instanceof Message.Deltas d && !drop.contains("")) {
            return new Message.Deltas(d.start(), d.end(), without(d.deltas(), drop), without(d.expiries(), drop));
        }
        if (m instanceof Message.States st && !drop.contains("")) {
            return new Message.States(st.transfer(), st.last(), without(st.states(), drop),
                    without(st.expiries(), drop), st.parts(), st.seq());
        }
        return null;
    }

    private static <V> java.util.Map<String, V> without(java.util.Map<String, V> m, java.util.Set<String> keys) {
        java.util.Map<String, V> out = new java.util.LinkedHashMap<>(m);
        out.keySet().removeAll(keys);
        return out;
    }

    private void executeOrDrop(Runnable r) {
        if (!execute(r)) {
            LOG.debug("{}: closed; dropping a release", machine.self());
        }
    }

    private void scheduleTick(long at) {
        if (stopped || (tick != null && tickAt <= at)) {
            return;
        }
        if (tick != null) {
            tick.cancel();
        }
        tickAt = at;
        tick = scheduler.schedule(this::runTick, Math.max(0, at - clock.wall()));
    }

    private void runTick() {
        tick = null;
        tickAt = Long.MAX_VALUE;
        try {
            Output out = step(new Input.Tick());
            frames.recheckRetained(this::holds, machine::retains);
            CompletableFuture<Void> durable = handle(out);
            if (!out.expired().isEmpty()) {
                // The store thread may still encode records (or a snapshot) of the expired keys
                // queued before this step: their names go once those are durable.
                List<String> names = out.expired();
                if (durable.isDone()) {
                    frames.forgetUnjoined(names, this::holds, machine::retains);
                } else {
                    durable.whenComplete((v, e) -> executeOrDrop(
                            () -> frames.forgetUnjoined(names, this::holds, machine::retains)));
                }
            }
        } catch (RuntimeException | Error e) {
            stepFailed("a tick", e);
            // The failed step armed no timer: without one the machine would never tick again.
            scheduleTick(clock.wall() + machine.config().syncIntervalMillis());
        }
    }

    /**
     * Stops taking updates and, once every reachable peer acknowledged what this node buffered,
     * says goodbye. The future completes when the goodbyes are handed to the transport. Never
     * blocks; runs the rest on the loop.
     */
    CompletableFuture<Void> leave() {
        closing = true;
        CompletableFuture<Void> left = new CompletableFuture<>();
        if (!execute(() -> {
            leaving = left;
            leaveIfFlushed();
        })) {
            left.complete(null);
        }
        return left;
    }

    /** Says goodbye if nothing this node buffered is still unacknowledged by a reachable peer. */
    private void leaveIfFlushed() {
        if (!queued.isEmpty() || draining.get()) {
            return; // updates accepted before close() go first; the step that applies them checks again
        }
        MachineStats s = view.stats().protocol();
        for (MachineStats.PeerStats p : s.peers().values()) {
            if (p.up() && (p.acknowledged() < s.sequence() || p.sendingTransfer())) {
                return;
            }
        }
        CompletableFuture<Void> left = leaving;
        leaving = null;
        handle(step(new Input.Leave()));
        released.whenComplete((v, e) -> left.complete(null));
    }

    /**
     * After {@link #leave} (or without it, for a crash-like stop): closes the transport, stops our
     * work on the loop and fails the updates still queued. Idempotent.
     */
    void stop() {
        if (stopped) {
            return;
        }
        closing = true;
        transport.close();
        stopped = true; // execute() refuses new work from here on
        Scheduler.Cancellable t = tick;
        if (t != null) {
            t.cancel();
        }
        failQueued();
        // Waits still pending fail once the loop runs them out; the loop is stopping, so do it
        // from here: nothing else touches them once stopped is set and the loop drained.
        scheduler.execute(() -> {
            for (AckWaiter w : ackWaiters) {
                w.result.completeExceptionally(closedException());
            }
            ackWaiters.clear();
            reads.forEach((id, r) -> r.result.completeExceptionally(
                    new RemoteReadException(r.key, machine.self(), RemoteReadException.Reason.CLOSED)));
            reads.clear();
        });
    }
}
