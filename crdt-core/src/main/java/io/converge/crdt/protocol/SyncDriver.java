package io.converge.crdt.protocol;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one loop that runs a {@link SyncMachine}: a single thread is its mailbox (so the machine
 * needs no locks), timers come from the machine's {@code nextWakeup}, records go to the
 * {@link Persistence} and the sends that depend on them wait until they are durable, changes go
 * to a sink. The cluster transport, in-memory links and tests all plug in through
 * {@link Transport}; none of them re-implements this loop.
 *
 * <h2>Group commit of local updates</h2>
 * {@link #update} only queues; one step on the loop takes every queued update (up to
 * {@link SyncConfig#maxUpdatesPerStep()}), applies them in queue order as one
 * {@link Input.LocalUpdates} input and carries out its one output: one call to the
 * {@link Persistence} for all their records, one hand-off of changes, one release of sends, one
 * timer check. Under load the cost of a step is shared by many updates; alone, an update is a
 * step of one and waits for nothing. Each update's future still completes with its own state,
 * and only once its step's records are durable. Messages and timers queued meanwhile run between
 * two such steps, so a stream of local writes cannot starve the peers.
 *
 * <p>Thread-safe: every public method may be called from any thread; work is queued to the
 * driver's thread ({@code converge-sync-<replica>}, a daemon). Sends are released in the order
 * the machine produced them; a send, like an update's completion, waits until the records of its
 * own and of every earlier step are durable. {@link #close()} is idempotent and waits at most the
 * given timeout; updates still queued then fail with {@link IllegalStateException}.
 */
public final class SyncDriver implements Transport.Receiver, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncDriver.class);

    private final SyncMachine machine;
    private final Transport transport;
    private final Persistence persistence;
    private final Consumer<Output> changes;
    private final LongSupplier clock;
    private final ScheduledExecutorService loop;
    private final ConcurrentLinkedQueue<Queued> queued = new ConcurrentLinkedQueue<>();
    /** Whether a group-commit step is queued on the loop or running; at most one is. */
    private final AtomicBoolean draining = new AtomicBoolean();
    /** Completes once every record handed to the persistence so far is durable. */
    private CompletableFuture<Void> persisted = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> released = CompletableFuture.completedFuture(null);
    private ScheduledFuture<?> tick;
    private long tickAt = Long.MAX_VALUE;
    private volatile boolean closed;
    /** Set once the loop has stopped: nothing will take queued updates any more. */
    private volatile boolean terminated;

    /**
     * A driver for {@code machine}; call {@link #start()} to connect the transport.
     *
     * @param changes receives each step's output that changed or expired keys, on the driver's
     *     thread: it must hand them off quickly (the engine's change feed queues them)
     * @param clock current time in epoch milliseconds
     */
    public SyncDriver(SyncMachine machine, Transport transport, Persistence persistence,
            Consumer<Output> changes, LongSupplier clock) {
        this.machine = Objects.requireNonNull(machine, "machine");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.persistence = Objects.requireNonNull(persistence, "persistence");
        this.changes = Objects.requireNonNull(changes, "changes");
        this.clock = Objects.requireNonNull(clock, "clock");
        String name = "converge-sync-" + machine.self();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        // close() finishes the queued work but must not wait for the next timer (up to a heartbeat).
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        this.loop = executor;
    }

    /** Connects the transport and arms the first timer. */
    public void start() {
        transport.start(machine.self(), this);
        execute(() -> scheduleTick(clock.getAsLong() + 1));
    }

    /** The machine (for reads: {@link SyncMachine#get} is thread-safe). */
    public SyncMachine machine() {
        return machine;
    }

    /**
     * Queues a local update for the driver's thread. Updates queued while the driver is busy are
     * applied together in one step (group commit, up to {@link SyncConfig#maxUpdatesPerStep()}):
     * in the order they were queued, so the updates of one thread apply in the order it made
     * them, each seeing the state the previous left. The future completes with the key's state
     * right after this update, once the records of its step are durable; or exceptionally with
     * the mutation's exception (the update then changed nothing, and the others of its step
     * still apply), or with {@link IllegalStateException} if the driver is closed first.
     */
    public CompletableFuture<ReplicatedData<?>> update(Input.LocalUpdate update) {
        Objects.requireNonNull(update, "update");
        CompletableFuture<ReplicatedData<?>> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(closedException());
            return result;
        }
        queued.add(new Queued(update, result));
        if (draining.compareAndSet(false, true) && !execute(this::applyQueued)) {
            // Shut down, and no step of ours is queued or running: nothing else will take them.
            failQueued();
        }
        if (terminated) {
            failQueued(); // queued after close() failed what it found
        }
        return result;
    }

    /** A local update waiting for the driver, and its caller's future. */
    private record Queued(Input.LocalUpdate update, CompletableFuture<ReplicatedData<?>> result) {
    }

    /**
     * One group-commit step, on the loop: takes up to {@code maxUpdatesPerStep} queued updates,
     * applies them in one machine step and carries out its one output; then yields the loop (so
     * messages and timers queued meanwhile run between steps) and comes back for the rest.
     */
    private void applyQueued() {
        int max = machine.config().maxUpdatesPerStep();
        List<Input.LocalUpdate> updates = new ArrayList<>(Math.min(max, 64));
        List<CompletableFuture<ReplicatedData<?>>> results = new ArrayList<>(Math.min(max, 64));
        Queued q;
        while (updates.size() < max && (q = queued.poll()) != null) {
            updates.add(q.update());
            results.add(q.result());
        }
        try {
            if (!updates.isEmpty()) {
                step(updates, results);
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
                }
            }
        }
    }

    private void step(List<Input.LocalUpdate> updates, List<CompletableFuture<ReplicatedData<?>>> results) {
        Output out;
        try {
            out = machine.step(new Input.LocalUpdates(updates), clock.getAsLong());
        } catch (RuntimeException | Error e) {
            // An Error thrown by a mutation (the machine runs every mutation before it changes
            // anything, so it is as it was), or a bug: no update of this step was applied.
            LOG.error("{}: a step of {} local updates failed; none was applied", machine.self(), updates.size(), e);
            for (CompletableFuture<ReplicatedData<?>> r : results) {
                r.completeExceptionally(e);
            }
            return;
        }
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
                            results.get(i).complete(a.state());
                        }
                    }
                }
            });
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

    @Override
    public void received(ReplicaId from, Message message) {
        feed(new Input.Received(from, message));
    }

    @Override
    public void peerUp(ReplicaId peer) {
        LOG.info("{}: peer {} up", machine.self(), peer);
        feed(new Input.PeerUp(peer));
    }

    @Override
    public void peerDown(ReplicaId peer) {
        LOG.info("{}: peer {} down", machine.self(), peer);
        feed(new Input.PeerDown(peer));
    }

    private void feed(Input input) {
        execute(() -> handle(machine.step(input, clock.getAsLong())));
    }

    private boolean execute(Runnable r) {
        if (closed) {
            return false;
        }
        try {
            loop.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.error("{}: sync step failed", machine.self(), e);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
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
        if (!out.persists().isEmpty()) {
            CompletableFuture<Void> d = persistence.persist(out.persists());
            // What a step acknowledges or sends may rest on the records of earlier steps (an
            // update that changed nothing rests on the one that did), so wait for all of them.
            persisted = persisted.isDone() && !persisted.isCompletedExceptionally() ? d
                    : persisted.thenCombine(d, (a, b) -> (Void) null);
        }
        CompletableFuture<Void> durable = persisted;
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
                        return null;
                    });
        }
        scheduleTick(out.nextWakeupMillis());
        return durable;
    }

    private void send(List<Output.Send> sends) {
        for (Output.Send s : sends) {
            try {
                transport.send(s.to(), s.message());
            } catch (RuntimeException e) {
                LOG.warn("{}: send to {} failed: {}", machine.self(), s.to(), e.toString());
            }
        }
    }

    private void executeOrDrop(Runnable r) {
        if (!execute(r)) {
            LOG.debug("{}: closed; dropping a release", machine.self());
        }
    }

    private void scheduleTick(long at) {
        if (closed || (tick != null && !tick.isDone() && tickAt <= at)) {
            return;
        }
        if (tick != null) {
            tick.cancel(false);
        }
        tickAt = at;
        long delay = Math.max(0, at - clock.getAsLong());
        try {
            tick = loop.schedule(() -> {
                tickAt = Long.MAX_VALUE;
                handle(machine.step(new Input.Tick(), clock.getAsLong()));
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Closes the transport and stops the loop, waiting at most {@code timeoutMillis}. Idempotent. */
    public void close(long timeoutMillis) {
        if (closed) {
            return;
        }
        closed = true;
        transport.close();
        ExecutorService l = loop;
        l.shutdown();
        try {
            if (!l.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
                l.shutdownNow();
            }
        } catch (InterruptedException e) {
            l.shutdownNow();
            Thread.currentThread().interrupt();
        }
        terminated = true;
        failQueued();
    }

    @Override
    public void close() {
        close(5_000);
    }
}
