package io.converge.crdt.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Javadoc examples of this package, compiled and run. */
class StoreSnippetsTest {
    @TempDir
    Path dir;

    /** {@link LocalStore}'s class Javadoc, verbatim between the markers (with a smaller snapshot interval). */
    private long localStoreExample() {
        // --- begin LocalStore example
        long[] total = {0}; // the "state": a sum; each record is an 8-byte increment
        try (LocalStore store = LocalStore.open(StoreConfig.builder(dir).snapshotEveryRecords(2).build())) {
            long last = store.recover(
                    snapshot -> total[0] = snapshot.state().getLong(),
                    (seq, delta) -> total[0] += ByteBuffer.wrap(delta).getLong());
            long seq = last + 1;
            store.append(seq, ByteBuffer.allocate(8).putLong(5).array()); // durable per the fsync policy
            total[0] += 5;
            if (store.snapshotDue()) {
                store.snapshot(seq, ByteBuffer.allocate(8).putLong(total[0]).array());
            }
        }
        // --- end LocalStore example
        return total[0];
    }

    @Test
    void localStoreExampleRecoversTheSumAcrossRestartsAndSnapshots() {
        for (int run = 1; run <= 5; run++) {
            assertEquals(5L * run, localStoreExample());
        }
    }
}
