package io.converge.net;

import java.time.Duration;

/**
 * How many members' states a read must gather before it returns, as in Pekko Distributed Data:
 * {@link #local()}, {@link #from(int, Duration) from(n)}, {@link #majority(Duration) majority}
 * (with an optional {@linkplain Majority#minCap(int) minCap}),
 * {@link #majorityPlus(int, Duration) majorityPlus(k)} and {@link #all(Duration) all}.
 *
 * <p>A read fetches the key from peers and joins each answer into the local state, which keeps it
 * (read repair); it returns the local state once the required number of members, this node
 * included, answered. Counts are of {@code N}, the members {@code Up} or {@code Leaving},
 * <b>reachable or not</b>, this node included. A {@link WriteConsistency.Majority majority} write
 * followed by a majority read sees the write ({@code W + R > N}), except across membership
 * changes. Every level but {@code local} takes a mandatory timeout (positive, at most
 * {@link #MAX_TIMEOUT}); when it passes the read fails with a typed {@link ReadTimeoutException}
 * that carries the local value.
 *
 * <p>A level may ask to {@linkplain Majority#failFast(boolean) fail fast}: when fewer members are
 * reachable than it requires, the call fails at once with
 * {@link NotEnoughReachableMembersException}. Off by default.
 *
 * <p>Immutable values; the factories check their arguments ({@link IllegalArgumentException},
 * {@link NullPointerException}).
 */
public sealed interface ReadConsistency permits ReadConsistency.Local, ReadConsistency.From,
        ReadConsistency.Majority, ReadConsistency.MajorityPlus, ReadConsistency.All {
    /** The longest timeout a level accepts: 10 minutes. */
    Duration MAX_TIMEOUT = Levels.MAX_TIMEOUT;

    /** The local state only; never waits on another node. The default. */
    static Local local() {
        return Local.INSTANCE;
    }

    /**
     * From {@code n} members, this node included ({@code from(1)} is a local read), at most {@code N}.
     *
     * @throws IllegalArgumentException if {@code n < 1} or the timeout is not positive or above {@link #MAX_TIMEOUT}
     */
    static From from(int n, Duration timeout) {
        return new From(n, timeout, false);
    }

    /** From a majority of {@code N} ({@code N / 2 + 1}), this node included. */
    static Majority majority(Duration timeout) {
        return new Majority(timeout, 0, false);
    }

    /** From a majority of {@code N} plus {@code additional} members, at most {@code N}. */
    static MajorityPlus majorityPlus(int additional, Duration timeout) {
        return new MajorityPlus(additional, timeout, 0, false);
    }

    /** From all {@code N} members, unreachable ones included. */
    static All all(Duration timeout) {
        return new All(timeout, false);
    }

    /**
     * How many members, this node included, must answer when {@code members} are counted.
     *
     * @throws IllegalArgumentException if {@code members < 1}
     */
    int required(int members);

    /** How long the call may wait; {@link Duration#ZERO} for {@link Local}. */
    Duration timeout();

    /** Whether too few reachable members fail the call at once. */
    boolean failFast();

    /** The level's name, for metrics and logs: {@code local}, {@code from}, {@code majority}, {@code majority-plus}, {@code all}. */
    String kind();

    /** The local state only. */
    record Local() implements ReadConsistency {
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
     * From {@code n} members, this node included, at most {@code N}.
     *
     * @param n members required, at least 1
     * @param timeout how long to wait, positive, at most {@link #MAX_TIMEOUT}
     * @param failFast fail at once when fewer than required are reachable
     */
    record From(int n, Duration timeout, boolean failFast) implements ReadConsistency {
        public From {
            Levels.checkCounted(n, timeout);
        }

        /** This level failing fast, or not. */
        public From failFast(boolean on) {
            return new From(n, timeout, on);
        }

        @Override
        public int required(int members) {
            return Levels.upTo(n, members);
        }

        @Override
        public String kind() {
            return "from";
        }
    }

    /**
     * From a majority of {@code N}: {@code N / 2 + 1}, at least {@code minCap}, at most {@code N}.
     *
     * @param timeout how long to wait, positive, at most {@link #MAX_TIMEOUT}
     * @param minCap the fewest members required however small {@code N} is, at least 0 (default 0)
     * @param failFast fail at once when fewer than required are reachable
     */
    record Majority(Duration timeout, int minCap, boolean failFast) implements ReadConsistency {
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
     * From a majority of {@code N} plus {@code additional}, at least {@code minCap}, at most {@code N}.
     *
     * @param additional members beyond the majority, at least 0
     * @param timeout how long to wait, positive, at most {@link #MAX_TIMEOUT}
     * @param minCap the fewest members required however small {@code N} is, at least 0 (default 0)
     * @param failFast fail at once when fewer than required are reachable
     */
    record MajorityPlus(int additional, Duration timeout, int minCap, boolean failFast) implements ReadConsistency {
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
     * From all {@code N} members.
     *
     * @param timeout how long to wait, positive, at most {@link #MAX_TIMEOUT}
     * @param failFast fail at once when some counted member is unreachable
     */
    record All(Duration timeout, boolean failFast) implements ReadConsistency {
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
