package io.converge.crdt.protocol;

import io.converge.crdt.causal.ReplicaId;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedSet;

/**
 * What a {@link SyncMachine} knows about one peer: its session, its acknowledged position, and
 * what is under way in each direction as explicit states rather than sentinel fields. Confined to
 * the machine.
 */
final class PeerState {
    /** The session of the peer that the transport admitted. */
    long incarnation;
    /** Reachable now; an unreachable peer keeps {@link #acked} for its return. */
    boolean up = true;
    /** Replicas this peer told us it cannot reach: their deltas are forwarded to it. */
    SortedSet<ReplicaId> cannotReach = Collections.emptySortedSet();
    /** Highest position of ours it acknowledged; -1 while unknown (new, restarted, nacked). */
    long acked = -1;
    /**
     * When we last sent it a heartbeat: a quiet link carries one every heartbeat interval,
     * whatever else it carried, so a digest difference is always heard in both directions.
     */
    long lastHeartbeatAt;
    /** What we are sending it. */
    Outbound out = Outbound.IDLE;
    /** What it is sending us by transfer. */
    Inbound in = Inbound.IDLE;
    /** The newest transfer id of the peer's that we saw: older chunks are late and ignored. */
    long newestIncomingTransfer = -1;
    /** An interval from the peer that would leave a causal gap, kept until the gap fills. */
    Message.Deltas parked;
    /** When the peer's intervals first left a gap; -1 when they do not. */
    long gapSince = -1;
    /**
     * It was furthest behind when the buffer passed its bound: it no longer pins the buffer, and
     * gets a transfer instead of the deltas trimmed past it. Cleared by the next transfer to it.
     */
    boolean unpinned;
    /** Start of the current minute of transfers it asked for (see {@link #mayStartTransfer}). */
    long transferWindowStart = Long.MIN_VALUE;
    /** Transfers it asked for since {@link #transferWindowStart}. */
    int transfersInWindow;

    /**
     * Whether one more transfer asked for by this peer fits {@code perMinute} in the minute
     * around {@code now}; counts it if so. A fixed window: at most twice the rate across a
     * window's edge, which is bound enough.
     */
    boolean mayStartTransfer(long now, int perMinute) {
        if (transferWindowStart == Long.MIN_VALUE || now - transferWindowStart >= 60_000 || now < transferWindowStart) {
            transferWindowStart = now;
            transfersInWindow = 0;
        }
        if (transfersInWindow >= perMinute) {
            return false;
        }
        transfersInWindow++;
        return true;
    }

    /** Nothing outstanding either way and everything of ours acknowledged. */
    boolean quiet(long next) {
        return acked >= next && out == Outbound.IDLE && in == Inbound.IDLE;
    }

    /** Forgets what was in flight either way, keeping the acknowledged position. */
    void resetSession() {
        out = Outbound.IDLE;
        in = Inbound.IDLE;
        parked = null;
        gapSince = -1;
    }

    /** Our side of the link. */
    sealed interface Outbound permits Outbound.Idle, Outbound.Interval, Outbound.Transfer {
        /** Nothing in flight. */
        Idle IDLE = new Idle();

        /** Nothing in flight: the next flush sends an interval or starts a transfer. */
        record Idle() implements Outbound {
        }

        /** The interval {@code [.., end)} is in flight since {@code sentAt}; one at a time. */
        record Interval(long end, long sentAt) implements Outbound {
        }

        /**
         * Transfer {@code id} offering our store as of position {@code upTo}; restarted when the
         * peer stays silent for an ack timeout after {@link #touchedAt()}. Its messages are
         * numbered in the order sent ({@link #nextSeq()}), so the peer can tell one was lost.
         */
        final class Transfer implements Outbound {
            private final long id;
            private final long upTo;
            private long touchedAt;
            private long nextSeq;
            /** Offer chunks sent, and requests answered: the peer sends at most one request per chunk. */
            int offerChunks;
            int requestsAnswered;

            Transfer(long id, long upTo, long touchedAt) {
                this.id = id;
                this.upTo = upTo;
                this.touchedAt = touchedAt;
            }

            long id() {
                return id;
            }

            long upTo() {
                return upTo;
            }

            long touchedAt() {
                return touchedAt;
            }

            void touch(long now) {
                touchedAt = now;
            }

            /** The number of the transfer's next message. */
            long nextSeq() {
                return nextSeq++;
            }
        }
    }

    /** The peer's transfer to us. */
    sealed interface Inbound permits Inbound.Idle, Inbound.Receiving {
        /** No transfer from the peer under way. */
        Idle IDLE = new Idle();

        /** No transfer under way. */
        record Idle() implements Inbound {
        }

        /**
         * Transfer {@code id} of the peer's store as of its position {@code upTo}: complete once
         * the offer ended, every request was answered and every announced part arrived.
         */
        final class Receiving implements Inbound {
            final long id;
            final long upTo;
            /** The number of the transfer's next message; a higher one means one was lost. */
            long expectedSeq;
            /** When the transfer last made progress: it is abandoned after two ack timeouts without. */
            long touchedAt;
            boolean offerDone;
            int requests;
            int answers;
            long partsExpected;
            long partsReceived;
            /** Parts of large keys being assembled, per key: the parts received so far. */
            final Map<String, Assembly> parts = new HashMap<>();
            /** Bytes of the parts held in {@link #parts}. */
            long assemblyBytes;

            Receiving(long id, long upTo, long now) {
                this.id = id;
                this.upTo = upTo;
                this.touchedAt = now;
            }

            boolean complete() {
                return offerDone && answers >= requests && partsReceived >= partsExpected;
            }
        }

        /**
         * One key's parts received so far, out of {@code parts} announced: held as they arrive,
         * so a hostile count allocates nothing.
         */
        final class Assembly {
            final int parts;
            final Map<Integer, Object> received = new HashMap<>();
            /** Bytes of {@link #received}, counted in {@link Receiving#assemblyBytes}. */
            long bytes;

            Assembly(int parts) {
                this.parts = parts;
            }
        }
    }
}
