package io.converge.crdt.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The bounds' defaults are the documented ones, and a bound that could not hold is refused at once. */
class SyncConfigTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        SyncConfig c = SyncConfig.defaults();
        assertEquals(100_000, c.bufferMaxEntries());
        assertEquals(64L << 20, c.bufferMaxBytes());
        assertEquals(16_384, c.maxPartsPerKey());
        assertEquals(64L << 20, c.assemblyMaxBytesPerTransfer());
        assertEquals(128L << 20, c.assemblyMaxBytes());
        assertEquals(20, c.maxTransfersPerPeerPerMinute());
        assertEquals(64L << 20, c.inboundMaxBytes());
        assertEquals(64, c.maxInboundPerTurn());
    }

    @Test
    void boundsBelowAMessageOrBelowOneAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SyncConfig.builder().bufferMaxBytes(100));
        assertThrows(IllegalArgumentException.class, () -> SyncConfig.builder().maxPartsPerKey(0));
        assertThrows(IllegalArgumentException.class, () -> SyncConfig.builder().maxTransfersPerPeerPerMinute(0));
        assertThrows(IllegalArgumentException.class, () -> SyncConfig.builder().maxInboundPerTurn(0));
        // Each bound must hold at least one message, and the total at least one transfer's share.
        assertThrows(IllegalArgumentException.class,
                () -> SyncConfig.builder().maxMessageBytes(512 * 1024).bufferMaxBytes(256 * 1024).build());
        assertThrows(IllegalArgumentException.class,
                () -> SyncConfig.builder().assemblyMaxBytesPerTransfer(256L << 20).build());
    }
}
