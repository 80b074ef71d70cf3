package io.converge.net;

import java.util.Map;

/**
 * Counters of consistency-level calls ({@link ClusterNode#consistencyStats()}) since the node started, by level ({@code WriteConsistency.kind()} or
 * {@code ReadConsistency.kind()}; every level is present, with 0 until used). Immutable snapshot.
 *
 * @param writes writes started, by level
 * @param writeTimeouts writes that ended in {@code WriteTimeoutException}, by level
 * @param writesRefused writes refused at once by fail-fast ({@code NotEnoughReachableMembersException}), by level
 * @param reads reads started, by level
 * @param readTimeouts reads that ended in {@code ReadTimeoutException}, by level
 * @param readsRefused reads refused at once by fail-fast, by level
 */
public record QuorumStats(Map<String, Long> writes, Map<String, Long> writeTimeouts, Map<String, Long> writesRefused,
        Map<String, Long> reads, Map<String, Long> readTimeouts, Map<String, Long> readsRefused) {
    public QuorumStats {
        writes = Map.copyOf(writes);
        writeTimeouts = Map.copyOf(writeTimeouts);
        writesRefused = Map.copyOf(writesRefused);
        reads = Map.copyOf(reads);
        readTimeouts = Map.copyOf(readTimeouts);
        readsRefused = Map.copyOf(readsRefused);
    }

    /** Write and read timeouts together, all levels. */
    public long timeouts() {
        return writeTimeouts.values().stream().mapToLong(Long::longValue).sum()
                + readTimeouts.values().stream().mapToLong(Long::longValue).sum();
    }
}
