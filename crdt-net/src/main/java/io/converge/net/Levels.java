package io.converge.net;

import java.time.Duration;
import java.util.Objects;

/**
 * The one place for what {@link WriteConsistency} and {@link ReadConsistency} share: the
 * arguments each level accepts, the {@code required(N)} arithmetic, and the level names. The two
 * interfaces stay separate types (a write level cannot be passed as a read level), so their records
 * only declare components and delegate here. Stateless.
 */
final class Levels {
    /** The longest timeout a level accepts. */
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    /** {@link #kind} names common to both directions; {@code to}/{@code from} are each side's own. */
    static final String LOCAL = "local";
    static final String MAJORITY = "majority";
    static final String MAJORITY_PLUS = "majority-plus";
    static final String ALL = "all";

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

    /** Checks a {@code to(n)}/{@code from(n)} level: {@code n >= 1} and a valid timeout. */
    static void checkCounted(int n, Duration timeout) {
        atLeast("n", n, 1);
        timeout(timeout);
    }

    /** Checks a majority level: a valid timeout and {@code minCap >= 0}. */
    static void checkMajority(Duration timeout, int minCap) {
        timeout(timeout);
        atLeast("minCap", minCap, 0);
    }

    /** Checks a majority-plus level: {@code additional >= 0}, a valid timeout and {@code minCap >= 0}. */
    static void checkMajorityPlus(int additional, Duration timeout, int minCap) {
        atLeast("additional", additional, 0);
        checkMajority(timeout, minCap);
    }

    /** What a local level requires: this node alone, once {@code members} is checked. */
    static int localRequired(int members) {
        members(members);
        return 1;
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
