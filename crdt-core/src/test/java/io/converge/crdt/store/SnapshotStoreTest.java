package io.converge.crdt.store;

import static io.converge.crdt.store.StoreFiles.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SnapshotStoreTest {
    @TempDir
    Path dir;

    private SnapshotStore open() {
        return SnapshotStore.open(StoreConfig.builder(dir).build());
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("snapshots"))) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void emptyStoreHasNoSnapshot() {
        assertTrue(open().latest().isEmpty());
    }

    @Test
    void writtenSnapshotReadsBackWithItsSequence() {
        byte[] state = payload(1, 100_000);
        open().write(42, state);
        Snapshot s = open().latest().orElseThrow();
        assertEquals(42, s.sequence());
        assertArrayEquals(state, s.stateBytes());
        assertEquals(state.length, s.size());
        assertTrue(s.state().isReadOnly());
    }

    @Test
    void newSnapshotReplacesTheOthersOnlyAfterItIsDurable() throws IOException {
        SnapshotStore store = open();
        store.write(10, new byte[] {1});
        store.write(20, new byte[] {2});
        assertEquals(List.of(FileSnapshotStore.fileName(20)), files());
        store.write(5, new byte[] {3}); // a restore to an older state is allowed and becomes the latest
        assertEquals(5, store.latest().orElseThrow().sequence());
        assertEquals(List.of(FileSnapshotStore.fileName(5)), files());
        assertThrows(IllegalArgumentException.class, () -> store.write(-1, new byte[0]));
    }

    @Test
    void interruptedWriteLeavesThePreviousSnapshotAndIsCleanedOnOpen() throws IOException {
        open().write(10, new byte[] {1, 2, 3});
        // a crash between creating the temporary file and the rename
        Path temp = dir.resolve("snapshots").resolve(FileSnapshotStore.fileName(20) + ".tmp");
        Files.write(temp, payload(3, 1000));
        assertEquals(10, open().latest().orElseThrow().sequence());
        assertFalse(Files.exists(temp), "open deletes the temporary file");
    }

    @Test
    void corruptNewestSnapshotFallsBackToTheOlderOne() throws IOException {
        SnapshotStore store = open();
        store.write(10, payload(10, 500));
        Path older = dir.resolve("snapshots").resolve(FileSnapshotStore.fileName(10));
        byte[] olderBytes = Files.readAllBytes(older);
        store.write(20, payload(20, 500));
        Files.write(older, olderBytes); // as if deleting the old one had not happened before a crash
        Path newer = dir.resolve("snapshots").resolve(FileSnapshotStore.fileName(20));
        StoreFiles.flipByte(newer, Files.size(newer) - 1);
        Snapshot s = open().latest().orElseThrow();
        assertEquals(10, s.sequence());
        assertArrayEquals(payload(10, 500), s.stateBytes());
    }

    @Test
    void truncatedMislabelledAndForeignFilesAreSkipped() throws IOException {
        SnapshotStore store = open();
        Path snaps = dir.resolve("snapshots");
        store.write(10, payload(10, 500));
        byte[] valid10 = Files.readAllBytes(snaps.resolve(FileSnapshotStore.fileName(10)));
        store.write(40, payload(40, 500));
        Path s40 = snaps.resolve(FileSnapshotStore.fileName(40));
        StoreFiles.truncate(s40, Files.size(s40) - 1); // torn
        Files.write(snaps.resolve(FileSnapshotStore.fileName(10)), valid10);
        Files.write(snaps.resolve(FileSnapshotStore.fileName(20)), new byte[] {1, 2, 3}); // shorter than a header
        Files.write(snaps.resolve(FileSnapshotStore.fileName(30)), valid10); // its header says 10
        Files.write(snaps.resolve("snapshot-99.snap"), valid10); // not our name pattern
        Snapshot s = open().latest().orElseThrow();
        assertEquals(10, s.sequence());
        assertArrayEquals(payload(10, 500), s.stateBytes());
    }
}
