package io.converge.crdt.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Hand-made binary frames for tests: {@code version · codec id · replica table · body · CRC32C},
 * as {@link BinaryCodec} writes them, so a test can state a frame that no encoder would write.
 */
final class Frames {
    private Frames() {
    }

    /** The CRC32C of {@code b[0, n)}. */
    static int crc(byte[] b, int n) {
        CRC32C c = new CRC32C();
        c.update(b, 0, n);
        return (int) c.getValue();
    }

    /** {@code body} followed by its CRC32C, big-endian. */
    static byte[] seal(byte[] body) {
        byte[] out = Arrays.copyOf(body, body.length + 4);
        int c = crc(body, body.length);
        for (int i = 0; i < 4; i++) {
            out[body.length + i] = (byte) (c >>> (24 - 8 * i));
        }
        return out;
    }

    /** {@code frame} with its last four bytes replaced by the CRC32C of the others. */
    static byte[] reseal(byte[] frame) {
        if (frame.length < 4) {
            return frame.clone();
        }
        return seal(Arrays.copyOf(frame, frame.length - 4));
    }

    /** The unsigned LEB128 varint of {@code v}. */
    static byte[] varint(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    /** Bytes from ints (each taken modulo 256) and byte arrays, in order. */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof byte[] b) {
                out.writeBytes(b);
            } else if (p instanceof String s) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                out.write(b.length);
                out.writeBytes(b);
            } else {
                out.write((Integer) p);
            }
        }
        return out.toByteArray();
    }

    /**
     * A sealed binary frame of {@code codecId} whose replica table and body are {@code parts}
     * (ints are bytes, byte arrays are copied, strings are length-prefixed UTF-8).
     */
    static byte[] binary(String codecId, Object... parts) {
        return seal(bytes(1, codecId, bytes(parts)));
    }

    /** The number of bytes {@code version · codec id} take in a frame of {@code codecId}. */
    static int header(String codecId) {
        return 2 + codecId.getBytes(StandardCharsets.UTF_8).length;
    }
}
