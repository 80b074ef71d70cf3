package io.converge.net;

import java.time.Duration;
import java.util.Objects;

/** The arithmetic and argument checks shared by {@link WriteConsistency} and {@link ReadConsistency}. */
final class Levels {
    /** The longest timeout a level accepts. */
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    private Levels() {
    }

    /** {@code timeout} if it is positive and at most {@link #MAX_TIMEOUT}. */
    static Duration timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout must be at most " + MAX_TIMEOUT + ", got " + timeout);
        }
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("timeout must be at least 1 ms, got " + timeout);
        }
        return timeout;
    }

    static int atLeast(String what, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    static int members(int members) {
        return atLeast("members", members, 1);
    }

    /** {@code n} capped at the members counted. */
    static int upTo(int n, int members) {
        return Math.min(n, members(members));
    }

    /**
     * A majority of {@code members} ({@code members / 2 + 1}) plus {@code additional}, at least
     * {@code minCap}, at most {@code members}.
     */
    static int majority(int members, int additional, int minCap) {
        members(members);
        long wanted = Math.max((long) members / 2 + 1 + additional, minCap);
        return (int) Math.min(members, wanted);
    }
}
