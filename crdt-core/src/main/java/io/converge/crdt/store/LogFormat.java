package io.converge.crdt.store;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The on-disk format of the log's segments (all integers big-endian).
 *
 * <pre>
 * segment file   &lt;first sequence, 20 digits&gt;.log
 * segment header magic "CVLG" (4) · version 2 (4) · first sequence (8)
 *                · previous sequence (8) · zero (4) · CRC32C of the 28 bytes before it (4)   32 bytes
 * record         length of payload (4) · CRC32C over sequence and payload (4)
 *                · sequence (8) · payload (length)                           16 + length bytes
 * </pre>
 *
 * A record is valid when its length fits in what is left of the file, its CRC matches and its
 * sequence is greater than the one before it (and not below the segment's first sequence).
 * Zero-filled space, which a file system may show after a crash where a file was extended but its
 * data not yet written, fails the CRC: the CRC32C of eight zero bytes is not zero. After damage in
 * the last segment recovery looks for the next valid record at every later offset, by the same
 * test ({@link SegmentReader#resync}), to tell a torn tail from a hole.
 *
 * <p><b>Continuity.</b> The <em>previous sequence</em> of a segment is the last sequence the log
 * held when the segment was created (the last record of the segment before it, or the sequence a
 * snapshot covered when the log was empty; {@code -1} for none). Recovery checks that each segment
 * follows on from the one before it, and the first from the snapshot, so a segment deleted from
 * the middle of the log, or cut at a record boundary, is seen as a hole rather than read past.
 *
 * <p>Version 1 segments (a 16-byte header without the previous sequence, written before the
 * continuity check existed) are still read; their previous sequence is taken to be their first
 * minus one, which is what the engine, whose sequences are contiguous, always wrote. The log only
 * ever creates version 2 segments.
 */
final class LogFormat {
    static final int SEGMENT_MAGIC = 0x43564C47; // "CVLG"
    static final int SEGMENT_VERSION = 2;
    static final int SEGMENT_VERSION_1 = 1;
    static final int SEGMENT_HEADER_BYTES = 32;
    static final int SEGMENT_HEADER_BYTES_V1 = 16;
    static final int RECORD_HEADER_BYTES = 16;
    static final String SEGMENT_SUFFIX = ".log";
    static final String LOCK_FILE = "LOCK";

    private static final Pattern SEGMENT_NAME = Pattern.compile("(\\d{20})\\.log");

    private LogFormat() {
    }

    static String segmentName(long firstSequence) {
        return String.format("%020d%s", firstSequence, SEGMENT_SUFFIX);
    }

    /** The first sequence a segment file's name declares, or -1 if it is not a segment name. */
    static long parseSegmentName(Path file) {
        Matcher m = SEGMENT_NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return -1;
        }
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return -1; // 20 digits above Long.MAX_VALUE: not ours
        }
    }

    /** A version 2 segment header, ready to write. */
    static ByteBuffer header(long firstSequence, long previousSequence) {
        ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
        h.putInt(SEGMENT_MAGIC).putInt(SEGMENT_VERSION).putLong(firstSequence).putLong(previousSequence).putInt(0);
        h.putInt(headerCrc(h.array()));
        return h.flip();
    }

    /** The CRC32C of the first 28 bytes of a version 2 header (stored in the last 4). */
    static int headerCrc(byte[] header) {
        CRC32C crc = new CRC32C();
        crc.update(header, 0, 28);
        return (int) crc.getValue();
    }
}
