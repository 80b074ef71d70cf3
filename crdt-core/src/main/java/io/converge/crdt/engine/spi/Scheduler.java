package io.converge.crdt.engine.spi;

import java.util.concurrent.Executor;

/**
 * Where a replicator runs: its sync loop (one task at a time, in submission order), its timers,
 * and its blocking work (store I/O). The default runs on threads the replicator owns; the
 * simulator supplies one on virtual time, so the same engine code runs deterministically.
 *
 * <p>Implementations must be safe to call from any thread.
 */
public interface Scheduler {
    /**
     * Runs {@code task} on the sync loop after the tasks submitted before it, never two at once.
     *
     * @return false if the scheduler no longer runs tasks (it is shut down)
     */
    boolean execute(Runnable task);

    /**
     * Runs {@code task} on the sync loop once {@code delayMillis} have passed on the scheduler's
     * clock (the replicator's clock).
     */
    Cancellable schedule(Runnable task, long delayMillis);

    /** Runs blocking work (store I/O) in submission order, off the sync loop. */
    Executor blocking();

    /** A timer that can be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels the timer if it has not run; idempotent. */
        void cancel();
    }
}
