package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.protocol.Output;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What other threads read of a replicator: every key's latest state and expiry, and the latest
 * {@link SyncStats}. Written only by the sync loop, once per step, from the step's output (the
 * machine itself stays confined to the loop); read lock-free from anywhere.
 */
final class ReadView {
    private final ConcurrentHashMap<String, ReplicatedData<?>> states = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> expiries = new ConcurrentHashMap<>();
    private volatile SyncStats stats;
    /** The machine's dot floor, for snapshots. */
    private volatile long dotFloor;

    /**
     * A view of the restored store. {@code dotFloor} is the restored machine's: a snapshot taken
     * before the first step is published must not write a lower one, since it truncates the
     * records the floor came from.
     */
    ReadView(Map<String, ReplicatedData<?>> restored, Map<String, Long> restoredExpiries, long dotFloor,
            SyncStats initial) {
        this.dotFloor = dotFloor;
        states.putAll(restored);
        restoredExpiries.forEach((k, e) -> {
            if (e > 0 && states.containsKey(k)) {
                expiries.put(k, e);
            }
        });
        this.stats = initial;
    }

    /**
     * Publishes what one step changed, and the machine's dot floor after it: before the step's
     * expired keys are removed, so a snapshot that misses them reads a floor that covers them.
     */
    void apply(Output out, long floor) {
        dotFloor = floor;
        for (Output.Persist p : out.persists()) {
            if (p.expiresAt() > 0) {
                expiries.put(p.key(), p.expiresAt());
            }
        }
        for (Output.Change c : out.changes()) {
            states.put(c.key(), c.after());
        }
        for (String k : out.expired()) {
            states.remove(k);
            expiries.remove(k);
        }
    }

    /** The machine's dot floor as of the last step published. */
    long dotFloor() {
        return dotFloor;
    }

    void publish(SyncStats s) {
        stats = s;
    }

    Optional<ReplicatedData<?>> get(String key) {
        return Optional.ofNullable(states.get(key));
    }

    /** When {@code key} expires (epoch ms), if it has a time to live. */
    Optional<Long> expiry(String key) {
        return Optional.ofNullable(expiries.get(key));
    }

    Iterable<String> keys() {
        return states.keySet();
    }

    int size() {
        return states.size();
    }

    SyncStats stats() {
        return stats;
    }
}
