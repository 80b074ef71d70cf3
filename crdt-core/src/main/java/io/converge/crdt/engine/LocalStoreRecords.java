package io.converge.crdt.engine;

import io.converge.crdt.engine.spi.RecordStore;
import io.converge.crdt.store.LocalStore;
import io.converge.crdt.store.StoreRecoveryReport;

/** A {@link LocalStore} (files with fsync) as the engine's {@link RecordStore}. */
final class LocalStoreRecords implements RecordStore {
    private final LocalStore store;

    LocalStoreRecords(LocalStore store) {
        this.store = store;
    }

    /** What opening the store found. */
    StoreRecoveryReport recovery() {
        return store.recovery();
    }

    @Override
    public long recover(SnapshotConsumer snapshot, RecordConsumer records) {
        return store.recover(s -> snapshot.accept(s.sequence(), s.stateBytes()), records::accept);
    }

    @Override
    public void appendAll(long[] sequences, byte[][] records) {
        store.appendAll(sequences, records);
    }

    @Override
    public boolean snapshotDue() {
        return store.snapshotDue();
    }

    @Override
    public void snapshot(long covers, byte[] state) {
        store.snapshot(covers, state);
    }

    @Override
    public void close() {
        store.close();
    }
}
