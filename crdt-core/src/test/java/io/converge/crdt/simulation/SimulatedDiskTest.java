package io.converge.crdt.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.store.FsyncPolicy;
import io.converge.crdt.testing.SimulatedDisk;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulated disk loses on a crash exactly what its fsync policy allows, and recovery rejects torn bytes. */
class SimulatedDiskTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** What a recovery replayed: the snapshot it started from (-1 if none) and the records after it. */
    private record Recovered(long covers, byte[] snapshot, List<Long> sequences, List<String> records, long last) {
    }

    private static Recovered recover(SimulatedDisk disk) {
        long[] covers = {-1};
        byte[][] snap = {null};
        List<Long> seqs = new ArrayList<>();
        List<String> recs = new ArrayList<>();
        long last = disk.recover((c, s) -> {
            covers[0] = c;
            snap[0] = s;
        }, (seq, r) -> {
            seqs.add(seq);
            recs.add(new String(r, StandardCharsets.UTF_8));
        });
        return new Recovered(covers[0], snap[0], seqs, recs, last);
    }

    @Test
    void underFsyncAlwaysEveryAppendedRecordSurvivesACrash() {
        SimulatedDisk disk = new SimulatedDisk(FsyncPolicy.ALWAYS, 100);
        disk.appendAll(new long[] {0, 1}, new byte[][] {bytes("a"), bytes("b")});
        disk.appendAll(new long[] {2}, new byte[][] {bytes("c")});
        disk.crash(0);
        disk.appendAll(new long[] {3}, new byte[][] {bytes("lost: the process is gone")});
        Recovered r = recover(disk);
        assertEquals(List.of("a", "b", "c"), r.records());
        assertEquals(2, r.last());
        assertFalse(disk.droppedTornRecord());
    }

    @Test
    void aCrashDuringAnAppendLeavesATornLastRecordThatRecoveryDrops() {
        SimulatedDisk disk = new SimulatedDisk(FsyncPolicy.ALWAYS, 100);
        disk.appendAll(new long[] {0}, new byte[][] {bytes("kept")});
        disk.crashDuringNextWrite(60); // the first record of the batch lands whole, the second is cut
        disk.appendAll(new long[] {1, 2}, new byte[][] {bytes("0123456789"), bytes("abcdefghij")});
        assertTrue(disk.crashed());
        Recovered r = recover(disk);
        assertEquals(List.of("kept", "0123456789"), r.records());
        assertTrue(disk.droppedTornRecord(), "the cut record fails its length or CRC check");
        // The torn bytes are gone: the log continues cleanly after the last whole record.
        disk.appendAll(new long[] {2}, new byte[][] {bytes("again")});
        assertEquals(List.of("kept", "0123456789", "again"), recover(disk).records());
    }

    @Test
    void aCorruptRecordEndsRecoveryThere() {
        SimulatedDisk disk = new SimulatedDisk(FsyncPolicy.ALWAYS, 100);
        disk.appendAll(new long[] {0, 1, 2}, new byte[][] {bytes("a"), bytes("b"), bytes("c")});
        disk.corrupt(16 + 1 + 16 + 0); // the first payload byte of record 1 (16-byte headers)
        Recovered r = recover(disk);
        assertEquals(List.of("a"), r.records(), "a prefix: nothing after the corrupt record is trusted");
        assertTrue(disk.droppedTornRecord());
    }

    @Test
    void underFsyncNeverACrashLosesWhatWasNotSynced() {
        SimulatedDisk disk = new SimulatedDisk(FsyncPolicy.NEVER, 100);
        disk.appendAll(new long[] {0}, new byte[][] {bytes("synced")});
        disk.sync();
        disk.appendAll(new long[] {1}, new byte[][] {bytes("acknowledged but only in the page cache")});
        disk.crash(0);
        assertEquals(List.of("synced"), recover(disk).records());
    }

    @Test
    void aSnapshotReplacesTheRecordsItCoversAndATornOneFallsBackToThePrevious() {
        SimulatedDisk disk = new SimulatedDisk(FsyncPolicy.ALWAYS, 2);
        disk.appendAll(new long[] {0, 1}, new byte[][] {bytes("a"), bytes("b")});
        assertTrue(disk.snapshotDue());
        disk.snapshot(1, bytes("state@1"));
        assertFalse(disk.snapshotDue());
        disk.appendAll(new long[] {2, 3}, new byte[][] {bytes("c"), bytes("d")});
        Recovered whole = recover(disk);
        assertEquals(1, whole.covers());
        assertArrayEquals(bytes("state@1"), whole.snapshot());
        assertEquals(List.of("c", "d"), whole.records());

        // The batch lands whole, then the crash strikes while the next snapshot is written.
        disk.crashDuringNextWrite(100);
        disk.appendAll(new long[] {4}, new byte[][] {bytes("e")});
        disk.snapshot(4, bytes("state@4"));
        assertTrue(disk.crashed());
        Recovered after = recover(disk);
        assertEquals(1, after.covers(), "the torn snapshot fails its check; the previous one stands");
        assertEquals(List.of("c", "d", "e"), after.records(), "and the records it would have covered were kept");
        assertEquals(4, after.last());
    }
}
