package io.converge.crdt.engine;

import io.converge.crdt.engine.spi.Scheduler;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The default {@link Scheduler}: a replicator-owned sync thread ({@code converge-sync-<replica>})
 * for the loop and its timers, and a store thread ({@code converge-store-<replica>}, started on
 * first use) for blocking work. Both are daemons; {@link #shutdown} stops them.
 */
final class ThreadScheduler implements Scheduler {
    private final ScheduledThreadPoolExecutor loop;
    private final String replica;
    private ExecutorService store;
    private boolean shut;

    ThreadScheduler(String replica) {
        this.replica = replica;
        this.loop = new ScheduledThreadPoolExecutor(1, daemon("converge-sync-" + replica));
        // Shutting down finishes the queued work but must not wait for the next timer.
        loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        loop.setRemoveOnCancelPolicy(true);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public boolean execute(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMillis) {
        try {
            ScheduledFuture<?> f = loop.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return () -> { };
        }
    }

    @Override
    public synchronized Executor blocking() {
        if (store == null) {
            store = Executors.newSingleThreadExecutor(daemon("converge-store-" + replica));
            if (shut) {
                store.shutdown();
            }
        }
        return store;
    }

    /** Stops the loop (after what is queued, not the timers), waiting at most {@code timeoutMillis}. */
    void shutdownLoop(long timeoutMillis) {
        stop(loop, timeoutMillis);
    }

    /** Stops the store thread after the work queued on it, waiting at most {@code timeoutMillis}. */
    void shutdownBlocking(long timeoutMillis) {
        ExecutorService s;
        synchronized (this) {
            shut = true;
            s = store;
        }
        if (s != null) {
            stop(s, timeoutMillis);
        }
    }

    private static void stop(ExecutorService e, long timeoutMillis) {
        e.shutdown();
        try {
            if (!e.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
                e.shutdownNow();
            }
        } catch (InterruptedException ex) {
            e.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
