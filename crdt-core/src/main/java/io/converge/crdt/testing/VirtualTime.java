package io.converge.crdt.testing;

import io.converge.crdt.engine.spi.Scheduler;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * Simulated time for every node of a simulation: one queue of events ordered by (time, sequence
 * of submission), run one at a time on the calling thread. Nothing else moves time, so a run
 * depends only on what was submitted, never on threads or the wall clock.
 *
 * <p>Each node incarnation gets a {@link NodeScheduler}: its sync loop tasks and timers are
 * events of this queue, and its blocking executor (the disk) runs one task at a time, each after
 * a simulated fsync latency. When the incarnation dies (a crash, or the end of a graceful leave)
 * every task it queued is discarded, as a killed process runs nothing more.
 *
 * <p>Not thread-safe: a simulation is single-threaded.
 */
final class VirtualTime {
    /** A task due at a time; cancelled ones are skipped. */
    static final class Event implements Comparable<Event> {
        final long at;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Event(long at, long seq, Runnable task) {
            this.at = at;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Event o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    /** Told of an exception a task of a node threw (it escaped the engine). */
    interface Failures {
        void failed(int node, Throwable error);
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final Failures failures;
    private long now;
    private long seq;
    private long eventsRun;

    VirtualTime(long start, Failures failures) {
        this.now = start;
        this.failures = failures;
    }

    long now() {
        return now;
    }

    long eventsRun() {
        return eventsRun;
    }

    /** Queues {@code task} at {@code at} (not before now). */
    Event at(long at, Runnable task) {
        Event e = new Event(Math.max(at, now), seq++, task);
        queue.add(e);
        return e;
    }

    /** Runs every event due up to {@code until}, then sets the time to {@code until}. */
    void runUntil(long until) {
        while (runNext(until)) {
            // each event may queue more, possibly due before until
        }
        now = Math.max(now, until);
    }

    /** Runs the next event due by {@code until}; false if there is none. */
    boolean runNext(long until) {
        while (!queue.isEmpty()) {
            Event e = queue.peek();
            if (e.at > until) {
                return false;
            }
            queue.poll();
            if (e.cancelled) {
                continue;
            }
            now = e.at;
            eventsRun++;
            e.task.run();
            return true;
        }
        return false;
    }

    /** The time of the next live event, or Long.MAX_VALUE. */
    long nextEventAt() {
        while (!queue.isEmpty() && queue.peek().cancelled) {
            queue.poll();
        }
        return queue.isEmpty() ? Long.MAX_VALUE : queue.peek().at;
    }

    /**
     * One incarnation of a node as the engine sees time: its clock (virtual time plus the node's
     * skew), its sync loop and timers, and its disk executor. Dead once {@link #kill} ran: it
     * refuses new work and its queued tasks are skipped.
     */
    final class NodeScheduler implements Scheduler {
        final int node;
        private final LongSupplier fsyncLatency;
        private final long skew;
        private final ArrayDeque<Runnable> disk = new ArrayDeque<>();
        private boolean diskBusy;
        private boolean alive = true;

        NodeScheduler(int node, long skew, LongSupplier fsyncLatency) {
            this.node = node;
            this.skew = skew;
            this.fsyncLatency = fsyncLatency;
        }

        /** The node's physical clock: virtual time plus its skew. */
        long clock() {
            return now + skew;
        }

        boolean alive() {
            return alive;
        }

        /** The incarnation dies: nothing it queued runs (see {@link #runPendingDiskTaskOfDeadNode}). */
        void kill() {
            alive = false;
        }

        /** Whether a disk task is queued or running. */
        boolean diskPending() {
            return !disk.isEmpty();
        }

        /**
         * Runs the oldest queued disk task now, out of turn: how a crash strikes in the middle of
         * a write (the disk was armed for it). The node must already be dead, so whatever the
         * task completes goes nowhere.
         */
        void runPendingDiskTaskOfDeadNode() {
            Runnable r = disk.poll();
            if (r != null) {
                guarded(r);
            }
            disk.clear();
        }

        private void guarded(Runnable r) {
            try {
                r.run();
            } catch (RuntimeException | Error e) {
                failures.failed(node, e);
            }
        }

        private Runnable live(Runnable r) {
            return () -> {
                if (alive) {
                    guarded(r);
                }
            };
        }

        @Override
        public boolean execute(Runnable task) {
            if (!alive) {
                return false;
            }
            at(now, live(task));
            return true;
        }

        @Override
        public Cancellable schedule(Runnable task, long delayMillis) {
            if (!alive) {
                return () -> { };
            }
            Event e = at(now + Math.max(0, delayMillis), live(task));
            return () -> e.cancelled = true;
        }

        @Override
        public Executor blocking() {
            return this::submitDisk;
        }

        private void submitDisk(Runnable task) {
            if (!alive) {
                return;
            }
            disk.add(task);
            if (!diskBusy) {
                diskBusy = true;
                at(now + fsyncLatency.getAsLong(), this::diskNext);
            }
        }

        /** The disk finishes its oldest task, then starts the next one. */
        private void diskNext() {
            if (!alive) {
                return;
            }
            Runnable r = disk.poll();
            if (r != null) {
                guarded(r);
            }
            if (alive && !disk.isEmpty()) {
                at(now + fsyncLatency.getAsLong(), this::diskNext);
            } else {
                diskBusy = false;
            }
        }
    }
}
