package io.converge.net;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Test utility, the one bounded polling wait of the crdt-net tests: every wait has a deadline, and
 * a miss fails the test with what was awaited and what was seen. Stateless.
 */
public final class Await {
    private Await() {
    }

    /**
     * Polls {@code condition} every {@code poll} for at most {@code wait}; fails with
     * {@code what} (computed only then) if it never holds.
     */
    public static void until(Duration wait, Duration poll, BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + wait + ": " + what.get());
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what.get());
            }
        }
    }
}
