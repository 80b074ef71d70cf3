package io.converge.net.http;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * What a request asks of a read or a write: how many replicas must hold it ({@link Level}) and
 * how long the caller waits for them. Immutable.
 *
 * @param level the level asked for
 * @param timeout how long to wait for it; positive
 */
record ConsistencyRequest(Level level, Duration timeout) {
    /** The timeout when a request names none. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** The longest timeout a request may ask for: a client cannot park a request for an hour. */
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

    /** How many replicas a read or write must reach before the request is answered. */
    enum Level {
        /** This node alone. */
        LOCAL,
        /** A majority of the members, this node counted. */
        MAJORITY,
        /** Every member. */
        ALL;

        /** The name used in query strings. */
        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The level named {@code s} ({@code local}, {@code majority}, {@code all}).
         *
         * @throws IllegalArgumentException if it names none
         */
        static Level parse(String s) {
            for (Level l : values()) {
                if (l.wireName().equals(s)) {
                    return l;
                }
            }
            throw new IllegalArgumentException("unknown consistency '" + s + "': use local, majority or all");
        }
    }

    ConsistencyRequest {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout must be positive and at most " + MAX_TIMEOUT.toMillis()
                    + " ms, got " + timeout.toMillis() + " ms");
        }
    }
}
