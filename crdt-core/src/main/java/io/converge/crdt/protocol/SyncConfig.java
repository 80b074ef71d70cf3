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
 * @param bufferMaxBytes most bytes of deltas (as the {@link ValueSizer} measures them) the
 *     buffer holds for peers that have not acknowledged them; see below
 * @param maxPartsPerKey most {@link Message.StatePart}s one key may be announced in; see below
 * @param assemblyMaxBytesPerTransfer most bytes of parts held for one incoming transfer
 * @param assemblyMaxBytes most bytes of parts held for all incoming transfers together
 * @param maxTransfersPerPeerPerMinute most transfers one peer can make us start per minute by
 *     its messages (a {@link Message.Nack}, a {@link Message.Heartbeat} whose digest differs)
 * @param inboundMaxBytes most bytes of received frames the engine's driver queues for its loop
 * @param maxInboundPerTurn most received messages the engine's driver steps before it lets
 *     queued local work run
 *
 * <h2>What a peer cannot make a node hold</h2>
 * An admitted peer is trusted with data, not with our memory or time: each bound below holds
 * whatever it sends, and what it refuses is counted in {@link MachineStats#refused()} by
 * {@link Limit}, reported as an {@link Output.Refusal} (the engine logs it, rate-limited, and
 * publishes it as an event) and changes nothing else.
 * <ul>
 *   <li><b>Delta buffer</b>: {@code bufferMaxEntries} (default 100,000) and {@code bufferMaxBytes}
 *       (default 64 MiB). When the buffer passes either, the peers pinning its oldest delta (the
 *       ones furthest behind, typically silent) stop pinning it and the buffer is trimmed past
 *       them; each such peer gets a full-state transfer when it is next reachable. Counted as
 *       {@link Limit#BUFFER}, and as a {@link TransferReason#BEHIND_BUFFER} transfer.
 *   <li><b>Parts of a large key</b>: a key announced in more than {@code maxPartsPerKey} parts
 *       (default 16,384) is refused before anything is allocated for it; parts are kept as they
 *       arrive (nothing is allocated from a declared count), and once the parts held for one
 *       transfer pass {@code assemblyMaxBytesPerTransfer} (default 64 MiB) or those of all
 *       transfers pass {@code assemblyMaxBytes} (default 128 MiB), the transfer is dropped with
 *       everything assembled for it; the sender restarts it after its ack timeout. A key larger
 *       than the per-transfer bound cannot be received from a transfer: raise the bound.
 *       Counted as {@link Limit#PARTS_PER_KEY}, {@link Limit#ASSEMBLY_BYTES_PER_TRANSFER},
 *       {@link Limit#ASSEMBLY_BYTES_TOTAL}.
 *   <li><b>Keys not joined</b>: an interval that would leave a causal gap is kept (one per peer,
 *       at most one message) until the gap fills or an ack timeout passes; parts are bounded as
 *       above; nothing else about a key that was not joined is kept, so the engine forgets the
 *       names its codec learned from it.
 *   <li><b>Transfers a peer asks for</b>: at most {@code maxTransfersPerPeerPerMinute} (default
 *       20) started in answer to one peer's nacks and digest mismatches per minute of the
 *       machine's time; more are ignored (the peer asks again) and counted as
 *       {@link Limit#TRANSFERS_PER_MINUTE}. A nack while a transfer to that peer is under way
 *       is already answered by it. A transfer answers at most one request per offer chunk it
 *       sent; more are counted as {@link Limit#REQUESTS_PER_TRANSFER}.
 *   <li><b>Inbound queue</b> (the engine's driver): frames wait for the loop up to
 *       {@code inboundMaxBytes} (default 64 MiB) of estimated heap (each frame is charged 256
 *       bytes plus 8 times its size: a queued, decoded message holds far more than its
 *       encoding); a frame beyond is dropped, counted
 *       in the engine's {@code SyncStats.inboundDropped} and published as an
 *       {@code InboundDropped} event (the protocol resends). Frames from a replica the
 *       transport has not reported up are dropped before they are decoded. The loop steps at
 *       most {@code maxInboundPerTurn} (default 64) received messages before queued local
 *       updates and reads run, so a flooding peer cannot starve them.
 * </ul>
 */
public record SyncConfig(long syncIntervalMillis, long ackTimeoutMillis, long heartbeatIntervalMillis,
        int maxEntriesPerMessage, int bufferMaxEntries, int maxUpdatesPerStep, int maxMessageBytes,
        long bufferMaxBytes, int maxPartsPerKey, long assemblyMaxBytesPerTransfer, long assemblyMaxBytes,
        int maxTransfersPerPeerPerMinute, long inboundMaxBytes, int maxInboundPerTurn) {
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
        if (bufferMaxBytes < maxMessageBytes || assemblyMaxBytesPerTransfer < maxMessageBytes
                || assemblyMaxBytes < assemblyMaxBytesPerTransfer || inboundMaxBytes < maxMessageBytes) {
            throw new IllegalArgumentException("byte bounds must be at least maxMessageBytes (" + maxMessageBytes
                    + "), and assemblyMaxBytes at least assemblyMaxBytesPerTransfer");
        }
        if (maxPartsPerKey < 1 || maxTransfersPerPeerPerMinute < 1 || maxInboundPerTurn < 1) {
            throw new IllegalArgumentException("maxPartsPerKey, maxTransfersPerPeerPerMinute and maxInboundPerTurn"
                    + " must be at least 1");
        }
    }

    /** The smallest {@link #maxMessageBytes()} allowed. */
    public static final int MIN_MESSAGE_BYTES = 1024;

    /**
     * The defaults: sync every 50 ms, ack timeout 2 s, heartbeat 2 s, 500 entries and 256 KiB per
     * message, 100,000 buffered deltas and 64 MiB of them, 256 local updates per step, 16,384
     * parts per key, 64 MiB of parts per incoming transfer and 128 MiB in all, 20 transfers a
     * peer can ask for per minute, 64 MiB of queued inbound frames, 64 received messages per turn.
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
        private long bufferMaxBytes = 64L << 20;
        private int maxPartsPerKey = 16_384;
        private long assemblyMaxBytesPerTransfer = 64L << 20;
        private long assemblyMaxBytes = 128L << 20;
        private int maxTransfersPerPeerPerMinute = 20;
        private long inboundMaxBytes = 64L << 20;
        private int maxInboundPerTurn = 64;

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

        /**
         * Most bytes of buffered deltas; default 64 MiB. Past it, the peers furthest behind stop
         * pinning the buffer and get a full-state transfer instead (see the class comment).
         */
        public Builder bufferMaxBytes(long n) {
            bufferMaxBytes = atLeast("bufferMaxBytes", n, MIN_MESSAGE_BYTES);
            return this;
        }

        /** Most parts one key may be announced in; default 16,384. */
        public Builder maxPartsPerKey(int n) {
            maxPartsPerKey = (int) atLeast("maxPartsPerKey", n, 1);
            return this;
        }

        /** Most bytes of parts held for one incoming transfer; default 64 MiB. */
        public Builder assemblyMaxBytesPerTransfer(long n) {
            assemblyMaxBytesPerTransfer = atLeast("assemblyMaxBytesPerTransfer", n, MIN_MESSAGE_BYTES);
            return this;
        }

        /** Most bytes of parts held for all incoming transfers together; default 128 MiB. */
        public Builder assemblyMaxBytes(long n) {
            assemblyMaxBytes = atLeast("assemblyMaxBytes", n, MIN_MESSAGE_BYTES);
            return this;
        }

        /** Most transfers one peer's nacks and digest mismatches start per minute; default 20. */
        public Builder maxTransfersPerPeerPerMinute(int n) {
            maxTransfersPerPeerPerMinute = (int) atLeast("maxTransfersPerPeerPerMinute", n, 1);
            return this;
        }

        /**
         * Most heap that received frames waiting for the engine's loop may hold, estimated as 256
         * bytes plus 8 times each frame's size; default 64 MiB.
         */
        public Builder inboundMaxBytes(long n) {
            inboundMaxBytes = atLeast("inboundMaxBytes", n, MIN_MESSAGE_BYTES);
            return this;
        }

        /** Most received messages the engine's loop steps before it runs queued local work; default 64. */
        public Builder maxInboundPerTurn(int n) {
            maxInboundPerTurn = (int) atLeast("maxInboundPerTurn", n, 1);
            return this;
        }

        private static long atLeast(String name, long n, long min) {
            if (n < min) {
                throw new IllegalArgumentException(name + " must be at least " + min + ", got " + n);
            }
            return n;
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
                    bufferMaxEntries, maxUpdatesPerStep, maxMessageBytes, bufferMaxBytes, maxPartsPerKey,
                    assemblyMaxBytesPerTransfer, assemblyMaxBytes, maxTransfersPerPeerPerMinute, inboundMaxBytes,
                    maxInboundPerTurn);
        }
    }
}
