package io.converge.crdt.store;

import static io.converge.crdt.store.StoreFiles.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LocalStoreTest {
    @TempDir
    Path dir;

    private StoreConfig config() {
        return StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).segmentBytes(4096).snapshotEveryRecords(100).build();
    }

    @Test
    void emptyStoreRecoversNothing() {
        try (LocalStore store = LocalStore.open(config())) {
            List<Snapshot> snaps = new ArrayList<>();
            assertEquals(-1, store.recover(snaps::add, (s, r) -> { throw new AssertionError("no records"); }));
            assertTrue(snaps.isEmpty());
            assertEquals(-1, store.snapshotSequence());
            assertFalse(store.snapshotDue());
        }
    }

    @Test
    void recoveryReplaysTheLogOntoTheLatestSnapshot() {
        try (LocalStore store = LocalStore.open(config())) {
            for (long s = 1; s <= 250; s++) {
                store.append(s, payload(s, 100));
                if (store.snapshotDue()) {
                    store.snapshot(s, ("state@" + s).getBytes());
                }
            }
            assertEquals(200, store.snapshotSequence());
        }
        try (LocalStore store = LocalStore.open(config())) {
            List<Snapshot> snaps = new ArrayList<>();
            List<Long> seqs = new ArrayList<>();
            long last = store.recover(snaps::add, (s, r) -> {
                assertArrayEquals(payload(s, 100), r);
                seqs.add(s);
            });
            assertEquals(250, last);
            assertEquals(1, snaps.size());
            assertEquals(200, snaps.get(0).sequence());
            assertArrayEquals("state@200".getBytes(), snaps.get(0).stateBytes());
            assertEquals(50, seqs.size());
            assertEquals(201L, seqs.get(0));
            assertEquals(250L, seqs.get(49));
            assertTrue(store.log().firstSequence() <= 201, "the log keeps every record after the snapshot");
            assertFalse(store.snapshotDue());
        }
    }

    @Test
    void snapshotTruncatesTheLogBehindIt() {
        try (LocalStore store = LocalStore.open(config())) {
            for (long s = 1; s <= 300; s++) {
                store.append(s, payload(s, 100));
            }
            int before = StoreFiles.segments(dir).size();
            assertTrue(store.snapshotDue());
            store.snapshot(300, new byte[] {9});
            assertFalse(store.snapshotDue());
            assertEquals(1, StoreFiles.segments(dir).size());
            assertTrue(before > 1);
            assertEquals(300, store.recover(s -> { }, (s, r) -> { throw new AssertionError("covered: " + s); }));
            assertThrows(SequenceOrderException.class, () -> store.append(300, new byte[0]));
            store.append(301, new byte[0]);
        }
    }

    @Test
    void snapshotDueCountsBytesToo() {
        StoreConfig c = StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.NEVER).snapshotEveryBytes(1000).build();
        try (LocalStore store = LocalStore.open(c)) {
            store.append(1, new byte[999]);
            assertFalse(store.snapshotDue());
            store.append(2, new byte[1]);
            assertTrue(store.snapshotDue());
        }
    }

    @Test
    void closeIsIdempotentAndReleasesTheDirectory() {
        LocalStore store = LocalStore.open(config());
        store.append(1, new byte[] {1});
        store.close();
        store.close();
        assertThrows(StoreClosedException.class, () -> store.append(2, new byte[0]));
        assertThrows(StoreClosedException.class, () -> store.snapshot(1, new byte[0]));
        try (LocalStore again = LocalStore.open(config())) {
            assertEquals(1, again.recover(s -> { }, (s, r) -> { }));
        }
    }
}
