package io.converge.crdt.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our own segmented append-only log; the default {@link DeltaLog}.
 *
 * <h2>Design</h2>
 * <b>Files.</b> A directory of segments named by their first sequence, each a 16-byte header
 * then records {@code length · CRC32C(sequence, payload) · sequence · payload} (see
 * {@link LogFormat}). Appends go to the last segment with one {@code write} call per record
 * (nothing is buffered in the JVM, so a process crash loses nothing appended); a record that
 * would push the segment past {@link StoreConfig#segmentBytes()} starts a new one.
 *
 * <p><b>Durability.</b> Two counters: {@code forced} (highest sequence covered by an
 * {@code fdatasync}) and {@code lastSequence}. The policy's durable sequence is {@code forced}
 * under ALWAYS and EVERY_N_MILLIS, {@code lastSequence} under NEVER. {@link #syncTo} is group
 * commit: whoever holds {@code syncLock} reads {@code lastSequence} and the active channel, forces
 * once, and thereby covers every record written before it looked, so whoever queued behind it
 * (an appender, {@code sync()}, the flusher) finds its record already forced. A roll-over forces the old segment before the
 * new one receives a record, so forcing only the active segment is enough, and creating or
 * deleting a segment forces the directory.
 *
 * <p><b>Recovery</b> happens before the log exists, in {@link Recovery}: it reads every segment,
 * cuts a torn or corrupt end of the last one (if no valid record follows it), sets aside (never deletes) what it cannot read, and
 * refuses to open a log whose segments do not follow on from each other (each segment's header
 * names the sequence it continues from, see {@link LogFormat}), unless the store is being
 * recovered as a new replica. A crash under ALWAYS can only tear the record being appended, which
 * was not acknowledged. The last segment is then forced, because a process killed under NEVER
 * may have left its records in the page cache only.
 *
 * <p><b>Locks.</b> {@code lock} guards the segment list, the active channel and the write
 * buffer; it is held for one {@code write}, never for an {@code fdatasync} except at roll-over
 * and close. {@code syncLock} serialises forces and is taken before {@code lock}, never after.
 * {@code truncation} lets replays run while keeping {@link #truncateBefore} from deleting the
 * files they read. Futures from {@link #whenDurable} are completed with no lock held.
 */
final class FileDeltaLog implements DeltaLog {
    private static final Logger LOG = LoggerFactory.getLogger(FileDeltaLog.class);

    /** The name of the flusher thread under {@link FsyncPolicy#everyMillis}. */
    static final String FLUSH_THREAD_NAME = "converge-store-flush";
    /** Records up to this size (with header) are copied into one direct buffer: one syscall, no temporary buffer. */
    private static final int WRITE_BUFFER_BYTES = 64 * 1024;

    private final StoreConfig config;
    private final Path dir;
    private final FsyncPolicy policy;
    private final StoreLock storeLock;
    private final RecoveryReport recovery;
    /** The sequence the log continues from while it is empty (a snapshot's); see {@link #roll}. */
    private final long base;

    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock syncLock = new ReentrantLock();
    private final ReentrantReadWriteLock truncation = new ReentrantReadWriteLock();

    /** Segments before the active one, oldest first. Guarded by {@code lock}. */
    private final List<Segment> sealed = new ArrayList<>();
    /** The segment appended to; null while the log is empty. Guarded by {@code lock}. */
    private Segment active;
    /** Written under {@code lock}. */
    private volatile long lastSequence;
    /** Written under {@code lock}. */
    private volatile long firstSequence;
    private final AtomicLong forced;
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
    private final ByteBuffer sequenceBytes = ByteBuffer.allocate(Long.BYTES);
    private final CRC32C crc = new CRC32C();

    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiters = new ConcurrentSkipListMap<>();
    private final Thread flusher;
    private volatile boolean stopping;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<StoreException> failure = new AtomicReference<>();

    /** One segment file. {@code channel} is open only for the active segment. */
    static final class Segment {
        final Path path;
        final long firstSequence;
        /** Where its records start: the header's length (32, or 16 in a version 1 segment). */
        final int headerBytes;
        FileChannel channel;
        long size;
        long lastSequence = -1;
        volatile boolean retired;

        Segment(Path path, long firstSequence, int headerBytes, FileChannel channel, long size) {
            this.path = path;
            this.firstSequence = firstSequence;
            this.headerBytes = headerBytes;
            this.channel = channel;
            this.size = size;
        }
    }

    /**
     * A log over the segments recovery kept (oldest first, each with at least one record, already
     * cut to their valid size), holding {@code storeLock} until it closes.
     *
     * @param base the sequence a snapshot covers, which a segment created while the log is empty
     *     names as the one it continues from ({@code -1} if none)
     */
    FileDeltaLog(StoreConfig config, StoreLock storeLock, List<Segment> kept, long base, RecoveryReport recovery)
            throws IOException {
        this.config = config;
        this.dir = config.logDirectory();
        this.policy = config.fsyncPolicy();
        this.storeLock = storeLock;
        this.base = base;
        this.recovery = recovery;
        List<Segment> segments = new ArrayList<>(kept);
        if (!segments.isEmpty()) {
            Segment last = segments.remove(segments.size() - 1);
            last.channel = FileChannel.open(last.path, StandardOpenOption.WRITE);
            last.channel.position(last.size);
            last.channel.force(false); // a killed process may have left its tail in the page cache only
            active = last;
            lastSequence = last.lastSequence;
            firstSequence = segments.isEmpty() ? last.firstSequence : segments.get(0).firstSequence;
        } else {
            lastSequence = -1;
            firstSequence = -1;
        }
        sealed.addAll(segments);
        this.forced = new AtomicLong(lastSequence);
        if (policy.mode() == FsyncPolicy.Mode.EVERY_N_MILLIS) {
            flusher = new Thread(this::flushLoop, FLUSH_THREAD_NAME);
            flusher.setDaemon(true);
            flusher.start();
        } else {
            flusher = null;
        }
    }

    /** Opens the log alone (no snapshots, no identity check): {@link DeltaLog#open}. */
    static FileDeltaLog open(StoreConfig config) {
        return Recovery.openLog(config);
    }

    // ---------------------------------------------------------------- appending

    @Override
    public void append(long sequence, byte[] record) {
        appendAll(new long[] {sequence}, new byte[][] {record});
    }

    @Override
    public void appendAll(long[] sequences, byte[][] records) {
        Objects.requireNonNull(sequences, "sequences");
        Objects.requireNonNull(records, "records");
        if (sequences.length != records.length) {
            throw new IllegalArgumentException(sequences.length + " sequences for " + records.length + " records");
        }
        if (sequences.length == 0) {
            return;
        }
        for (int i = 0; i < records.length; i++) {
            Objects.requireNonNull(records[i], "record");
            if (records[i].length > config.maxRecordBytes()) {
                throw new RecordTooLargeException(records[i].length, config.maxRecordBytes());
            }
            if (i > 0 && sequences[i] <= sequences[i - 1]) {
                throw new SequenceOrderException(sequences[i], sequences[i - 1]);
            }
        }
        long last = sequences[sequences.length - 1];
        lock.lock();
        try {
            ensureUsable();
            if (sequences[0] < 0 || sequences[0] <= lastSequence) {
                throw new SequenceOrderException(sequences[0], lastSequence);
            }
            for (int i = 0; i < records.length; i++) {
                write(sequences[i], records[i]);
            }
        } catch (IOException e) {
            throw fail("append", e);
        } finally {
            lock.unlock();
        }
        if (policy.mode() == FsyncPolicy.Mode.ALWAYS) {
            syncTo(last); // one force for the whole batch
        } else if (!waiters.isEmpty()) {
            drain();
        }
    }

    /** Writes one checked record at the end of the active segment. Caller holds {@code lock}. */
    private void write(long sequence, byte[] record) throws IOException {
        int total = LogFormat.RECORD_HEADER_BYTES + record.length;
        if (active == null || active.size + total > config.segmentBytes()) {
            roll(sequence);
        }
        crc.reset();
        sequenceBytes.putLong(0, sequence);
        crc.update(sequenceBytes.array(), 0, Long.BYTES);
        crc.update(record, 0, record.length);
        ByteBuffer b = writeBuffer.clear();
        b.putInt(record.length).putInt((int) crc.getValue()).putLong(sequence);
        FileChannel ch = active.channel;
        if (total <= b.capacity()) {
            b.put(record).flip();
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } else {
            b.flip();
            ByteBuffer[] parts = {b, ByteBuffer.wrap(record)};
            long left = total;
            while (left > 0) {
                left -= ch.write(parts);
            }
        }
        active.size += total;
        active.lastSequence = sequence;
        if (firstSequence < 0) {
            firstSequence = sequence;
        }
        lastSequence = sequence;
    }

    /** Starts a new segment whose first record is {@code sequence}. Caller holds {@code lock}. */
    private void roll(long sequence) throws IOException {
        if (active != null) {
            active.channel.force(false);
            forced.accumulateAndGet(active.lastSequence, Math::max);
            active.retired = true;
            active.channel.close();
            active.channel = null;
            sealed.add(active);
            active = null;
        }
        Path p = dir.resolve(LogFormat.segmentName(sequence));
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            // The segment names what it continues from, so recovery can tell a hole before it.
            ByteBuffer h = LogFormat.header(sequence, Math.max(lastSequence, base));
            while (h.hasRemaining()) {
                ch.write(h);
            }
            DirectorySync.force(dir);
        } catch (IOException e) {
            closeQuietly(ch);
            throw e;
        }
        active = new Segment(p, sequence, LogFormat.SEGMENT_HEADER_BYTES, ch, LogFormat.SEGMENT_HEADER_BYTES);
    }

    // ---------------------------------------------------------------- durability

    @Override
    public long lastSequence() {
        return lastSequence;
    }

    @Override
    public long firstSequence() {
        return firstSequence;
    }

    @Override
    public long durableSequence() {
        return policy.mode() == FsyncPolicy.Mode.NEVER ? lastSequence : forced.get();
    }

    @Override
    public long sync() {
        ensureUsable();
        return syncTo(lastSequence);
    }

    /** Forces until {@code forced >= target} (group commit); returns {@link #durableSequence()}. */
    private long syncTo(long target) {
        if (forced.get() >= target) {
            return durableSequence(); // e.g. a concurrent close() already forced it: no spurious failure
        }
        syncLock.lock();
        try {
            if (forced.get() < target) {
                Segment seg;
                FileChannel ch;
                long upTo;
                lock.lock();
                try {
                    ensureUsable();
                    seg = active;
                    ch = seg == null ? null : seg.channel;
                    upTo = lastSequence;
                } finally {
                    lock.unlock();
                }
                if (ch != null) {
                    try {
                        ch.force(false);
                    } catch (ClosedChannelException e) {
                        if (closed.get()) {
                            throw new StoreClosedException("log " + dir + " closed during sync");
                        }
                        if (!seg.retired) {
                            throw fail("fdatasync", e); // e.g. the thread was interrupted
                        }
                        // rolled over meanwhile: the roll-over forced this segment
                    } catch (IOException e) {
                        throw fail("fdatasync", e);
                    }
                }
                forced.accumulateAndGet(upTo, Math::max);
            }
        } finally {
            syncLock.unlock();
        }
        drain();
        return durableSequence();
    }

    @Override
    public CompletableFuture<Void> whenDurable(long sequence) {
        if (durableSequence() >= sequence) {
            return CompletableFuture.completedFuture(null);
        }
        StoreException f = failure.get();
        if (f != null) {
            return CompletableFuture.failedFuture(f);
        }
        if (closed.get()) {
            return CompletableFuture.failedFuture(new StoreClosedException("log " + dir + " is closed"));
        }
        CompletableFuture<Void> shared = waiters.computeIfAbsent(sequence, k -> new CompletableFuture<>());
        drain(); // the sequence may have become durable between the check and the insertion
        if (failure.get() != null) {
            failWaiters(failure.get());
        } else if (closed.get()) {
            failWaiters(new StoreClosedException("log " + dir + " is closed"));
        }
        return shared.copy();
    }

    /** Completes the waiters up to the durable sequence. Called with no lock held. */
    private void drain() {
        long d = durableSequence();
        for (Map.Entry<Long, CompletableFuture<Void>> e = waiters.firstEntry(); e != null && e.getKey() <= d;
                e = waiters.firstEntry()) {
            if (waiters.remove(e.getKey(), e.getValue())) {
                e.getValue().complete(null);
            }
        }
    }

    private void failWaiters(StoreException cause) {
        for (Map.Entry<Long, CompletableFuture<Void>> e = waiters.pollFirstEntry(); e != null; e = waiters.pollFirstEntry()) {
            e.getValue().completeExceptionally(cause);
        }
    }

    private void flushLoop() {
        long interval = TimeUnit.MILLISECONDS.toNanos(policy.intervalMillis());
        long next = System.nanoTime() + interval;
        while (!stopping) {
            long now = System.nanoTime();
            if (now - next < 0) {
                LockSupport.parkNanos(this, next - now);
                continue;
            }
            next += interval;
            if (next - now < 0) {
                next = now + interval; // fell behind (a slow fsync): skip the missed ticks
            }
            if (lastSequence > forced.get()) {
                try {
                    syncTo(lastSequence);
                } catch (StoreException e) {
                    if (!(e instanceof StoreClosedException)) {
                        LOG.error("Flusher of {} stops: the log failed", dir, e);
                    }
                    return;
                } catch (RuntimeException e) {
                    LOG.error("Flusher of {} stops on an unexpected error", dir, e);
                    return;
                }
            }
        }
    }

    // ---------------------------------------------------------------- reading and truncating

    @Override
    public long replay(long fromSequenceExclusive, RecordConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        truncation.readLock().lock();
        try {
            List<Path> paths = new ArrayList<>();
            List<long[]> bounds = new ArrayList<>(); // {first, lastSequence, size, headerBytes}
            lock.lock();
            try {
                ensureUsable();
                for (Segment s : sealed) {
                    paths.add(s.path);
                    bounds.add(new long[] {s.firstSequence, s.lastSequence, s.size, s.headerBytes});
                }
                if (active != null) {
                    paths.add(active.path);
                    bounds.add(new long[] {active.firstSequence, active.lastSequence, active.size, active.headerBytes});
                }
            } finally {
                lock.unlock();
            }
            long delivered = 0;
            for (int i = 0; i < paths.size(); i++) {
                long[] b = bounds.get(i);
                if (b[1] <= fromSequenceExclusive) {
                    continue;
                }
                try (SegmentReader r = SegmentReader.open(paths.get(i), b[2], b[0], -1, (int) b[3])) {
                    for (;;) {
                        SegmentReader.Status st = r.next();
                        if (st == SegmentReader.Status.END) {
                            break;
                        }
                        if (st == SegmentReader.Status.BAD) {
                            throw new StoreException("record at " + paths.get(i) + " offset " + r.recordOffset()
                                    + " was valid on open but is not now: " + r.reason() + ", " + r.detail());
                        }
                        if (r.sequence() > fromSequenceExclusive) {
                            consumer.accept(r.sequence(), r.payload());
                            delivered++;
                        }
                    }
                }
            }
            return delivered;
        } catch (IOException e) {
            throw new StoreException("replay of " + dir + " failed", e);
        } finally {
            truncation.readLock().unlock();
        }
    }

    @Override
    public int truncateBefore(long sequence) {
        truncation.writeLock().lock();
        try {
            List<Segment> victims = new ArrayList<>();
            lock.lock();
            try {
                ensureUsable();
                while (!sealed.isEmpty()) {
                    Segment next = sealed.size() > 1 ? sealed.get(1) : active;
                    if (next.firstSequence > sequence) {
                        break; // the oldest segment may hold records >= sequence
                    }
                    victims.add(sealed.remove(0));
                }
                if (!victims.isEmpty()) {
                    firstSequence = sealed.isEmpty() ? active.firstSequence : sealed.get(0).firstSequence;
                }
            } finally {
                lock.unlock();
            }
            if (victims.isEmpty()) {
                return 0;
            }
            // Oldest first, each deletion made durable before the next: a crash midway leaves the
            // log a contiguous run of segments, never one with a hole that recovery would refuse.
            for (Segment s : victims) {
                Files.deleteIfExists(s.path);
                DirectorySync.force(dir);
            }
            LOG.debug("Truncated {} segment(s) of {} before sequence {}", victims.size(), dir, sequence);
            return victims.size();
        } catch (IOException e) {
            throw new StoreException("truncation of " + dir + " failed", e);
        } finally {
            truncation.writeLock().unlock();
        }
    }

    @Override
    public RecoveryReport recovery() {
        return recovery;
    }

    /** The number of segment files, for tests. */
    int segmentCount() {
        lock.lock();
        try {
            return sealed.size() + (active == null ? 0 : 1);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- failure and close

    private void ensureUsable() {
        StoreException f = failure.get();
        if (f != null) {
            throw new StoreException("log " + dir + " failed earlier and must be reopened", f);
        }
        if (closed.get()) {
            throw new StoreClosedException("log " + dir + " is closed");
        }
    }

    private StoreException fail(String what, IOException e) {
        StoreException ex = new StoreException(what + " failed on " + dir + "; the log must be reopened", e);
        if (failure.compareAndSet(null, ex)) {
            LOG.error("Log {} failed: {}", dir, what, e);
        }
        failWaiters(failure.get());
        return ex;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        if (flusher != null) {
            LockSupport.unpark(flusher);
            try {
                flusher.join(config.closeTimeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (flusher.isAlive()) {
                LOG.warn("Flusher of {} did not stop within {}", dir, config.closeTimeout());
            }
        }
        StoreException error = null;
        lock.lock();
        try {
            if (active != null) {
                if (failure.get() == null) {
                    try {
                        active.channel.force(false);
                        forced.accumulateAndGet(lastSequence, Math::max);
                    } catch (IOException e) {
                        error = new StoreException("final fdatasync of " + dir + " failed", e);
                    }
                }
                closeQuietly(active.channel);
            }
            storeLock.close();
        } finally {
            lock.unlock();
        }
        drain();
        failWaiters(new StoreClosedException("log " + dir + " closed before the sequence was durable"));
        if (error != null) {
            throw error;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed", e);
        }
    }

    @Override
    public String toString() {
        return "DeltaLog{" + dir + ", policy=" + policy + ", sequences " + firstSequence + ".." + lastSequence + "}";
    }
}
