package io.converge.crdt.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StoreConfigTest {
    private final Path dir = Paths.get("store");

    @Test
    void defaultsAreTheDocumentedOnes() {
        StoreConfig c = StoreConfig.builder(dir).build();
        assertEquals(dir, c.directory());
        assertEquals(dir.resolve("log"), c.logDirectory());
        assertEquals(dir.resolve("snapshots"), c.snapshotDirectory());
        assertEquals(FsyncPolicy.ALWAYS, c.fsyncPolicy());
        assertEquals(64L << 20, c.segmentBytes());
        assertEquals(8 << 20, c.maxRecordBytes());
        assertEquals(100_000, c.snapshotEveryRecords());
        assertEquals(64L << 20, c.snapshotEveryBytes());
        assertEquals(Duration.ofSeconds(10), c.closeTimeout());
    }

    @Test
    void smallSegmentsLowerTheDefaultRecordLimitToFit() {
        StoreConfig c = StoreConfig.builder(dir).segmentBytes(4096).build();
        assertEquals(4096 - 48, c.maxRecordBytes());
    }

    @Test
    void settersRejectBadValuesAndSecondCalls() {
        StoreConfig.Builder b = StoreConfig.builder(dir);
        assertThrows(NullPointerException.class, () -> StoreConfig.builder(null));
        assertThrows(NullPointerException.class, () -> b.fsyncPolicy(null));
        assertThrows(IllegalArgumentException.class, () -> b.segmentBytes(4095));
        assertThrows(IllegalArgumentException.class, () -> b.segmentBytes((1L << 30) + 1));
        assertThrows(IllegalArgumentException.class, () -> b.maxRecordBytes(0));
        assertThrows(IllegalArgumentException.class, () -> b.snapshotEveryRecords(0));
        assertThrows(IllegalArgumentException.class, () -> b.snapshotEveryBytes(0));
        assertThrows(IllegalArgumentException.class, () -> b.closeTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.closeTimeout(Duration.ofHours(1)));
        b.fsyncPolicy(FsyncPolicy.NEVER);
        assertThrows(IllegalStateException.class, () -> b.fsyncPolicy(FsyncPolicy.ALWAYS));
        b.segmentBytes(8192);
        assertThrows(IllegalStateException.class, () -> b.segmentBytes(8192));
    }

    @Test
    void buildRejectsRecordsThatCannotFitInASegment() {
        assertThrows(IllegalArgumentException.class,
                () -> StoreConfig.builder(dir).segmentBytes(4096).maxRecordBytes(4096 - 47).build());
        StoreConfig.builder(dir).segmentBytes(4096).maxRecordBytes(4096 - 48).build();
    }

    @Test
    void fsyncPoliciesDescribeThemselves() {
        assertEquals("ALWAYS", FsyncPolicy.ALWAYS.toString());
        assertEquals("NEVER", FsyncPolicy.NEVER.toString());
        assertEquals("EVERY_N_MILLIS(10)", FsyncPolicy.everyMillis(10).toString());
        assertEquals(FsyncPolicy.everyMillis(10), FsyncPolicy.everyMillis(10));
        assertEquals(10, FsyncPolicy.everyMillis(10).intervalMillis());
        assertEquals(FsyncPolicy.Mode.EVERY_N_MILLIS, FsyncPolicy.everyMillis(10).mode());
        assertThrows(IllegalArgumentException.class, () -> FsyncPolicy.everyMillis(0));
        assertThrows(IllegalArgumentException.class, () -> FsyncPolicy.everyMillis(600_001));
    }
}
