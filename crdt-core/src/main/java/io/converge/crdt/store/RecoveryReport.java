package io.converge.crdt.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What opening a {@link DeltaLog} found on disk: how many valid records it kept and, if the log
 * ended in a torn or corrupt record, where it cut it off and how much it dropped.
 *
 * <p>Recovery keeps the longest valid prefix of the log: everything from the first bad record on
 * (the rest of that segment and every later segment) is removed. A torn record at the end of the
 * last segment is the normal trace of a crash during an append and loses nothing that was
 * acknowledged under {@link FsyncPolicy#ALWAYS}; damage anywhere else means the disk or someone
 * else changed the files.
 *
 * @param segments       segment files kept
 * @param records        valid records kept
 * @param firstSequence  first sequence kept, {@code -1} if none
 * @param lastSequence   last sequence kept, {@code -1} if none
 * @param damage         the first bad record, if recovery cut the log
 * @param droppedBytes   bytes removed (the cut segment's tail plus every later segment)
 * @param droppedSegments whole segment files removed after the cut
 * @param elapsed        how long the scan took
 */
public record RecoveryReport(int segments, long records, long firstSequence, long lastSequence,
        Optional<Damage> damage, long droppedBytes, int droppedSegments, Duration elapsed) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if {@code damage} or {@code elapsed} is null
     */
    public RecoveryReport {
        Objects.requireNonNull(damage, "damage");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** Whether the log was intact: nothing dropped. */
    public boolean clean() {
        return damage.isEmpty() && droppedBytes == 0 && droppedSegments == 0;
    }

    /** Why a record was judged bad. */
    public enum Reason {
        /** The file ends inside a segment header or a record (header or payload): a crash during a write. */
        TORN,
        /** The record's CRC32C does not match its sequence and payload. */
        CRC_MISMATCH,
        /** The record's sequence is not above the previous one (or below its segment's first). */
        SEQUENCE_ORDER,
        /** A segment header has the wrong magic, version or first sequence. */
        BAD_SEGMENT_HEADER
    }

    /**
     * The first bad record: where recovery cut the log.
     *
     * @param segment the segment file
     * @param offset  the byte offset of the bad record (or header) in that file
     * @param reason  why it is bad
     * @param detail  a human-readable explanation
     */
    public record Damage(Path segment, long offset, Reason reason, String detail) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if any reference is null
         */
        public Damage {
            Objects.requireNonNull(segment, "segment");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
