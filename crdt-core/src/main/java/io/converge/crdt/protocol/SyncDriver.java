package io.converge.crdt.protocol;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
 * <p>Thread-safe: every public method may be called from any thread; work is queued to the
 * driver's thread ({@code converge-sync-<replica>}, a daemon). Sends are released in the order
 * the machine produced them, each only once the persistence of its own and every earlier step
 * completed. {@link #close()} is idempotent and waits at most the given timeout.
 */
public final class SyncDriver implements Transport.Receiver, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncDriver.class);

    private final SyncMachine machine;
    private final Transport transport;
    private final Persistence persistence;
    private final Consumer<Output> changes;
    private final LongSupplier clock;
    private final ScheduledExecutorService loop;
    private CompletableFuture<Void> released = CompletableFuture.completedFuture(null);
    private ScheduledFuture<?> tick;
    private long tickAt = Long.MAX_VALUE;
    private volatile boolean closed;

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
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
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
     * Applies a local update on the driver's thread. The future completes with the new state once
     * its record is durable, or exceptionally with the mutation's exception.
     */
    public CompletableFuture<ReplicatedData<?>> update(Input.LocalUpdate update) {
        Objects.requireNonNull(update, "update");
        CompletableFuture<ReplicatedData<?>> result = new CompletableFuture<>();
        if (!execute(() -> {
            Output out;
            try {
                out = machine.step(update, clock.getAsLong());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            CompletableFuture<Void> durable = handle(out);
            ReplicatedData<?> applied = out.applied().orElseThrow();
            durable.whenComplete((v, err) -> {
                if (err != null) {
                    result.completeExceptionally(err);
                } else {
                    result.complete(applied);
                }
            });
        })) {
            result.completeExceptionally(new IllegalStateException("the replicator is closed"));
        }
        return result;
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

    /** Carries out one output; returns when its records are durable. Runs on the loop. */
    private CompletableFuture<Void> handle(Output out) {
        for (String p : out.problems()) {
            LOG.warn("{}: {}", machine.self(), p);
        }
        CompletableFuture<Void> durable = out.persists().isEmpty()
                ? CompletableFuture.completedFuture(null)
                : persistence.persist(out.persists());
        if (!out.changes().isEmpty() || !out.expired().isEmpty()) {
            changes.accept(out);
        }
        if (!out.sends().isEmpty()) {
            // Release in order: after this step's records and every earlier release.
            released = released.thenCombine(durable, (a, b) -> (Void) null).thenRunAsync(() -> {
                for (Output.Send s : out.sends()) {
                    try {
                        transport.send(s.to(), s.message());
                    } catch (RuntimeException e) {
                        LOG.warn("{}: send to {} failed: {}", machine.self(), s.to(), e.toString());
                    }
                }
            }, this::executeOrDrop).exceptionally(err -> {
                LOG.error("{}: persistence failed; {} messages withheld", machine.self(), out.sends().size(), err);
                return null;
            });
        }
        scheduleTick(out.nextWakeupMillis());
        return durable;
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
    }

    @Override
    public void close() {
        close(5_000);
    }
}
