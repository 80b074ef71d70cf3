package io.converge.crdt.store;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The on-disk format of the log's segments (all integers big-endian).
 *
 * <pre>
 * segment file   &lt;first sequence, 20 digits&gt;.log
 * segment header magic "CVLG" (4) · version 1 (4) · first sequence (8)          16 bytes
 * record         length of payload (4) · CRC32C over sequence and payload (4)
 *                · sequence (8) · payload (length)                           16 + length bytes
 * </pre>
 *
 * A record is valid when its length fits in what is left of the file, its CRC matches and its
 * sequence is greater than the one before it (and not below the segment's first sequence).
 * Zero-filled space, which a file system may show after a crash where a file was extended but its
 * data not yet written, fails the CRC: the CRC32C of eight zero bytes is not zero.
 */
final class LogFormat {
    static final int SEGMENT_MAGIC = 0x43564C47; // "CVLG"
    static final int SEGMENT_VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 16;
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
}
