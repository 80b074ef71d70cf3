package io.converge.crdt.store;

import java.time.Duration;

/**
 * When a {@link DeltaLog} forces appended records to stable storage ({@code fdatasync}), and so
 * what a crash can lose.
 *
 * <p>Under every policy {@link DeltaLog#append} hands the record to the operating system (one
 * {@code write} call, nothing buffered in the JVM) before it returns, so <b>a process crash</b>
 * ({@code kill -9}, an {@link OutOfMemoryError}, a halt) <b>loses nothing that was appended</b>:
 * the kernel holds the bytes and writes them back later. The policies differ in what <b>an
 * operating-system crash or a power loss</b> can lose:
 * <table>
 *   <caption>Loss window per policy</caption>
 *   <tr><th>policy</th><th>{@code append} returns</th><th>an OS crash or power loss can lose</th></tr>
 *   <tr><td>{@link #ALWAYS}</td><td>after {@code fdatasync}</td><td>nothing that was acknowledged</td></tr>
 *   <tr><td>{@link #everyMillis everyMillis(n)}</td><td>after {@code write}</td>
 *       <td>the records appended in the last {@code n} ms plus the duration of one
 *       {@code fdatasync}; {@link DeltaLog#whenDurable} tells when a record is safe</td></tr>
 *   <tr><td>{@link #NEVER}</td><td>after {@code write}</td><td>whatever the kernel has not
 *       written back: on Linux typically up to 30 s ({@code vm.dirty_expire_centisecs}), more
 *       under I/O pressure; only {@link DeltaLog#sync()}, a segment roll-over and
 *       {@code close()} force</td></tr>
 * </table>
 * No crash leaves garbage behind: recovery stops at the first torn or corrupt record, so the log
 * always comes back as a prefix of what was appended.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class FsyncPolicy {
    /** The three kinds of policy. */
    public enum Mode {
        /** Force before {@code append} returns. */
        ALWAYS,
        /** Force from a background thread every {@link FsyncPolicy#intervalMillis()} milliseconds. */
        EVERY_N_MILLIS,
        /** Force only on {@code sync()}, segment roll-over and {@code close()}. */
        NEVER
    }

    /**
     * {@code append} returns only once the record is on stable storage: an acknowledged record
     * survives a process crash, an OS crash and a power loss (if the disk honours flushes). Costs
     * one {@code fdatasync} per record: the disk's flush latency bounds the append rate.
     */
    public static final FsyncPolicy ALWAYS = new FsyncPolicy(Mode.ALWAYS, 0);

    /**
     * {@code append} returns once the OS has the record, and only {@link DeltaLog#sync()}, a
     * segment roll-over and {@code close()} force. Survives a process crash; an OS crash or power
     * loss loses whatever the kernel had not yet written back. {@link DeltaLog#durableSequence()}
     * counts a record as durable as soon as {@code append} returns.
     */
    public static final FsyncPolicy NEVER = new FsyncPolicy(Mode.NEVER, 0);

    private static final long MAX_INTERVAL_MILLIS = Duration.ofMinutes(10).toMillis();

    private final Mode mode;
    private final long intervalMillis;

    private FsyncPolicy(Mode mode, long intervalMillis) {
        this.mode = mode;
        this.intervalMillis = intervalMillis;
    }

    /**
     * Group commit on a timer: {@code append} returns once the OS has the record, and the log's
     * flusher thread ({@code converge-store-flush}) forces every {@code millis} milliseconds if
     * anything was appended. An OS crash or power loss can lose the records of the last
     * {@code millis} ms plus one {@code fdatasync}; a process crash loses nothing. Releasing an
     * acknowledgement only when {@link DeltaLog#whenDurable(long)} completes gives
     * {@link #ALWAYS}'s guarantee for up to {@code millis} ms of extra latency, with one
     * {@code fdatasync} shared by all the records of an interval.
     *
     * @param millis the interval, 1 to 600,000 ms (10 minutes)
     * @return the policy
     * @throws IllegalArgumentException if {@code millis} is out of range
     */
    public static FsyncPolicy everyMillis(long millis) {
        if (millis < 1 || millis > MAX_INTERVAL_MILLIS) {
            throw new IllegalArgumentException("fsync interval must be 1.." + MAX_INTERVAL_MILLIS + " ms: " + millis);
        }
        return new FsyncPolicy(Mode.EVERY_N_MILLIS, millis);
    }

    /** The kind of policy. */
    public Mode mode() {
        return mode;
    }

    /** The flush interval in milliseconds for {@link Mode#EVERY_N_MILLIS}, 0 for the others. */
    public long intervalMillis() {
        return intervalMillis;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FsyncPolicy && ((FsyncPolicy) o).mode == mode
                && ((FsyncPolicy) o).intervalMillis == intervalMillis;
    }

    @Override
    public int hashCode() {
        return mode.hashCode() * 31 + Long.hashCode(intervalMillis);
    }

    @Override
    public String toString() {
        return mode == Mode.EVERY_N_MILLIS ? "EVERY_N_MILLIS(" + intervalMillis + ")" : mode.name();
    }
}
