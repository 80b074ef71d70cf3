package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CodecLimitsTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        CodecLimits d = CodecLimits.defaults();
        assertEquals(1 << 20, d.maxFrameBytes());
        assertEquals(100_000, d.maxElements());
        assertEquals(32, d.maxDepth());
        assertEquals(65_536, d.maxStringBytes());
        assertEquals(4096, d.maxReplicaIdsPerMessage());
        assertEquals(d, CodecLimits.builder().build());
    }

    @Test
    void theBuilderChecksEachSettingAndRefusesOneGivenTwice() {
        assertThrows(IllegalArgumentException.class, () -> CodecLimits.builder().maxElements(0));
        assertThrows(IllegalArgumentException.class, () -> CodecLimits.builder().maxFrameBytes(15));
        assertThrows(IllegalArgumentException.class, () -> CodecLimits.builder().maxDepth(-1));
        assertThrows(IllegalStateException.class, () -> CodecLimits.builder().maxDepth(3).maxDepth(4));
        CodecLimits l = CodecLimits.builder().maxFrameBytes(4096).maxStringBytes(100).build();
        assertEquals(4096, l.maxFrameBytes());
        assertEquals(100, l.maxStringBytes());
        assertEquals(CodecLimits.DEFAULT_MAX_ELEMENTS, l.maxElements());
    }
}
