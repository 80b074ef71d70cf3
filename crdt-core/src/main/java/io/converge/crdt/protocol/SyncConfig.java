package io.converge.crdt.protocol;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the anti-entropy protocol. Immutable; build with {@link #builder()}, every setting
 * has the default named on its setter.
 *
 * @param syncIntervalMillis how often pending deltas are pushed to each peer
 * @param ackTimeoutMillis how long an unacknowledged interval or transfer step waits before it is
 *     sent again
 * @param heartbeatIntervalMillis how often a quiet link carries a {@link Message.Heartbeat}
 * @param maxEntriesPerMessage most keyed entries in one message (max sync size)
 * @param bufferMaxEntries most deltas kept for peers that have not acknowledged them; beyond it
 *     the oldest are evicted and such peers get a full-state transfer
 * @param maxUpdatesPerStep most queued local updates the engine's driver applies in one step
 *     (group commit: one record batch, one change dispatch, one release of sends)
 * @param maxMessageBytes most bytes of values in one message, as the machine's {@link ValueSizer}
 *     measures them: intervals, state chunks and parts are cut below it, so no frame reaches the
 *     receiver's frame limit; a key larger than this travels in {@link Message.StatePart}s
 */
public record SyncConfig(long syncIntervalMillis, long ackTimeoutMillis, long heartbeatIntervalMillis,
        int maxEntriesPerMessage, int bufferMaxEntries, int maxUpdatesPerStep, int maxMessageBytes) {
    public SyncConfig {
        if (syncIntervalMillis < 1 || ackTimeoutMillis < 1 || heartbeatIntervalMillis < 1) {
            throw new IllegalArgumentException("intervals must be at least 1 ms");
        }
        if (maxEntriesPerMessage < 1 || bufferMaxEntries < 1 || maxUpdatesPerStep < 1) {
            throw new IllegalArgumentException("sizes must be at least 1");
        }
        if (maxMessageBytes < MIN_MESSAGE_BYTES) {
            throw new IllegalArgumentException("maxMessageBytes must be at least " + MIN_MESSAGE_BYTES + ", got "
                    + maxMessageBytes);
        }
    }

    /** The smallest {@link #maxMessageBytes()} allowed. */
    public static final int MIN_MESSAGE_BYTES = 1024;

    /**
     * The defaults: sync every 50 ms, ack timeout 2 s, heartbeat 2 s, 500 entries and 256 KiB per
     * message, 100,000 buffered deltas, 256 local updates per step.
     */
    public static SyncConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link SyncConfig}. Not thread-safe. */
    public static final class Builder {
        private long syncIntervalMillis = 50;
        private long ackTimeoutMillis = 2_000;
        private long heartbeatIntervalMillis = 2_000;
        private int maxEntriesPerMessage = 500;
        private int bufferMaxEntries = 100_000;
        private int maxUpdatesPerStep = 256;
        private int maxMessageBytes = 256 * 1024;

        private Builder() {
        }

        /** How often deltas are pushed to peers; default 50 ms. */
        public Builder syncInterval(Duration d) {
            syncIntervalMillis = positiveMillis(d);
            return this;
        }

        /** How long before an unacknowledged message is resent; default 2 s. */
        public Builder ackTimeout(Duration d) {
            ackTimeoutMillis = positiveMillis(d);
            return this;
        }

        /** How often a quiet link carries a heartbeat digest; default 2 s. */
        public Builder heartbeatInterval(Duration d) {
            heartbeatIntervalMillis = positiveMillis(d);
            return this;
        }

        /** Most entries per message; default 500 (Pekko's max-delta-elements). */
        public Builder maxEntriesPerMessage(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxEntriesPerMessage must be at least 1, got " + n);
            }
            maxEntriesPerMessage = n;
            return this;
        }

        /** Most buffered deltas; default 100,000. */
        public Builder bufferMaxEntries(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("bufferMaxEntries must be at least 1, got " + n);
            }
            bufferMaxEntries = n;
            return this;
        }

        /**
         * Most local updates applied in one step of the driver; default 256. Updates queued while
         * the driver is busy are applied together, up to this many, and share one persistence
         * call, one change dispatch and one release of sends; a larger value amortises more under
         * load but holds incoming messages back longer behind a step. 1 applies each update alone.
         */
        public Builder maxUpdatesPerStep(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxUpdatesPerStep must be at least 1, got " + n);
            }
            maxUpdatesPerStep = n;
            return this;
        }

        /**
         * Most bytes of values per message; default 256 KiB, a quarter of the codec's default
         * {@code maxFrameBytes} (1 MiB), which leaves room for the frame's tables and for
         * estimates. The engine refuses a setting above half its codec's frame limit.
         */
        public Builder maxMessageBytes(int n) {
            if (n < MIN_MESSAGE_BYTES) {
                throw new IllegalArgumentException("maxMessageBytes must be at least " + MIN_MESSAGE_BYTES + ", got " + n);
            }
            maxMessageBytes = n;
            return this;
        }

        private static long positiveMillis(Duration d) {
            Objects.requireNonNull(d, "duration");
            long ms = d.toMillis();
            if (ms < 1) {
                throw new IllegalArgumentException("duration must be at least 1 ms, got " + d);
            }
            return ms;
        }

        /** The configuration. */
        public SyncConfig build() {
            return new SyncConfig(syncIntervalMillis, ackTimeoutMillis, heartbeatIntervalMillis, maxEntriesPerMessage,
                    bufferMaxEntries, maxUpdatesPerStep, maxMessageBytes);
        }
    }
}
