package io.converge.crdt.store;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads one segment file sequentially through a 1 MiB buffer and classifies what it finds: a
 * valid record, the clean end, or the first bad record. Lengths are checked against the bytes
 * left in the file before anything is allocated, so a corrupt length never causes a large
 * allocation. Confined to one thread.
 */
final class SegmentReader implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 20;

    enum Status { RECORD, END, BAD }

    private final Path path;
    private final FileChannel channel;
    private final long limit;
    private final long firstSequence;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES);
    /** File offset of {@code buf.position()}. */
    private long offset;
    /** File offset up to which {@code buf} holds data. */
    private long filled;

    // The outcome of the last next() call.
    private long sequence;
    private int payloadIndex;
    private int payloadLength;
    private long recordOffset;
    private RecoveryReport.Reason reason;
    private String detail;
    private long previousSequence;

    /**
     * Opens {@code path} to read {@code limit} bytes, records starting at {@code dataStart}; the
     * header must already have been checked ({@link #readHeader}).
     */
    private SegmentReader(Path path, FileChannel channel, long limit, long firstSequence, long previousSequence,
            long dataStart) {
        this.path = path;
        this.channel = channel;
        this.limit = limit;
        this.firstSequence = firstSequence;
        this.previousSequence = previousSequence;
        this.offset = dataStart;
        this.filled = dataStart;
        buf.limit(0);
    }

    /**
     * Opens a segment whose header is valid, to read records from {@code dataStart} (the header's
     * length, or where {@link #resync} found a record) up to {@code limit}. {@code previousSequence}
     * is the last sequence before the first record to read ({@code -1} if none).
     */
    static SegmentReader open(Path path, long limit, long firstSequence, long previousSequence, long dataStart)
            throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        return new SegmentReader(path, ch, limit, firstSequence, previousSequence, dataStart);
    }

    /**
     * A segment header as read: valid ({@link #problem} null) with its version, length and
     * previous sequence, or not, with why.
     */
    static final class Header {
        final int version;
        final int bytes;
        final long previous;
        /** Null if the header is valid. */
        final String problem;
        /** The file ends inside the header: the trace of a crash while a segment was created. */
        final boolean torn;

        private Header(int version, int bytes, long previous, String problem, boolean torn) {
            this.version = version;
            this.bytes = bytes;
            this.previous = previous;
            this.problem = problem;
            this.torn = torn;
        }

        static Header bad(String problem, boolean torn) {
            return new Header(0, 0, 0, problem, torn);
        }
    }

    /**
     * Reads and checks a segment's header: magic, version, the first sequence against the file
     * name and, in version 2, the header's CRC. A file shorter than its header is torn.
     */
    static Header readHeader(FileChannel ch, long size, long expectedFirst) throws IOException {
        if (size < 8) {
            return Header.bad("segment header is " + size + " of " + LogFormat.SEGMENT_HEADER_BYTES + " bytes", true);
        }
        ByteBuffer start = ByteBuffer.allocate(8);
        readFully(ch, start, 0);
        int magic = start.getInt(0);
        int version = start.getInt(4);
        if (magic != LogFormat.SEGMENT_MAGIC) {
            return Header.bad(String.format("bad magic 0x%08x", magic), false);
        }
        int length;
        if (version == LogFormat.SEGMENT_VERSION) {
            length = LogFormat.SEGMENT_HEADER_BYTES;
        } else if (version == LogFormat.SEGMENT_VERSION_1) {
            length = LogFormat.SEGMENT_HEADER_BYTES_V1;
        } else {
            return Header.bad("unsupported segment version " + version, false);
        }
        if (size < length) {
            return Header.bad("segment header is " + size + " of " + length + " bytes", true);
        }
        ByteBuffer h = ByteBuffer.allocate(length);
        readFully(ch, h, 0);
        long first = h.getLong(8);
        if (first != expectedFirst) {
            return Header.bad("header names first sequence " + first + " but the file name " + expectedFirst, false);
        }
        if (version == LogFormat.SEGMENT_VERSION_1) {
            return new Header(version, length, first - 1, null, false);
        }
        int crc = h.getInt(28);
        if (crc != LogFormat.headerCrc(h.array())) {
            return Header.bad("segment header CRC32C mismatch", false);
        }
        return new Header(version, length, h.getLong(16), null, false);
    }

    /**
     * The offset of the first valid record at or after {@code from} and before {@code limit}, or
     * {@code -1} if there is none: the resync scan recovery runs after damage in the last segment,
     * to tell a torn tail (nothing valid follows) from a hole (valid records follow).
     *
     * <p>A record is valid at offset {@code o} when its length fits before {@code limit}, its
     * sequence {@code s} is above {@code floor} (the last good sequence) and not below the
     * segment's first, and its CRC32C matches. Because the engine's sequences are contiguous and
     * every record takes at least {@value LogFormat#RECORD_HEADER_BYTES} bytes, the records
     * {@code floor+1 .. s-1} that the damage would have destroyed fit between {@code damagedAt} and
     * {@code o}, so {@code s - 1 - floor <= (o - damagedAt) / 16} is required too. That bound is
     * what keeps the scan linear: the CRC, whose cost is the candidate's length, is computed only
     * for the rare offsets whose 16 bytes already look like the next record's header (for random
     * or zeroed bytes, a chance of about {@code n / 2^64} each). A false positive needs a CRC32C
     * over the sequence and payload to match by chance as well: 2^-32 per such candidate, on top of
     * that. A log written with skipping sequences (allowed by {@link DeltaLog}, never done by the
     * engine) may have a record after a hole that this bound does not accept; it is then treated as
     * a torn tail, as before the scan existed.
     */
    static long resync(FileChannel ch, long from, long limit, long damagedAt, long floor, long firstSequence)
            throws IOException {
        ByteBuffer window = ByteBuffer.allocate(BUFFER_BYTES);
        ByteBuffer chunk = null;
        CRC32C c = new CRC32C();
        long windowStart = from;
        window.limit(0);
        for (long o = from; o <= limit - LogFormat.RECORD_HEADER_BYTES; o++) {
            if (o + LogFormat.RECORD_HEADER_BYTES > windowStart + window.limit()) {
                window.clear();
                window.limit((int) Math.min(window.capacity(), limit - o));
                readFully(ch, window, o);
                windowStart = o;
            }
            int at = (int) (o - windowStart);
            int length = window.getInt(at);
            if (length < 0 || length > limit - o - LogFormat.RECORD_HEADER_BYTES) {
                continue;
            }
            long seq = window.getLong(at + 8);
            if (seq <= floor || seq < firstSequence || seq - 1 - floor > (o - damagedAt) / LogFormat.RECORD_HEADER_BYTES) {
                continue;
            }
            c.reset();
            long end = o + LogFormat.RECORD_HEADER_BYTES + length;
            if (end <= windowStart + window.limit()) {
                c.update(window.array(), at + 8, 8 + length);
            } else {
                if (chunk == null) {
                    chunk = ByteBuffer.allocate(64 * 1024);
                }
                for (long p = o + 8; p < end;) {
                    chunk.clear();
                    chunk.limit((int) Math.min(chunk.capacity(), end - p));
                    readFully(ch, chunk, p);
                    c.update(chunk.array(), 0, chunk.limit());
                    p += chunk.limit();
                }
            }
            if ((int) c.getValue() == window.getInt(at + 4)) {
                return o;
            }
        }
        return -1;
    }

    static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new EOFException("unexpected end of file at " + p);
            }
            p += n;
        }
    }

    /**
     * Reads the next record. On {@link Status#RECORD} the accessors describe it; on
     * {@link Status#BAD} {@link #reason()}, {@link #detail()} and {@link #recordOffset()} tell
     * what and where; on {@link Status#END} the segment ended cleanly at {@code limit}.
     */
    Status next() throws IOException {
        recordOffset = offset;
        long left = limit - offset;
        if (left == 0) {
            return Status.END;
        }
        if (left < LogFormat.RECORD_HEADER_BYTES) {
            return bad(RecoveryReport.Reason.TORN, "partial record header: " + left + " bytes left in the file");
        }
        ensure(LogFormat.RECORD_HEADER_BYTES);
        int p = buf.position();
        int length = buf.getInt(p);
        int storedCrc = buf.getInt(p + 4);
        long seq = buf.getLong(p + 8);
        if (length < 0) {
            return bad(RecoveryReport.Reason.CRC_MISMATCH, "negative record length " + length);
        }
        if (length > left - LogFormat.RECORD_HEADER_BYTES) {
            return bad(RecoveryReport.Reason.TORN, "record length " + length + " runs past the end of the file ("
                    + (left - LogFormat.RECORD_HEADER_BYTES) + " bytes left)");
        }
        ensure(LogFormat.RECORD_HEADER_BYTES + length);
        p = buf.position();
        crc.reset();
        crc.update(buf.array(), buf.arrayOffset() + p + 8, 8 + length);
        if ((int) crc.getValue() != storedCrc) {
            return bad(RecoveryReport.Reason.CRC_MISMATCH, String.format("CRC32C 0x%08x does not match stored 0x%08x (length %d)",
                    (int) crc.getValue(), storedCrc, length));
        }
        if (seq <= previousSequence || seq < firstSequence) {
            return bad(RecoveryReport.Reason.SEQUENCE_ORDER, "sequence " + seq + " after " + previousSequence
                    + " in a segment starting at " + firstSequence);
        }
        sequence = seq;
        previousSequence = seq;
        payloadIndex = p + LogFormat.RECORD_HEADER_BYTES;
        payloadLength = length;
        buf.position(p + LogFormat.RECORD_HEADER_BYTES + length);
        offset += LogFormat.RECORD_HEADER_BYTES + length;
        return Status.RECORD;
    }

    private Status bad(RecoveryReport.Reason r, String d) {
        reason = r;
        detail = d;
        return Status.BAD;
    }

    /** Makes {@code n} bytes from {@code offset} available in {@code buf}; the caller checked they exist. */
    private void ensure(int n) throws IOException {
        if (buf.remaining() >= n) {
            return;
        }
        if (n > buf.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(n);
            bigger.put(buf);
            buf = bigger;
        } else {
            buf.compact();
        }
        // buf is now in write mode holding [offset, filled)
        while (buf.position() < n) {
            int want = (int) Math.min(buf.remaining(), limit - filled);
            if (want <= 0) {
                throw new EOFException(path + ": needed " + n + " bytes at " + offset);
            }
            int before = buf.limit();
            buf.limit(buf.position() + want);
            int read = channel.read(buf, filled);
            buf.limit(before);
            if (read < 0) {
                throw new EOFException(path + " is shorter than " + limit + " bytes");
            }
            filled += read;
        }
        buf.flip();
    }

    long sequence() {
        return sequence;
    }

    /** A fresh copy of the last record's payload. */
    byte[] payload() {
        byte[] out = new byte[payloadLength];
        System.arraycopy(buf.array(), buf.arrayOffset() + payloadIndex, out, 0, payloadLength);
        return out;
    }

    int payloadLength() {
        return payloadLength;
    }

    /** The offset just past the last valid record (where a cut goes after a bad one). */
    long validEnd() {
        return offset;
    }

    long recordOffset() {
        return recordOffset;
    }

    RecoveryReport.Reason reason() {
        return reason;
    }

    String detail() {
        return detail;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
