package io.converge.crdt.causal;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", OPODIS 2014; crdt.md §4):
 * timestamps that stay close to physical time yet respect causality: if event e happened before
 * f, then {@code hlc(e) < hlc(f)}, whatever the physical clocks say.
 *
 * <p>The physical clock is injected ({@code LongSupplier} of epoch milliseconds), so tests and
 * the simulator control time. A remote timestamp more than {@code maxOffsetMillis} ahead of the
 * physical clock is <em>not</em> absorbed (a faulty peer could otherwise drag the clock into the
 * future for good): {@link #observe} reports it and the caller still joins the data. When the
 * 16-bit counter would overflow within one millisecond, {@link #now()} waits (spinning on the
 * physical clock, bounded by {@code maxOffsetMillis}) for time to move on.
 *
 * <p>Thread-safe: every method is atomic with respect to the others. {@link #now()} and
 * {@link #observe} are O(1).
 */
public final class HybridLogicalClock {
    /** Default bound on how far ahead of local time a remote stamp may be and still be absorbed. */
    public static final long DEFAULT_MAX_OFFSET_MILLIS = 500;

    private final LongSupplier physicalClock;
    private final long maxOffsetMillis;
    private final SkewListener skewListener;
    private long l;
    private int c;

    /**
     * Told of every remote timestamp the clock refused to absorb, being more than
     * {@code maxOffsetMillis} ahead of the physical clock: a peer whose clock runs ahead (or a
     * corrupt stamp). Called on the thread that offered the stamp, while the clock is locked:
     * it must be quick, must not block and must not use this clock.
     */
    @FunctionalInterface
    public interface SkewListener {
        /** {@code remote} was refused; the physical clock read {@code physicalMillis}. */
        void refused(HlcTimestamp remote, long physicalMillis);
    }

    private HybridLogicalClock(LongSupplier physicalClock, long maxOffsetMillis, HlcTimestamp start,
            SkewListener skewListener) {
        this.physicalClock = physicalClock;
        this.maxOffsetMillis = maxOffsetMillis;
        this.skewListener = skewListener;
        this.l = start.millis();
        this.c = start.counter();
    }

    /** A clock on {@link System#currentTimeMillis()} with the default offset bound of 500 ms. */
    public static HybridLogicalClock system() {
        return new HybridLogicalClock(System::currentTimeMillis, DEFAULT_MAX_OFFSET_MILLIS, HlcTimestamp.ZERO,
                (r, p) -> { });
    }

    /**
     * A clock on the given physical clock.
     *
     * @param physicalClock epoch milliseconds; must not go negative
     * @param maxOffsetMillis how far ahead of physical time a remote stamp may be absorbed, at least 0
     * @param lastIssued the last timestamp issued before a restart (persist it so restarts stay
     *     monotonic), or {@link HlcTimestamp#ZERO}
     */
    public static HybridLogicalClock of(LongSupplier physicalClock, long maxOffsetMillis, HlcTimestamp lastIssued) {
        return of(physicalClock, maxOffsetMillis, lastIssued, (r, p) -> { });
    }

    /**
     * {@link #of(LongSupplier, long, HlcTimestamp)} that tells {@code skewListener} of every remote
     * timestamp refused for being too far ahead.
     */
    public static HybridLogicalClock of(LongSupplier physicalClock, long maxOffsetMillis, HlcTimestamp lastIssued,
            SkewListener skewListener) {
        Objects.requireNonNull(skewListener, "skewListener");
        Objects.requireNonNull(physicalClock, "physicalClock");
        Objects.requireNonNull(lastIssued, "lastIssued");
        if (maxOffsetMillis < 0) {
            throw new IllegalArgumentException("maxOffsetMillis must be at least 0, got " + maxOffsetMillis);
        }
        return new HybridLogicalClock(physicalClock, maxOffsetMillis, lastIssued, skewListener);
    }

    /** The bound on absorbed remote skew, in milliseconds. */
    public long maxOffsetMillis() {
        return maxOffsetMillis;
    }

    /** A timestamp for a local or send event, strictly greater than every one before it. */
    public synchronized HlcTimestamp now() {
        long pt = physical();
        long nl = Math.max(l, pt);
        if (nl == l) {
            if (c == HlcTimestamp.MAX_COUNTER) {
                // Counter exhausted within this millisecond: wait for physical time to pass l.
                long deadline = System.nanoTime() + (maxOffsetMillis + 1) * 1_000_000L + 1_000_000_000L;
                while ((pt = physical()) <= l) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("HLC counter exhausted and physical clock not advancing");
                    }
                    Thread.onSpinWait();
                }
                l = pt;
                c = 0;
            } else {
                c++;
            }
        } else {
            l = nl;
            c = 0;
        }
        return HlcTimestamp.of(l, c);
    }

    /**
     * A timestamp for a local write that must supersede {@code seen} (the stamp it replaces):
     * one clock event, strictly greater than every timestamp issued before and than {@code seen}.
     * A {@code seen} this clock already passed (its own earlier write, or one absorbed before)
     * changes nothing: the write gets {@link #now()}. A newer one is absorbed and the absorbing
     * event is the write's stamp, so a write never costs two events; one too far ahead (beyond
     * {@code maxOffsetMillis}) is ignored, as {@link #observe} ignores it.
     */
    public synchronized HlcTimestamp nowAfter(HlcTimestamp seen) {
        Objects.requireNonNull(seen, "seen");
        if (seen.compareTo(HlcTimestamp.of(l, c)) <= 0 || !observe(seen)) {
            return now();
        }
        return HlcTimestamp.of(l, c);
    }

    /**
     * Absorbs a timestamp received from another replica (the HLC receive rule), so that the next
     * local timestamp is greater than it.
     *
     * @return {@code true} if absorbed; {@code false} if {@code remote} lies more than
     *     {@code maxOffsetMillis} ahead of the physical clock, in which case the clock is left as
     *     it was (a clock skew: the clock's {@link SkewListener} is told)
     */
    public synchronized boolean observe(HlcTimestamp remote) {
        Objects.requireNonNull(remote, "remote");
        long pt = physical();
        long lm = remote.millis();
        int cm = remote.counter();
        if (lm > pt + maxOffsetMillis) {
            skewListener.refused(remote, pt);
            return false;
        }
        long nl = Math.max(Math.max(l, lm), pt);
        int nc;
        if (nl == l && nl == lm) {
            nc = Math.max(c, cm) + 1;
        } else if (nl == l) {
            nc = c + 1;
        } else if (nl == lm) {
            nc = cm + 1;
        } else {
            nc = 0;
        }
        if (nc > HlcTimestamp.MAX_COUNTER) {
            // Counter overflow: move logical time one millisecond on instead of wrapping.
            nl = nl + 1;
            nc = 0;
        }
        l = nl;
        c = nc;
        return true;
    }

    /** The last timestamp issued or absorbed, without advancing the clock. */
    public synchronized HlcTimestamp last() {
        return HlcTimestamp.of(l, c);
    }

    private long physical() {
        long pt = physicalClock.getAsLong();
        if (pt < 0 || pt > HlcTimestamp.MAX_MILLIS) {
            throw new IllegalStateException("physical clock out of range: " + pt);
        }
        return pt;
    }

    @Override
    public synchronized String toString() {
        return "HybridLogicalClock[" + l + "." + c + "]";
    }
}
