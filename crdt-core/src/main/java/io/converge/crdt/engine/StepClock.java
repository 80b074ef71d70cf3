package io.converge.crdt.engine;

import java.util.function.LongSupplier;

/**
 * The replicator's clock as its steps see it: inside a step, on the sync loop, every reading is
 * the step's own {@code now} (so a mutator's HLC stamps and the machine's timers agree, and a
 * simulated run replays exactly); anywhere else, the clock itself.
 */
final class StepClock implements LongSupplier {
    private final LongSupplier clock;
    private volatile long stepNow;
    private volatile Thread stepping;

    StepClock(LongSupplier clock) {
        this.clock = clock;
    }

    /** Starts a step on the calling thread and returns its time. */
    long begin() {
        long now = clock.getAsLong();
        stepNow = now;
        stepping = Thread.currentThread();
        return now;
    }

    /** Ends the step begun on this thread. */
    void end() {
        stepping = null;
    }

    /** The clock, outside any step. */
    long wall() {
        return clock.getAsLong();
    }

    @Override
    public long getAsLong() {
        return stepping == Thread.currentThread() ? stepNow : clock.getAsLong();
    }
}
