package io.converge.net;

import java.time.Duration;

/**
 * How many members must hold a write before the call reports success, as in Pekko Distributed
 * Data: {@link #local()}, {@link #to(int, Duration) to(n)}, {@link #majority(Duration) majority}
 * (with an optional {@linkplain Majority#minCap(int) minCap}),
 * {@link #majorityPlus(int, Duration) majorityPlus(k)} and {@link #all(Duration) all}.
 *
 * <p>Counts are of {@code N}, the members {@code Up} or {@code Leaving}, <b>reachable or not</b>,
 * this node included: counting unreachable members is what keeps the minority side of a partition
 * from calling itself a majority. Every level but {@code local} takes a mandatory timeout
 * (positive, at most {@link #MAX_TIMEOUT}); when it passes the write fails with a typed
 * {@link WriteTimeoutException}, and it is never rolled back: the write was applied here first
 * and keeps spreading by anti-entropy. These are acknowledgement thresholds, not consensus.
 *
 * <p>A level may ask to {@linkplain Majority#failFast(boolean) fail fast}: when fewer members are
 * reachable than it requires, the call fails at once with
 * {@link NotEnoughReachableMembersException} and applies nothing. Off by default (as in Pekko,
 * where a write waits for its timeout): reachability lags, and an unreachable member may still
 * have acknowledged.
 *
 * <p>Immutable values; the factories check their arguments ({@link IllegalArgumentException},
 * {@link NullPointerException}).
 */
public sealed interface WriteConsistency permits WriteConsistency.Local, WriteConsistency.To,
        WriteConsistency.Majority, WriteConsistency.MajorityPlus, WriteConsistency.All {
    /** The longest timeout a level accepts: 10 minutes. A longer wait is a design smell, not a setting. */
    Duration MAX_TIMEOUT = Levels.MAX_TIMEOUT;

    /** Applied here only; never waits on another node. The default. */
    static Local local() {
        return Local.INSTANCE;
    }

    /**
     * Held by {@code n} members, this node included ({@code to(1)} waits only for the local
     * write), at most {@code N}.
     *
     * @throws IllegalArgumentException if {@code n < 1} or the timeout is not positive or above {@link #MAX_TIMEOUT}
     */
    static To to(int n, Duration timeout) {
        return new To(n, timeout, false);
    }

    /** Held by a majority of {@code N} ({@code N / 2 + 1}), this node included. */
    static Majority majority(Duration timeout) {
        return new Majority(timeout, 0, false);
    }

    /** Held by a majority of {@code N} plus {@code additional} members, at most {@code N}. */
    static MajorityPlus majorityPlus(int additional, Duration timeout) {
        return new MajorityPlus(additional, timeout, 0, false);
    }

    /** Held by all {@code N} members, unreachable ones included: one unreachable member makes it time out. */
    static All all(Duration timeout) {
        return new All(timeout, false);
    }

    /**
     * How many members, this node included, must hold the write when {@code members} are counted.
     *
     * @throws IllegalArgumentException if {@code members < 1}
     */
    int required(int members);

    /** How long the call may wait; {@link Duration#ZERO} for {@link Local}. */
    Duration timeout();

    /** Whether too few reachable members fail the call at once, applying nothing. */
    boolean failFast();

    /** The level's name, for metrics and logs: {@code local}, {@code to}, {@code majority}, {@code majority-plus}, {@code all}. */
    String kind();

    /** Applied here only. */
    record Local() implements WriteConsistency {
        private static final Local INSTANCE = new Local();

        @Override
        public int required(int members) {
            return Levels.localRequired(members);
        }

        @Override
        public Duration timeout() {
            return Duration.ZERO;
        }

        @Override
        public boolean failFast() {
            return false;
        }

        @Override
        public String kind() {
            return Levels.LOCAL;
        }
    }

    /**
     * Held by {@code n} members, this node included, at most {@code N}.
     *
     * @param n members required, at least 1
     * @param timeout how long to wait, positive, at most {@link #MAX_TIMEOUT}
     * @param failFast fail at once when fewer than required are reachable
     */
    record To(int n, Duration timeout, boolean failFast) implements WriteConsistency {
        public To {
            Levels.checkCounted(n, timeout);
        }

        /** This level failing fast, or not. */
        public To failFast(boolean on) {
            return new To(n, timeout, on);
        }

        @Override
        public int required(int members) {
            return Levels.upTo(n, members);
        }

        @Override
        public String kind() {
            return "to";
        }
    }

    /**
     * Held by a majority of {@code N}: {@code N / 2 + 1}, at least {@code minCap}, at most {@code N}.
     *
     * @param timeout how long to wait, positive, at most {@link #MAX_TIMEOUT}
     * @param minCap the fewest members required however small {@code N} is, at least 0 (default 0)
     * @param failFast fail at once when fewer than required are reachable
     */
    record Majority(Duration timeout, int minCap, boolean failFast) implements WriteConsistency {
        public Majority {
            Levels.checkMajority(timeout, minCap);
        }

        /** This level requiring at least {@code minCap} members (still at most {@code N}). */
        public Majority minCap(int minCap) {
            return new Majority(timeout, minCap, failFast);
        }

        /** This level failing fast, or not. */
        public Majority failFast(boolean on) {
            return new Majority(timeout, minCap, on);
        }

        @Override
        public int required(int members) {
            return Levels.majority(members, 0, minCap);
        }

        @Override
        public String kind() {
            return Levels.MAJORITY;
        }
    }

    /**
     * Held by a majority of {@code N} plus {@code additional}, at least {@code minCap}, at most {@code N}.
     *
     * @param additional members beyond the majority, at least 0
     * @param timeout how long to wait, positive, at most {@link #MAX_TIMEOUT}
     * @param minCap the fewest members required however small {@code N} is, at least 0 (default 0)
     * @param failFast fail at once when fewer than required are reachable
     */
    record MajorityPlus(int additional, Duration timeout, int minCap, boolean failFast) implements WriteConsistency {
        public MajorityPlus {
            Levels.checkMajorityPlus(additional, timeout, minCap);
        }

        /** This level requiring at least {@code minCap} members (still at most {@code N}). */
        public MajorityPlus minCap(int minCap) {
            return new MajorityPlus(additional, timeout, minCap, failFast);
        }

        /** This level failing fast, or not. */
        public MajorityPlus failFast(boolean on) {
            return new MajorityPlus(additional, timeout, minCap, on);
        }

        @Override
        public int required(int members) {
            return Levels.majority(members, additional, minCap);
        }

        @Override
        public String kind() {
            return Levels.MAJORITY_PLUS;
        }
    }

    /**
     * Held by all {@code N} members.
     *
     * @param timeout how long to wait, positive, at most {@link #MAX_TIMEOUT}
     * @param failFast fail at once when some counted member is unreachable
     */
    record All(Duration timeout, boolean failFast) implements WriteConsistency {
        public All {
            Levels.timeout(timeout);
        }

        /** This level failing fast, or not. */
        public All failFast(boolean on) {
            return new All(timeout, on);
        }

        @Override
        public int required(int members) {
            return Levels.members(members);
        }

        @Override
        public String kind() {
            return Levels.ALL;
        }
    }
}
