package io.converge.crdt.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write acknowledged under {@link FsyncPolicy#ALWAYS} survives SIGKILL: a real child JVM
 * ({@link CrashWriter}) appends and prints each acknowledged sequence, the test kills it with
 * {@link Process#destroyForcibly()} mid-stream, restarts it on the same directory, kills it again,
 * and finally checks that every acknowledged record is there, intact and in order.
 *
 * <p>What this proves: nothing acknowledged is held back in the JVM, and recovery after a kill
 * (torn record, half-made segment, interrupted snapshot) loses none of it. It cannot prove the
 * {@code fdatasync} part of {@code ALWAYS} (that needs a power cut); that part rests on
 * {@link java.nio.channels.FileChannel#force}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeltaLogCrashTest {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void everyWriteAcknowledgedUnderAlwaysSurvivesSigkillAndRestart() throws Exception {
        long maxAcked = -1;
        int[] acksPerRound = {2000, 300};
        for (int round = 0; round < acksPerRound.length; round++) {
            try (Child child = Child.start("log", dir)) {
                long ready = child.awaitReady();
                assertTrue(ready >= maxAcked, "restart recovered only up to " + ready + ", acknowledged " + maxAcked);
                long acked = child.awaitAcks("A ", acksPerRound[round]);
                child.kill();
                maxAcked = Math.max(maxAcked, Math.max(acked, child.lastSeen("A ")));
            }
        }
        try (DeltaLog log = DeltaLog.open(CrashWriter.logConfig(dir))) {
            List<StoreFiles.Entry> got = StoreFiles.replayAll(log);
            // Sequences run from 0, so acknowledging maxAcked means maxAcked + 1 records.
            assertTrue(got.size() > maxAcked, "recovered " + got.size() + " records, acknowledged up to " + maxAcked);
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i, got.get(i).sequence(), "records are contiguous from 0");
                assertArrayEquals(CrashWriter.record(i), got.get(i).payload(), "payload of " + i);
            }
        }
    }

    /** Where in a snapshot the kill lands. */
    private enum Phase {
        /** While the temporary file is being written or forced, before the rename. */
        WRITING_TEMPORARY,
        /** After the rename, while older snapshots are deleted and the log is truncated. */
        AFTER_RENAME,
        /** As soon as the child says a snapshot begins. */
        AT_START
    }

    @Test
    void killDuringSnapshotLeavesASnapshotAndLogThatCoverEveryAcknowledgedWrite() throws Exception {
        long maxAcked = -1;
        long maxSnapshotAcked = -1;
        for (Phase phase : Phase.values()) {
            boolean landed = false;
            // A loaded machine may deschedule us between seeing the file and the kill: then try again.
            for (int run = 0; run < 3 && !landed; run++) {
                try (Child child = Child.start("snapshot", dir)) {
                    long ready = child.awaitReady();
                    assertTrue(ready >= maxAcked, "restart recovered only up to " + ready + ", acknowledged " + maxAcked);
                    boolean hit = false;
                    for (int attempt = 0; attempt < 5 && !hit; attempt++) {
                        child.awaitAcks("S+ ", 1);
                        long seq = child.lastSeen("S+ ");
                        hit = phase == Phase.AT_START || awaitFile(phase == Phase.WRITING_TEMPORARY
                                ? FileSnapshotStore.fileName(seq) + ".tmp" : FileSnapshotStore.fileName(seq));
                    }
                    child.kill();
                    landed = hit && (phase != Phase.WRITING_TEMPORARY || hasTemporarySnapshot());
                    maxAcked = Math.max(maxAcked, child.lastSeen("A "));
                    maxSnapshotAcked = Math.max(maxSnapshotAcked, child.lastSeen("S "));
                }
                verifySnapshotStore(maxAcked, maxSnapshotAcked);
            }
            assertTrue(landed, "no kill landed in phase " + phase);
        }
    }

    /** Spins (bounded) until the snapshot file appears; false if it did not within 2 s. */
    private boolean awaitFile(String name) {
        Path p = dir.resolve("snapshots").resolve(name);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (Files.exists(p)) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    private boolean hasTemporarySnapshot() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp"));
        }
    }

    private void verifySnapshotStore(long maxAcked, long maxSnapshotAcked) {
        try (LocalStore store = LocalStore.open(CrashWriter.snapshotConfig(dir))) {
            long[] snapshot = {-1};
            List<Long> seqs = new ArrayList<>();
            long last = store.recover(s -> {
                snapshot[0] = s.sequence();
                assertArrayEquals(CrashWriter.state(s.sequence()), s.stateBytes(), "snapshot state of " + s.sequence());
            }, (seq, rec) -> {
                assertArrayEquals(CrashWriter.record(seq), rec, "payload of " + seq);
                seqs.add(seq);
            });
            assertTrue(snapshot[0] >= maxSnapshotAcked, "snapshot " + snapshot[0] + " older than acknowledged " + maxSnapshotAcked);
            for (int i = 0; i < seqs.size(); i++) {
                assertEquals(snapshot[0] + 1 + i, seqs.get(i), "the log continues the snapshot without a gap");
            }
            assertTrue(last >= maxAcked, "recovered up to " + last + ", acknowledged " + maxAcked);
        }
    }

    /** A running {@link CrashWriter} with its stdout read by a daemon thread into a queue. */
    private static final class Child implements AutoCloseable {
        private static final String EOF = "\u0000eof";
        private final Process process;
        private final Path stderr;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        /** Lines already taken from {@code lines}. */
        private final List<String> seen = new ArrayList<>();
        private final Thread reader;

        private Child(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            this.reader = new Thread(this::pump, "crash-writer-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(String mode, Path dir) throws IOException {
            Path stderr = Files.createTempFile("crash-writer", ".err");
            String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(), mode, dir.toString());
            pb.redirectError(stderr.toFile());
            return new Child(pb.start(), stderr);
        }

        private void pump() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the pipe breaks when the process dies: same as end of stream
            } finally {
                lines.add(EOF);
            }
        }

        private String next(long deadline) throws InterruptedException {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                fail("child printed nothing in time" + diagnostics());
            }
            seen.add(line);
            if (line.equals(EOF)) {
                fail("child exited early (" + process.waitFor(1, TimeUnit.SECONDS) + ")" + diagnostics());
            }
            return line;
        }

        long awaitReady() throws InterruptedException {
            String line = next(System.nanoTime() + START_TIMEOUT.toNanos());
            assertTrue(line.startsWith("ready "), line);
            return Long.parseLong(line.substring(6));
        }

        /** Reads lines until {@code count} lines with {@code prefix}; returns the last "A" sequence seen. */
        long awaitAcks(String prefix, int count) throws InterruptedException {
            long deadline = System.nanoTime() + ACK_TIMEOUT.toNanos();
            long lastAck = -1;
            for (int seen = 0; seen < count;) {
                String line = next(deadline);
                if (line.startsWith("A ")) {
                    lastAck = Long.parseLong(line.substring(2));
                }
                if (line.startsWith(prefix)) {
                    seen++;
                }
            }
            return lastAck;
        }

        /** SIGKILL, then wait (bounded) for the exit and for the end of its output. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertTrue(process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), "child did not die");
            assertNotEquals(0, process.exitValue());
            reader.join(EXIT_TIMEOUT.toMillis());
        }

        /** The highest sequence printed with {@code prefix}, read or still queued; -1 if none. */
        long lastSeen(String prefix) {
            long last = -1;
            for (String line : seen) {
                if (line.startsWith(prefix)) {
                    last = Math.max(last, Long.parseLong(line.substring(prefix.length())));
                }
            }
            for (String line : lines) {
                if (line.startsWith(prefix)) {
                    last = Math.max(last, Long.parseLong(line.substring(prefix.length())));
                }
            }
            return last;
        }

        private String diagnostics() {
            try {
                return "; stderr:\n" + Files.readString(stderr);
            } catch (IOException e) {
                return "; stderr unreadable: " + e;
            }
        }

        @Override
        public void close() throws IOException {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Files.deleteIfExists(stderr);
        }
    }
}
