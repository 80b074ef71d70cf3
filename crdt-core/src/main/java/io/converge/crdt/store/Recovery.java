package io.converge.crdt.store;

import io.converge.crdt.causal.ReplicaId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a store's directory: takes its lock, reads its identity, snapshots and log segments
 * without changing anything, decides, and only then acts. The rules (see {@link RecoveryReport}):
 *
 * <ul>
 *   <li>A torn or corrupt end of the <em>last</em> segment is cut off (a segment torn while it was
 *       being created is deleted): the normal trace of a crash during an append. A cut whose
 *       reason is not a torn record first copies the whole segment to quarantine. It is an end
 *       only if no valid record follows the damage ({@link #resync}): a crash tears only the
 *       tail, so valid records after it make the damage a hole in the history (below), and a
 *       store recovered as a new replica keeps them, the segment rewritten without the damage.
 *   <li>Nothing else is ever deleted: a file that cannot be read (bad header, damaged earlier
 *       segment, stray file with a segment's name, bad snapshot, unreadable identity) is moved to
 *       {@code quarantine/<time>/} inside the store.
 *   <li>What is kept must be a gap-free history: each segment follows on from the one before it
 *       (its header names the sequence it continues from) and, for a {@link LocalStore}, the first
 *       segment holding records above the snapshot follows on from the snapshot. Otherwise the
 *       open is refused with {@link StoreGapException} and nothing is changed, unless the store is
 *       recovered as a new replica ({@link StoreConfig#recoverAsNewReplica()}): then the new id and
 *       the sequence up to which holes are accepted are written to the identity file first, and
 *       everything readable is kept.
 *   <li>The identity file names the replica the store belongs to: opening it as another is refused
 *       with {@link ReplicaIdMismatchException}, an unreadable one with
 *       {@link StoreIdentityException}.
 * </ul>
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
    /** A stray file with a segment's name larger than this is never read whole to see if it is zeros. */
    private static final long MAX_ZERO_CHECK_BYTES = 64L << 20;
    /** The suffix of the temporary file a segment is rewritten into ({@link #rewrite}); never a segment's name. */
    static final String REWRITE_SUFFIX = ".rewrite";

    private Recovery() {
    }

    /** A store opened by {@link #openStore}: its parts, the snapshot to recover from, and the report. */
    static final class OpenedStore {
        final FileDeltaLog log;
        final FileSnapshotStore snapshots;
        /** The snapshot recovery starts from; null if none. */
        final Snapshot snapshot;
        final StoreRecoveryReport report;

        OpenedStore(FileDeltaLog log, FileSnapshotStore snapshots, Snapshot snapshot, StoreRecoveryReport report) {
            this.log = log;
            this.snapshots = snapshots;
            this.snapshot = snapshot;
            this.report = report;
        }
    }

    /** {@link DeltaLog#open}: the log alone; holes at its start cannot be judged without the snapshot. */
    static FileDeltaLog openLog(StoreConfig config) {
        return open(config, null, false).log;
    }

    /** {@link LocalStore#open}: snapshots, log and identity, as {@code replica} (null: whoever the store names). */
    static OpenedStore openStore(StoreConfig config, ReplicaId replica) {
        Opened o = open(config, replica, true);
        return new OpenedStore(o.log, o.snapshots, o.snapshot, o.report);
    }

    // ------------------------------------------------------------------------------ scanning

    /** What a read-only scan found in one file with a segment's name. */
    private static final class Scanned {
        final Path path;
        final long nameFirst;
        final long size;
        SegmentReader.Header header;
        long records;
        long firstRecord = -1;
        long lastRecord = -1;
        long validEnd;
        RecoveryReport.Damage bad;
        /**
         * Set when the resync scan found valid records after damage in the last segment: the byte
         * ranges {@code [start, end)} to keep, the segment header first. Null otherwise.
         */
        List<long[]> keep;
        /** With {@link #keep}: every damaged place, in file order (the first is {@link #bad}). */
        List<RecoveryReport.Damage> damages = List.of();
        /** With {@link #keep}: the sequences lost in the holes between the valid records. */
        List<RecoveryReport.Gap> innerGaps = List.of();

        Scanned(Path path, long nameFirst, long size) {
            this.path = path;
            this.nameFirst = nameFirst;
            this.size = size;
        }

        String name() {
            return path.getFileName().toString();
        }
    }

    private static List<Scanned> scanLog(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> LogFormat.parseSegmentName(p) >= 0 && Files.isRegularFile(p))
                    .sorted(Comparator.comparingLong(LogFormat::parseSegmentName))
                    .collect(Collectors.toList());
        }
        List<Scanned> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            Scanned sc = new Scanned(f, LogFormat.parseSegmentName(f), Files.size(f));
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                sc.header = SegmentReader.readHeader(ch, sc.size, sc.nameFirst);
            }
            if (sc.header.problem == null) {
                try (SegmentReader r = SegmentReader.open(f, sc.size, sc.nameFirst, -1, sc.header.bytes)) {
                    for (;;) {
                        SegmentReader.Status st = r.next();
                        if (st == SegmentReader.Status.RECORD) {
                            sc.records++;
                            if (sc.firstRecord < 0) {
                                sc.firstRecord = r.sequence();
                            }
                            sc.lastRecord = r.sequence();
                            continue;
                        }
                        sc.validEnd = r.validEnd();
                        if (st == SegmentReader.Status.BAD) {
                            sc.bad = new RecoveryReport.Damage(f, r.recordOffset(), r.reason(), r.detail());
                        }
                        break;
                    }
                }
                if (sc.bad != null && i == files.size() - 1) {
                    resync(sc);
                }
            }
            out.add(sc);
        }
        return out;
    }

    /**
     * Tells a torn tail from a hole in the last segment: after its first damage, looks for a valid
     * record further on ({@link SegmentReader#resync}), reads on from there, and repeats after any
     * further damage. A crash during an append can only tear the end of the file, so if nothing
     * valid follows the damage, the segment is left as scanned (its tail will be cut, as ever). If
     * something does, records acknowledged after the damaged ones exist, and the damaged ones,
     * whose dots were issued, are lost: the holes go to {@link Scanned#innerGaps}, the ranges to
     * keep to {@link Scanned#keep}. Reads each byte of the segment about once.
     */
    private static void resync(Scanned sc) throws IOException {
        List<long[]> runs = new ArrayList<>();
        List<RecoveryReport.Damage> damages = new ArrayList<>();
        List<RecoveryReport.Gap> gaps = new ArrayList<>();
        damages.add(sc.bad);
        long runStart = sc.header.bytes;
        long runEnd = sc.validEnd;
        long last = sc.records > 0 ? sc.lastRecord : Math.max(sc.header.previous, sc.nameFirst - 1);
        long records = sc.records;
        long first = sc.firstRecord;
        long damagedAt = sc.bad.offset();
        boolean found = false;
        try (FileChannel ch = FileChannel.open(sc.path, StandardOpenOption.READ)) {
            for (;;) {
                long at = SegmentReader.resync(ch, damagedAt + 1, sc.size, damagedAt, last, sc.nameFirst);
                if (at < 0) {
                    break;
                }
                found = true;
                if (runEnd > runStart) {
                    runs.add(new long[] {runStart, runEnd});
                }
                long firstHere = -1;
                long lastHere = -1;
                RecoveryReport.Damage next = null;
                try (SegmentReader r = SegmentReader.open(sc.path, sc.size, sc.nameFirst, last, at)) {
                    for (;;) {
                        SegmentReader.Status st = r.next();
                        if (st == SegmentReader.Status.RECORD) {
                            records++;
                            if (firstHere < 0) {
                                firstHere = r.sequence();
                            }
                            lastHere = r.sequence();
                            continue;
                        }
                        runEnd = r.validEnd();
                        if (st == SegmentReader.Status.BAD) {
                            next = new RecoveryReport.Damage(sc.path, r.recordOffset(), r.reason(), r.detail());
                        }
                        break;
                    }
                }
                if (firstHere > last + 1) {
                    gaps.add(new RecoveryReport.Gap(last + 1, firstHere - 1, sc.name() + " is damaged from offset "
                            + damagedAt + " to " + at + ", where valid records resume at sequence " + firstHere));
                }
                if (first < 0) {
                    first = firstHere;
                }
                runStart = at;
                last = lastHere;
                if (next == null) {
                    break;
                }
                damages.add(next);
                damagedAt = next.offset();
            }
        }
        if (!found) {
            return; // a torn or damaged tail: nothing valid after it
        }
        if (runEnd > runStart) {
            runs.add(new long[] {runStart, runEnd});
        }
        List<long[]> keep = new ArrayList<>();
        keep.add(new long[] {0, sc.header.bytes});
        long kept = sc.header.bytes;
        for (long[] run : runs) {
            keep.add(run);
            kept += run[1] - run[0];
        }
        sc.keep = keep;
        sc.damages = damages;
        sc.innerGaps = gaps;
        sc.records = records;
        sc.firstRecord = first;
        sc.lastRecord = last;
        sc.validEnd = kept;
    }

    private static boolean allZero(Path f, long size) throws IOException {
        if (size > MAX_ZERO_CHECK_BYTES) {
            return false;
        }
        byte[] buf = new byte[8192];
        try (InputStream in = Files.newInputStream(f)) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------ planning

    /** What to do with one file, decided before anything is done. */
    private enum Action { MOVE, COPY_AND_CUT, CUT, DELETE, COPY_AND_REWRITE }

    /** {@code keep}: for {@link Action#COPY_AND_REWRITE}, the byte ranges the file keeps; null otherwise. */
    private record Step(Action action, Path path, String sub, long newSize, String reason, List<long[]> keep) {
        Step(Action action, Path path, String sub, long newSize, String reason) {
            this(action, path, sub, newSize, reason, null);
        }
    }

    /** The decision about the log: what to keep, what to do, what was found. */
    private static final class LogPlan {
        final List<Scanned> kept = new ArrayList<>();
        final List<Step> steps = new ArrayList<>();
        final List<RecoveryReport.Damage> damages = new ArrayList<>();
        final List<RecoveryReport.Gap> gaps = new ArrayList<>();
        long droppedBytes;
        int droppedSegments;
    }

    private static LogPlan planLog(List<Scanned> files) throws IOException {
        LogPlan plan = new LogPlan();
        long chainLast = -1;
        for (int i = 0; i < files.size(); i++) {
            Scanned f = files.get(i);
            boolean last = i == files.size() - 1;
            SegmentReader.Header h = f.header;
            if (h.problem != null) {
                boolean crashTrace = last && (h.torn || allZero(f.path, f.size));
                RecoveryReport.Reason reason = h.torn || crashTrace ? RecoveryReport.Reason.TORN
                        : RecoveryReport.Reason.BAD_SEGMENT_HEADER;
                plan.damages.add(new RecoveryReport.Damage(f.path, 0, reason, h.problem));
                plan.steps.add(new Step(crashTrace ? Action.DELETE : Action.MOVE, f.path, "log", 0,
                        "unreadable segment header: " + h.problem));
                plan.droppedBytes += f.size;
                plan.droppedSegments++;
                continue;
            }
            if (f.records == 0) {
                if (f.bad != null) {
                    plan.damages.add(f.bad);
                }
                // The last segment, created just before a crash (or cut to nothing by a torn first
                // record), goes as the crash trace it is; anything else holding bytes is set aside.
                boolean trace = last && (f.bad == null || f.bad.reason() == RecoveryReport.Reason.TORN);
                plan.steps.add(new Step(trace ? Action.DELETE : Action.MOVE, f.path, "log", 0,
                        f.bad == null ? "segment without records" : "no readable record: " + f.bad.detail()));
                if (f.bad != null || !last) {
                    plan.droppedBytes += f.size;
                    plan.droppedSegments++;
                } // else a header without records: nothing was ever in it
                continue;
            }
            if (f.firstRecord <= chainLast) {
                plan.damages.add(new RecoveryReport.Damage(f.path, 0, RecoveryReport.Reason.SEQUENCE_ORDER,
                        "segment starts at " + f.firstRecord + " but the one before it reaches " + chainLast));
                plan.steps.add(new Step(Action.MOVE, f.path, "log", 0, "overlaps the segment before it"));
                plan.droppedBytes += f.size;
                plan.droppedSegments++;
                continue;
            }
            if (f.keep != null) {
                // Valid records follow the damage: keep them all; the holes are judged in gaps().
                plan.damages.addAll(f.damages);
                plan.steps.add(new Step(Action.COPY_AND_REWRITE, f.path, "log", f.validEnd,
                        f.damages.size() + " damaged place(s) followed by valid records, the first "
                                + f.bad.reason() + " at offset " + f.bad.offset() + ": " + f.bad.detail(), f.keep));
                plan.droppedBytes += f.size - f.validEnd;
            } else if (f.bad != null) {
                plan.damages.add(f.bad);
                boolean torn = last && f.bad.reason() == RecoveryReport.Reason.TORN;
                plan.steps.add(new Step(torn ? Action.CUT : Action.COPY_AND_CUT, f.path, "log", f.validEnd,
                        f.bad.reason() + " at offset " + f.bad.offset() + ": " + f.bad.detail()));
                plan.droppedBytes += f.size - f.validEnd;
            }
            plan.kept.add(f);
            chainLast = f.lastRecord;
        }
        return plan;
    }

    /**
     * The holes in the kept segments' history. With a {@code floor} (a {@link LocalStore}: the
     * snapshot's sequence, -1 if none) the records above it must follow on from it; without one
     * (the log alone) the first segment is trusted and only the links between segments are checked.
     */
    private static List<RecoveryReport.Gap> gaps(List<Scanned> kept, Long floor, String floorText,
            List<Path> setAside) {
        List<RecoveryReport.Gap> gaps = new ArrayList<>();
        Long expected = floor;
        Scanned before = null;
        for (Scanned seg : kept) {
            if (floor != null && seg.lastRecord <= floor) {
                before = seg;
                continue;
            }
            // A version 1 header names no previous sequence: between segments the engine's
            // contiguous sequences stand in for it; at the start nothing can be checked.
            boolean v1 = seg.header.version == LogFormat.SEGMENT_VERSION_1;
            long previous = seg.header.previous;
            if (expected == null) {
                // The log alone trusts where it starts, unless a file it set aside claims (by its
                // name) to hold records before the first one kept.
                long claimed = previous + 1;
                for (Path p : setAside) {
                    long first = LogFormat.parseSegmentName(p);
                    if (first >= 0 && first <= previous) {
                        claimed = Math.min(claimed, first);
                    }
                }
                expected = claimed - 1;
            }
            if (v1 && before == null) {
                expected = Math.max(expected, seg.firstRecord - 1);
            } else if (previous > expected) {
                String where = before != null
                        ? "between " + before.name() + ", which ends at " + before.lastRecord + ", and " + seg.name()
                                + ", which follows " + previous
                        : "before " + seg.name() + ", which follows " + previous + ": " + floorText;
                long from = expected + 1;
                boolean atStart = before == null;
                List<String> suspects = new ArrayList<>();
                if (before != null && before.bad != null) {
                    suspects.add(before.name() + " (damaged at offset " + before.bad.offset() + ")");
                }
                for (Path p : setAside) {
                    long first = LogFormat.parseSegmentName(p);
                    if (first < 0 ? atStart : first <= previous && (atStart || first > before.lastRecord)) {
                        suspects.add(p.getFileName().toString());
                    }
                }
                if (!suspects.isEmpty()) {
                    where += "; unreadable: " + String.join(", ", suspects);
                }
                gaps.add(new RecoveryReport.Gap(from, previous, where));
            }
            for (RecoveryReport.Gap g : seg.innerGaps) {
                if (floor == null || g.from() > floor) {
                    gaps.add(g);
                } else if (g.to() > floor) {
                    gaps.add(new RecoveryReport.Gap(floor + 1, g.to(), g.detail()));
                }
            }
            expected = Math.max(expected, seg.lastRecord);
            before = seg;
        }
        return gaps;
    }

    // ------------------------------------------------------------------------------ opening

    private static final class Opened {
        FileDeltaLog log;
        FileSnapshotStore snapshots;
        Snapshot snapshot;
        StoreRecoveryReport report;
    }

    private static Opened open(StoreConfig config, ReplicaId replica, boolean withSnapshots) {
        long start = System.nanoTime();
        Path root = config.directory();
        ReplicaId option = config.recoverAsNewReplica().orElse(null);
        if (replica != null && option != null && !option.equals(replica)) {
            throw new IllegalArgumentException("the store in " + root + " is to be recovered as the new replica " + option
                    + " but is opened as " + replica);
        }
        ReplicaId target = replica != null ? replica : option;
        StoreLock lock = StoreLock.acquire(config);
        try {
            Opened o = openLocked(config, target, option, withSnapshots, lock, start);
            lock = null; // the log owns it now
            return o;
        } catch (IOException e) {
            throw new StoreException("cannot open the store in " + root, e);
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private static Opened openLocked(StoreConfig config, ReplicaId target, ReplicaId option, boolean withSnapshots,
            StoreLock lock, long start) throws IOException {
        Path root = config.directory();
        Path logDir = config.logDirectory();

        // 1. Identity: whose store is it, and may it be opened as the target?
        Optional<IdentityFile.Identity> stored = Optional.empty();
        String identityProblem = null;
        try {
            stored = IdentityFile.read(root);
        } catch (IdentityFile.Unreadable e) {
            identityProblem = e.getMessage();
        }
        boolean switching = false;
        boolean creating = false;
        if (identityProblem != null) {
            if (option == null) {
                throw new StoreIdentityException("the identity file of store " + root + " cannot be read (" + identityProblem
                        + "), so it cannot be told whose store it is; nothing was changed. Restore it, or make the store a"
                        + " new replica with StoreConfig.Builder.recoverAsNewReplica");
            }
            switching = true;
        } else if (stored.isPresent()) {
            ReplicaId id = stored.get().replicaId();
            if (target != null && !target.equals(id)) {
                if (option == null) {
                    throw new ReplicaIdMismatchException(root, id, target);
                }
                switching = true;
            }
        } else if (target != null) {
            // First open with an id (or a store from before identity files): it becomes this replica's.
            creating = option == null;
            switching = option != null;
        }
        long accepted = !switching && stored.isPresent() ? stored.get().acceptedGapsThrough() : -1;

        // 2. Snapshots (a LocalStore only): the newest valid one; the others that fail their check go.
        Snapshot snapshot = null;
        List<RecoveryReport.Damage> snapshotDamages = new ArrayList<>();
        List<Path> badSnapshots = new ArrayList<>();
        List<Path> snapshotTemps = new ArrayList<>();
        Path snapDir = config.snapshotDirectory();
        if (withSnapshots) {
            Files.createDirectories(snapDir);
            try (Stream<Path> s = Files.list(snapDir)) {
                s.filter(p -> p.getFileName().toString().endsWith(FileSnapshotStore.TEMP_SUFFIX)).forEach(snapshotTemps::add);
            }
            List<Path> files = FileSnapshotStore.snapshotFiles(snapDir);
            for (int i = files.size() - 1; i >= 0 && snapshot == null; i--) {
                Path p = files.get(i);
                FileSnapshotStore.Checked c = FileSnapshotStore.check(p, FileSnapshotStore.sequenceOf(p));
                if (c.snapshot() != null) {
                    snapshot = c.snapshot();
                } else {
                    snapshotDamages.add(new RecoveryReport.Damage(p, 0, RecoveryReport.Reason.BAD_SNAPSHOT, c.problem()));
                    badSnapshots.add(p);
                }
            }
        }
        long snapshotSequence = snapshot == null ? -1 : snapshot.sequence();

        // 3. The log, read only, and the decision.
        List<Scanned> scanned = scanLog(logDir);
        LogPlan plan = planLog(scanned);
        List<Path> setAside = new ArrayList<>(badSnapshots);
        plan.steps.stream().filter(s -> s.action() == Action.MOVE).forEach(s -> setAside.add(s.path()));
        String floorText = snapshot != null ? "the snapshot covers only up to " + snapshotSequence
                : badSnapshots.isEmpty() ? "no snapshot covers them" : "no readable snapshot covers them";
        List<RecoveryReport.Gap> gaps = gaps(plan.kept, withSnapshots ? snapshotSequence : null, floorText, setAside);
        final long acceptedThrough = accepted;
        List<RecoveryReport.Gap> open = gaps.stream().filter(g -> g.to() > acceptedThrough).collect(Collectors.toList());
        if (!switching && !open.isEmpty()) {
            List<RecoveryReport.Damage> all = new ArrayList<>(snapshotDamages);
            all.addAll(plan.damages);
            StoreGapException refused = new StoreGapException(root, open, all);
            LOG.error("{}", refused.getMessage());
            throw refused;
        }
        long lastKept = plan.kept.isEmpty() ? -1 : plan.kept.get(plan.kept.size() - 1).lastRecord;

        // 4. Act: the identity first (a switch must be on record before anything it justifies).
        Optional<ReplicaId> previous = stored.map(IdentityFile.Identity::replicaId);
        Quarantine quarantine = new Quarantine(root);
        Optional<ReplicaId> owner = stored.map(IdentityFile.Identity::replicaId);
        if (switching) {
            if (identityProblem != null) {
                quarantine.copy(IdentityFile.path(root), "", "unreadable identity file: " + identityProblem);
            }
            long through = Math.max(snapshotSequence, lastKept);
            IdentityFile.write(root, new IdentityFile.Identity(target, previous.filter(p -> !p.equals(target)),
                    gaps.isEmpty() ? -1 : through));
            owner = Optional.of(target);
        } else if (creating) {
            IdentityFile.write(root, new IdentityFile.Identity(target, Optional.empty(), -1));
            owner = Optional.of(target);
        }
        for (Path p : badSnapshots) {
            quarantine.move(p, "snapshots", "unreadable snapshot: "
                    + snapshotDamages.stream().filter(d -> d.segment().equals(p)).findFirst().map(RecoveryReport.Damage::detail)
                            .orElse("?"));
        }
        for (Path p : snapshotTemps) {
            // Never renamed into place, so the log was never truncated behind it: nothing is lost.
            LOG.warn("Deleting {}, a snapshot whose write was interrupted", p);
            Files.deleteIfExists(p);
        }
        if (!snapshotTemps.isEmpty() || !badSnapshots.isEmpty()) {
            DirectorySync.force(snapDir);
        }
        try (Stream<Path> stale = Files.list(logDir)) {
            // A rewrite interrupted before its rename: the segment itself is still the original.
            for (Path p : stale.filter(p -> p.getFileName().toString().endsWith(REWRITE_SUFFIX)).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
        for (Step s : plan.steps) {
            switch (s.action()) {
                case MOVE -> quarantine.move(s.path(), s.sub(), s.reason());
                case COPY_AND_CUT -> {
                    quarantine.copy(s.path(), s.sub(), s.reason());
                    cut(s.path(), s.newSize());
                }
                case CUT -> cut(s.path(), s.newSize());
                case COPY_AND_REWRITE -> {
                    quarantine.copy(s.path(), s.sub(), s.reason());
                    rewrite(s.path(), s.keep());
                }
                case DELETE -> Files.deleteIfExists(s.path());
            }
        }
        if (!plan.steps.isEmpty()) {
            DirectorySync.force(logDir);
        }
        quarantine.sync();

        // 5. The log over what was kept.
        List<FileDeltaLog.Segment> segments = new ArrayList<>();
        long records = 0;
        for (Scanned f : plan.kept) {
            FileDeltaLog.Segment seg = new FileDeltaLog.Segment(f.path, f.nameFirst, f.header.bytes, null, f.validEnd);
            seg.lastSequence = f.lastRecord;
            segments.add(seg);
            records += f.records;
        }
        List<RecoveryReport.Quarantined> logQuarantined = quarantine.moved().stream()
                .filter(q -> q.original().startsWith(logDir)).collect(Collectors.toList());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        RecoveryReport logReport = new RecoveryReport(segments.size(), records,
                plan.kept.isEmpty() ? -1 : plan.kept.get(0).firstRecord, lastKept, plan.damages, plan.droppedBytes,
                plan.droppedSegments, logQuarantined, switching ? gaps : List.of(), elapsed);
        StoreRecoveryReport report = new StoreRecoveryReport(root, owner, switching ? previous.filter(p -> !p.equals(target))
                : Optional.empty(), switching, creating, snapshotSequence, snapshotDamages, logReport, quarantine.moved(),
                switching ? gaps : List.of(), elapsed);
        log(report, withSnapshots);
        FileDeltaLog log = new FileDeltaLog(config, lock, segments, snapshotSequence, logReport);
        Opened o = new Opened();
        o.log = log;
        o.snapshots = withSnapshots ? new FileSnapshotStore(snapDir) : null;
        o.snapshot = snapshot;
        o.report = report;
        return o;
    }

    /**
     * Replaces {@code file} by the given byte ranges of it, through a temporary file renamed over it
     * (so a crash leaves the old file or the new one; the directory is forced by the caller).
     */
    private static void rewrite(Path file, List<long[]> keep) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + REWRITE_SUFFIX);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            for (long[] range : keep) {
                for (long p = range[0]; p < range[1];) {
                    long n = in.transferTo(p, range[1] - p, out);
                    if (n <= 0) {
                        throw new IOException(file + " ended before offset " + range[1] + " while it was rewritten");
                    }
                    p += n;
                }
            }
            out.force(true);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void cut(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
            ch.force(true);
        }
    }

    private static void log(StoreRecoveryReport r, boolean store) {
        String what = store ? "Recovery of " : "Recovery of the log in ";
        if (r.clean()) {
            LOG.debug("{}{}", what, r.summary());
            return;
        }
        boolean onlyTornTail = r.quarantined().isEmpty() && r.acceptedGaps().isEmpty() && !r.recoveredAsNewReplica()
                && r.damages().stream().allMatch(d -> d.reason() == RecoveryReport.Reason.TORN);
        if (onlyTornTail) {
            LOG.warn("{}{}", what, r.summary());
        } else {
            LOG.error("{}{}", what, r.summary());
        }
    }

    // ------------------------------------------------------------------------------ quarantine

    /** The directory files are set aside in, {@code quarantine/<time>/}, made on first use. */
    private static final class Quarantine {
        private final Path root;
        private Path dir;
        private final List<RecoveryReport.Quarantined> moved = new ArrayList<>();
        private final List<Path> touched = new ArrayList<>();

        Quarantine(Path root) {
            this.root = root;
        }

        private Path target(Path file, String sub) throws IOException {
            if (dir == null) {
                Path base = root.resolve("quarantine");
                Files.createDirectories(base);
                String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
                        .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
                Path d = base.resolve(stamp);
                for (int n = 1; Files.exists(d); n++) {
                    d = base.resolve(stamp + "-" + n);
                }
                Files.createDirectories(d);
                DirectorySync.force(base);
                DirectorySync.force(root);
                dir = d;
            }
            Path into = sub.isEmpty() ? dir : dir.resolve(sub);
            if (!Files.isDirectory(into)) {
                Files.createDirectories(into);
                DirectorySync.force(dir);
            }
            if (!touched.contains(into)) {
                touched.add(into);
            }
            return into.resolve(file.getFileName());
        }

        void move(Path file, String sub, String reason) throws IOException {
            long size = Files.size(file);
            Path to = target(file, sub);
            Files.move(file, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            moved.add(new RecoveryReport.Quarantined(file, to, size, reason));
        }

        void copy(Path file, String sub, String reason) throws IOException {
            Path to = target(file, sub);
            Files.copy(file, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            try (FileChannel ch = FileChannel.open(to, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            moved.add(new RecoveryReport.Quarantined(file, to, Files.size(to), reason));
        }

        /** Makes the moves and copies durable. */
        void sync() throws IOException {
            for (Path p : touched) {
                DirectorySync.force(p);
            }
        }

        List<RecoveryReport.Quarantined> moved() {
            return List.copyOf(moved);
        }
    }
}
