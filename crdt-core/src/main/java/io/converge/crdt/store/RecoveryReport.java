package io.converge.crdt.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What opening a {@link DeltaLog} found on disk: how many valid records it kept, what was damaged,
 * what it cut off or moved aside, and which holes in the history it accepted.
 *
 * <p><b>What recovery does.</b> A torn or corrupt end of the <em>last</em> segment is cut off
 * there: that is the normal trace of a crash during an append and, under
 * {@link FsyncPolicy#ALWAYS}, loses nothing that was acknowledged. Damage followed by a valid
 * record is not an end but a hole (a crash tears only the tail): it is refused, or accepted as
 * below, like any other, and the valid records after it are kept. Anything else recovery cannot
 * read (a file with a bad header, a damaged earlier segment, a stray file with a segment's name)
 * is never deleted: it is moved, or for a cut segment copied, to a quarantine directory inside the
 * store ({@code quarantine/<time>/}) and listed in {@link #quarantined()}. If what is left does
 * not prove a gap-free history (each segment following on from the one before it), the log is
 * not opened at all: {@link DeltaLog#open} throws {@link StoreGapException} and changes nothing on
 * disk, unless the store is being recovered as a new replica
 * ({@link StoreConfig.Builder#recoverAsNewReplica}), in which case the holes are listed in
 * {@link #acceptedGaps()}.
 *
 * @param segments        segment files kept
 * @param records         valid records kept
 * @param firstSequence   first sequence kept, {@code -1} if none
 * @param lastSequence    last sequence kept, {@code -1} if none
 * @param damages         every bad record or file found, in file order (empty if none)
 * @param droppedBytes    bytes no longer in the log: cut tails plus the files moved to quarantine
 *     or, for a segment torn while it was being created, deleted
 * @param droppedSegments segment files no longer in the log (moved to quarantine, or deleted if
 *     torn while being created)
 * @param quarantined     files moved (or, for a cut tail, copied) to the quarantine directory
 * @param acceptedGaps    holes in the history accepted by this open, because it recovers the store
 *     as a new replica; empty otherwise
 * @param elapsed         how long recovery took
 */
public record RecoveryReport(int segments, long records, long firstSequence, long lastSequence,
        List<Damage> damages, long droppedBytes, int droppedSegments, List<Quarantined> quarantined,
        List<Gap> acceptedGaps, Duration elapsed) {

    /**
     * Checks the components and copies the lists.
     *
     * @throws NullPointerException if a list, an element or {@code elapsed} is null
     */
    public RecoveryReport {
        damages = List.copyOf(damages);
        quarantined = List.copyOf(quarantined);
        acceptedGaps = List.copyOf(acceptedGaps);
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** The first damage found (in file order), if any: where recovery cut or stopped reading. */
    public Optional<Damage> damage() {
        return damages.isEmpty() ? Optional.empty() : Optional.of(damages.get(0));
    }

    /** Whether the log was intact: nothing damaged, dropped, moved aside or accepted as lost. */
    public boolean clean() {
        return damages.isEmpty() && droppedBytes == 0 && droppedSegments == 0 && quarantined.isEmpty()
                && acceptedGaps.isEmpty();
    }

    /** Why a record or file was judged bad. */
    public enum Reason {
        /** The file ends inside a segment header or a record (header or payload): a crash during a write. */
        TORN,
        /** The record's CRC32C does not match its sequence and payload. */
        CRC_MISMATCH,
        /** The record's sequence is not above the previous one (or below its segment's first), or a
         *  segment overlaps the one before it. */
        SEQUENCE_ORDER,
        /** A segment header has the wrong magic, version, first sequence or CRC (a stray file with a
         *  segment's name is reported so too). */
        BAD_SEGMENT_HEADER,
        /** A snapshot file is truncated, fails its CRC32C or names another sequence. */
        BAD_SNAPSHOT,
        /** The identity file ({@code IDENTITY}) cannot be read. */
        BAD_IDENTITY
    }

    /**
     * A bad record or file.
     *
     * @param segment the file (a segment, or a snapshot or the identity file for the reasons that
     *     name them)
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

    /**
     * A hole in the history: the records with sequences {@code from..to} (inclusive; those that
     * existed, since sequences may skip numbers) are neither in a snapshot nor in the log.
     *
     * @param from   first missing sequence
     * @param to     last missing sequence
     * @param detail where the hole lies (between which files) and what was lost
     */
    public record Gap(long from, long to, String detail) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if {@code detail} is null
         * @throws IllegalArgumentException if {@code from > to}
         */
        public Gap {
            Objects.requireNonNull(detail, "detail");
            if (from > to) {
                throw new IllegalArgumentException("empty gap " + from + ".." + to);
            }
        }

        @Override
        public String toString() {
            return "sequences " + from + ".." + to + " (" + detail + ")";
        }
    }

    /**
     * A file recovery could not use and set aside rather than delete.
     *
     * @param original    where it was
     * @param quarantined where it is now (a copy of the whole original if only its tail was cut)
     * @param bytes       its size
     * @param reason      why it was set aside
     */
    public record Quarantined(Path original, Path quarantined, long bytes, String reason) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if any reference is null
         */
        public Quarantined {
            Objects.requireNonNull(original, "original");
            Objects.requireNonNull(quarantined, "quarantined");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
