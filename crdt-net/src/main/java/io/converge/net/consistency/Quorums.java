package io.converge.net.consistency;

import io.converge.net.QuorumStats;
import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.engine.AcknowledgementTimeoutException;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Mutator;
import io.converge.crdt.engine.Replicator;
import io.converge.crdt.engine.SyncStats;
import io.converge.net.NotEnoughReachableMembersException;
import io.converge.net.ReadConsistency;
import io.converge.net.ReadTimeoutException;
import io.converge.net.WriteConsistency;
import io.converge.net.WriteTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes and reads at a {@link WriteConsistency} / {@link ReadConsistency} level over a
 * {@link Replicator}, counting the members a {@link MemberView} counts (sync.md §4).
 *
 * <h2>N</h2>
 * {@code N} is {@link MemberView#countedPeers()} plus this node, taken once when the call starts:
 * members {@code Up} or {@code Leaving}, reachable or not. An unreachable member still counts, so
 * the minority side of a partition cannot reach a majority; only its acknowledgement or answer is
 * missing. A member that joins during the call does not raise the requirement, and only counted
 * peers' acknowledgements count.
 *
 * <h2>Writes</h2>
 * The mutation is applied here first through {@link Replicator#updateTracked} (durably, if the
 * replicator has a store): that <em>is</em> the write, and it is never rolled back. The call then
 * waits, through {@link Replicator#awaitAcknowledged}, until {@code required - 1} counted peers
 * acknowledged the buffer position the write rests on (a peer acknowledges only what it joined and
 * made durable). Pekko sends a write to the required peers first and to more after a fifth of
 * the timeout; here the engine's anti-entropy already sends every local update to every reachable
 * peer in the same step, and resends an unacknowledged interval after {@code SyncConfig.ackTimeout}
 * (default 2 s). There is no faster push to ask for: a timeout shorter than the ack timeout fails
 * on a single lost frame, so pick one a few times longer where frames get lost.
 *
 * <h2>Reads</h2>
 * {@code local} returns the local state at once. Otherwise {@link Replicator#readFrom} asks
 * {@code required - 1} counted peers in parallel, reachable ones first (in replica id order, so
 * runs repeat); a peer that fails (not up, too large, another type) is replaced by the next
 * candidate, and after a fifth of the timeout every candidate not asked yet is asked as well, as
 * Pekko does. Each answer is joined into the local state by the engine (read repair, kept). Once
 * enough answered, the call completes with the local state, which holds all of them; once every
 * counted peer was asked and too few can still answer, it ends at once (waiting cannot help).
 *
 * <h2>Deadlines: the {@code :global} lesson</h2>
 * Every call but {@code local} completes by its deadline whatever the network does: the engine's
 * own timers bound each remote wait, and a timer of ours ends the call at the deadline in any case
 * (a store that hangs, a replicator that stopped answering). A timeout is a typed result:
 * {@link WriteTimeoutException} (how many held the write, who is pending) or
 * {@link ReadTimeoutException} (with the local value). No locks, no leader, nothing rolled back.
 * With {@code failFast} a call whose level needs more members than are reachable fails at once
 * with {@link NotEnoughReachableMembersException}, before it applies anything.
 *
 * <h2>Threads</h2>
 * Thread-safe; never blocks. Futures complete on the replicator's sync or store thread, or on this
 * object's timer thread: keep stages added with non-async methods short (or use the
 * {@code *Async} ones), as for {@link Replicator#updateAsync}. Only a few field updates run on
 * those threads here. {@link #create()} owns one daemon timer thread that {@link #close()} stops;
 * {@link #using} borrows the caller's.
 */
public final class Quorums implements AutoCloseable {
    private static final List<String> WRITE_KINDS = List.of("local", "to", "majority", "majority-plus", "all");
    private static final List<String> READ_KINDS = List.of("local", "from", "majority", "majority-plus", "all");

    private final ScheduledExecutorService timer;
    private final boolean ownsTimer;
    private final Map<String, LongAdder> writes = counters(WRITE_KINDS);
    private final Map<String, LongAdder> writeTimeouts = counters(WRITE_KINDS);
    private final Map<String, LongAdder> writesRefused = counters(WRITE_KINDS);
    private final Map<String, LongAdder> reads = counters(READ_KINDS);
    private final Map<String, LongAdder> readTimeouts = counters(READ_KINDS);
    private final Map<String, LongAdder> readsRefused = counters(READ_KINDS);

    private Quorums(ScheduledExecutorService timer, boolean ownsTimer) {
        this.timer = timer;
        this.ownsTimer = ownsTimer;
    }

    /** Quorums with a timer thread of their own ({@code converge-quorum-timer}, daemon), stopped by {@link #close()}. */
    public static Quorums create() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "converge-quorum-timer");
            th.setDaemon(true);
            return th;
        });
        // A call that ends early cancels its deadline: without this, each would sit in the queue
        // until its (up to 10 min) deadline, holding the call's state.
        t.setRemoveOnCancelPolicy(true);
        return new Quorums(t, true);
    }

    /** Quorums whose deadlines run on {@code timer}, which they never shut down. */
    public static Quorums using(ScheduledExecutorService timer) {
        return new Quorums(Objects.requireNonNull(timer, "timer"), false);
    }

    /** Stops the owned timer thread; calls still waiting then end only by the engine's timers. Idempotent. */
    @Override
    public void close() {
        if (ownsTimer) {
            timer.shutdownNow();
        }
    }

    /**
     * Applies {@code mutator} to {@code key} here, then waits until {@code consistency} is met.
     * Completes with the key's state right after this write; exceptionally with
     * {@link WriteTimeoutException} at the deadline (the write stays applied),
     * {@link NotEnoughReachableMembersException} at once under fail-fast (nothing applied), the
     * mutator's exception or {@link CrdtTypeMismatchException} (nothing applied), or
     * {@link IllegalStateException} if the replicator closes.
     *
     * @throws IllegalArgumentException if the key needs a codec it lacks (nothing applied)
     * @throws IllegalStateException if this object was closed (nothing applied)
     */
    public <S extends ReplicatedData<S>> CompletableFuture<S> write(Replicator replicator, Key<S> key,
            Mutator<S> mutator, WriteConsistency consistency, MemberView members) {
        Objects.requireNonNull(replicator, "replicator");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(mutator, "mutator");
        Objects.requireNonNull(consistency, "consistency");
        Objects.requireNonNull(members, "members");
        String kind = consistency.kind();
        writes.get(kind).increment();
        if (consistency instanceof WriteConsistency.Local) {
            return replicator.updateAsync(key, mutator);
        }
        Members m = Members.of(replicator.self(), members);
        int required = consistency.required(m.counted.size() + 1);
        Optional<NotEnoughReachableMembersException> refusal = m.refusal(consistency.failFast(), required, key.name());
        if (refusal.isPresent()) {
            writesRefused.get(kind).increment();
            return CompletableFuture.failedFuture(refusal.get());
        }
        WriteCall<S> call = new WriteCall<>(replicator, key.name(), m.counted, required, kind,
                deadlineOf(consistency.timeout()));
        call.guard = schedule(call::expire, consistency.timeout().toNanos());
        CompletableFuture<Replicator.Written<S>> local;
        try {
            local = replicator.updateTracked(key, mutator);
        } catch (RuntimeException e) {
            call.guard.cancel(false);
            throw e;
        }
        local.whenComplete(call::applied);
        return call.result;
    }

    /**
     * Reads {@code key} at {@code consistency}: the local state at once for {@code local}, else the
     * local state once enough members answered and their states were joined into it (read repair,
     * kept). Completes exceptionally with {@link ReadTimeoutException} (carrying the local value)
     * at the deadline, or earlier once every counted peer was asked and too few could answer;
     * {@link NotEnoughReachableMembersException} at once under fail-fast; or
     * {@link CrdtTypeMismatchException} if the key holds another type here.
     *
     * @throws IllegalStateException if this object was closed
     */
    public <S extends ReplicatedData<S>> CompletableFuture<Optional<S>> read(Replicator replicator, Key<S> key,
            ReadConsistency consistency, MemberView members) {
        Objects.requireNonNull(replicator, "replicator");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(consistency, "consistency");
        Objects.requireNonNull(members, "members");
        String kind = consistency.kind();
        reads.get(kind).increment();
        if (consistency instanceof ReadConsistency.Local) {
            return localState(replicator, key);
        }
        Members m = Members.of(replicator.self(), members);
        int required = consistency.required(m.counted.size() + 1);
        Optional<NotEnoughReachableMembersException> refusal = m.refusal(consistency.failFast(), required, key.name());
        if (refusal.isPresent()) {
            readsRefused.get(kind).increment();
            return CompletableFuture.failedFuture(refusal.get());
        }
        if (required <= 1) {
            return localState(replicator, key);
        }
        // Reachable peers first; an unreachable one answers "not up" at once and is replaced.
        Deque<ReplicaId> candidates = new ArrayDeque<>(m.reachable);
        for (ReplicaId p : m.counted) {
            if (!m.reachable.contains(p)) {
                candidates.add(p);
            }
        }
        long timeoutNanos = consistency.timeout().toNanos();
        ReadCall<S> call = new ReadCall<>(replicator, key, m.counted, required, kind, deadlineOf(consistency.timeout()),
                candidates);
        call.guard = schedule(call::expire, timeoutNanos);
        call.secondRound = schedule(call::askEveryone, timeoutNanos / 5); // Pekko's retry point
        call.ask(call.start());
        return call.result;
    }

    /** Counters since this object was made, by level. */
    public QuorumStats stats() {
        return new QuorumStats(snapshot(writes), snapshot(writeTimeouts), snapshot(writesRefused), snapshot(reads),
                snapshot(readTimeouts), snapshot(readsRefused));
    }

    private static <S extends ReplicatedData<S>> CompletableFuture<Optional<S>> localState(Replicator r, Key<S> key) {
        try {
            return CompletableFuture.completedFuture(r.get(key));
        } catch (CrdtTypeMismatchException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static long deadlineOf(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    /** @throws IllegalStateException if this object was closed: no call may start without a deadline */
    private ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        try {
            return timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("closed: its timer takes no more deadlines", e);
        }
    }

    private static Map<String, LongAdder> counters(List<String> kinds) {
        Map<String, LongAdder> m = new LinkedHashMap<>();
        for (String k : kinds) {
            m.put(k, new LongAdder());
        }
        return Collections.unmodifiableMap(m);
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
        Map<String, Long> m = new LinkedHashMap<>();
        counters.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** The counted and reachable peers of a call, this node left out, sorted so runs repeat. */
    private record Members(Set<ReplicaId> counted, Set<ReplicaId> reachable) {
        static Members of(ReplicaId self, MemberView view) {
            Set<ReplicaId> counted = new TreeSet<>(view.countedPeers());
            counted.remove(self);
            Set<ReplicaId> reachable = new TreeSet<>(view.reachablePeers());
            reachable.retainAll(counted);
            return new Members(Collections.unmodifiableSet(counted), Collections.unmodifiableSet(reachable));
        }

        /** Why a fail-fast call must fail at once: fewer members reachable, this node included, than it requires. */
        Optional<NotEnoughReachableMembersException> refusal(boolean failFast, int required, String key) {
            int reachableHere = reachable.size() + 1;
            return failFast && reachableHere < required
                    ? Optional.of(new NotEnoughReachableMembersException(key, reachableHere, required))
                    : Optional.empty();
        }
    }

    /**
     * What a write call and a read call share: the members counted, how many must answer, the
     * deadline, and a result that the first of answer, failure or timer completes (later ones do
     * nothing). Each call cancels its timers once it ends.
     */
    private abstract static class Call<R> {
        final Replicator replicator;
        final Set<ReplicaId> counted;
        final int required;
        final String kind;
        final long deadline;
        final CompletableFuture<R> result = new CompletableFuture<>();
        private final AtomicBoolean ended = new AtomicBoolean();
        volatile ScheduledFuture<?> guard;

        Call(Replicator replicator, Set<ReplicaId> counted, int required, String kind, long deadline) {
            this.replicator = replicator;
            this.counted = counted;
            this.required = required;
            this.kind = kind;
            this.deadline = deadline;
        }

        final boolean ended() {
            return ended.get();
        }

        /** Runs {@code completion} if this is the call's first completion; cancels the timers either way. */
        final void finish(Runnable completion) {
            if (ended.compareAndSet(false, true)) {
                completion.run();
            }
            cancelTimers();
        }

        /** Fails the call with {@code timeout}, counted in {@code timeouts} before the caller can see it. */
        final void failTimedOut(Map<String, LongAdder> timeouts, Exception timeout) {
            finish(() -> {
                timeouts.get(kind).increment();
                result.completeExceptionally(timeout);
            });
        }

        void cancelTimers() {
            cancel(guard);
        }

        static void cancel(ScheduledFuture<?> timer) {
            if (timer != null) {
                timer.cancel(false);
            }
        }

        /** What a wait handed to the replicator may take: the {@code left} nanoseconds, at least 1 ms. */
        static Duration waitOf(long left) {
            return Duration.ofNanos(Math.max(left, TimeUnit.MILLISECONDS.toNanos(1)));
        }
    }

    /** One write waiting for its acknowledgements. */
    private final class WriteCall<S> extends Call<S> {
        final String key;
        /** The buffer position the local write rests on; -1 until it is applied. */
        volatile long position = -1;

        WriteCall(Replicator replicator, String key, Set<ReplicaId> counted, int required, String kind, long deadline) {
            super(replicator, counted, required, kind, deadline);
            this.key = key;
        }

        /** The local write finished (on the sync or store thread). */
        void applied(Replicator.Written<S> written, Throwable error) {
            if (ended()) {
                return; // the deadline passed while the local write was under way
            }
            if (error != null) {
                finish(() -> result.completeExceptionally(unwrap(error)));
                return;
            }
            position = written.position();
            int peers = required - 1;
            long left = deadline - System.nanoTime();
            if (peers <= 0) {
                finish(() -> result.complete(written.state()));
                return;
            }
            if (left <= 0) {
                expire();
                return;
            }
            CompletableFuture<Set<ReplicaId>> acks;
            try {
                acks = replicator.awaitAcknowledged(written.position(), peers, counted,
                        waitOf(left));
            } catch (RuntimeException e) {
                finish(() -> result.completeExceptionally(e));
                return;
            }
            acks.whenComplete((acked, e) -> {
                if (e == null) {
                    finish(() -> result.complete(written.state()));
                } else if (unwrap(e) instanceof AcknowledgementTimeoutException t) {
                    timedOut(t.acknowledged());
                } else {
                    finish(() -> result.completeExceptionally(unwrap(e))); // the replicator closed
                }
            });
        }

        /** The deadline passed: fails the call with what the latest published figures show. */
        void expire() {
            long p = position;
            if (p < 0) {
                timedOut(null);
                return;
            }
            Set<ReplicaId> acked = new TreeSet<>();
            SyncStats stats = replicator.stats();
            for (ReplicaId peer : counted) {
                if (stats.acknowledged(peer) >= p) {
                    acked.add(peer);
                }
            }
            timedOut(acked);
        }

        /** Fails the call; {@code acked} is null when not even the local write had finished. */
        private void timedOut(Set<ReplicaId> acked) {
            Set<ReplicaId> pending = new TreeSet<>(counted);
            int held = 0;
            if (acked != null) {
                pending.removeAll(acked);
                held = 1 + (int) acked.stream().filter(counted::contains).count();
            }
            failTimedOut(writeTimeouts, new WriteTimeoutException(key, held, required, pending));
        }
    }

    /** One read gathering answers. Its mutable fields are guarded by {@code this}. */
    private final class ReadCall<S extends ReplicatedData<S>> extends Call<Optional<S>> {
        final Key<S> key;
        private final Deque<ReplicaId> candidates;
        private final Set<ReplicaId> answered = new TreeSet<>();
        private int inFlight;
        volatile ScheduledFuture<?> secondRound;

        ReadCall(Replicator replicator, Key<S> key, Set<ReplicaId> counted, int required, String kind, long deadline,
                Deque<ReplicaId> candidates) {
            super(replicator, counted, required, kind, deadline);
            this.key = key;
            this.candidates = candidates;
        }

        /** The first peers to ask: as many as answers are needed. */
        synchronized List<ReplicaId> start() {
            return take(required - 1);
        }

        /** A fifth of the timeout passed: asks every candidate not asked yet. */
        void askEveryone() {
            List<ReplicaId> more;
            synchronized (this) {
                if (ended()) {
                    return;
                }
                more = take(candidates.size());
            }
            ask(more);
        }

        private List<ReplicaId> take(int n) {
            List<ReplicaId> out = new ArrayList<>();
            while (out.size() < n && !candidates.isEmpty()) {
                out.add(candidates.poll());
            }
            inFlight += out.size();
            return out;
        }

        /** Sends the reads; outside the lock, as a read may fail at once on this thread. */
        void ask(List<ReplicaId> peers) {
            for (ReplicaId peer : peers) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    expire();
                    return;
                }
                CompletableFuture<Optional<S>> f;
                try {
                    f = replicator.readFrom(peer, key, waitOf(left));
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                f.whenComplete((v, e) -> answer(peer, e == null ? null : unwrap(e)));
            }
        }

        /** A peer answered ({@code error} null) or failed; on the sync thread, or the caller's. */
        private void answer(ReplicaId peer, Throwable error) {
            if (error instanceof CrdtTypeMismatchException) {
                finish(() -> result.completeExceptionally(error)); // this replica holds another type
                return;
            }
            List<ReplicaId> next = List.of();
            boolean enough = false;
            boolean exhausted = false;
            synchronized (this) {
                inFlight--;
                if (error == null) {
                    answered.add(peer);
                    enough = answered.size() + 1 >= required;
                } else {
                    next = take(1);
                }
                exhausted = !enough && next.isEmpty() && inFlight == 0 && candidates.isEmpty();
            }
            if (enough) {
                Optional<S> state;
                try {
                    state = replicator.get(key);
                } catch (CrdtTypeMismatchException e) {
                    finish(() -> result.completeExceptionally(e));
                    return;
                }
                finish(() -> result.complete(state));
            } else if (exhausted) {
                expire(); // every counted peer was asked and too few could answer: waiting cannot help
            } else {
                ask(next);
            }
        }

        /** Gives up with the local value. */
        void expire() {
            if (ended()) {
                return;
            }
            Set<ReplicaId> pending;
            int got;
            synchronized (this) {
                pending = new TreeSet<>(counted);
                pending.removeAll(answered);
                got = answered.size() + 1;
            }
            Optional<? extends ReplicatedData<?>> local;
            try {
                local = replicator.get(key);
            } catch (CrdtTypeMismatchException e) {
                finish(() -> result.completeExceptionally(e));
                return;
            }
            failTimedOut(readTimeouts, new ReadTimeoutException(key.name(), got, required, pending, local));
        }

        @Override
        void cancelTimers() {
            super.cancelTimers();
            cancel(secondRound);
        }
    }
}
