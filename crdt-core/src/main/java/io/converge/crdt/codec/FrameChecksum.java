package io.converge.crdt.codec;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The CRC32C trailer of binary frames ({@link BinaryCodec}, {@link MessageCodec}): four bytes,
 * big-endian, over every byte of the frame before them. {@link CRC32C} is a JVM intrinsic (a few
 * GB/s), so checking a frame costs a small fraction of decoding it.
 */
final class FrameChecksum {
    /** Bytes of the trailer. */
    static final int BYTES = 4;

    private FrameChecksum() {
    }

    /** The CRC32C of {@code length} bytes of {@code buf} from {@code index}, without moving its indexes. */
    static int of(ByteBuf buf, int index, int length) {
        CRC32C crc = new CRC32C();
        if (buf.hasArray()) {
            crc.update(buf.array(), buf.arrayOffset() + index, length);
        } else if (buf.nioBufferCount() == 1) {
            crc.update(buf.nioBuffer(index, length));
        } else {
            for (ByteBuffer b : buf.nioBuffers(index, length)) {
                crc.update(b);
            }
        }
        return (int) crc.getValue();
    }

    /** Appends the CRC32C of the bytes written to {@code out} since {@code start}. */
    static void append(ByteBuf out, int start) {
        out.writeInt(of(out, start, out.writerIndex() - start));
    }

    /**
     * Checks the trailer of the frame held by {@code size} bytes of {@code frame} from
     * {@code start} (at least {@link #BYTES} of them).
     *
     * @throws ChecksumMismatchException if it does not match
     */
    static void verify(ByteBuf frame, int start, int size) {
        int body = size - BYTES;
        int stored = frame.getInt(start + body);
        int computed = of(frame, start, body);
        if (stored != computed) {
            throw new ChecksumMismatchException(stored, computed, body);
        }
    }

    /**
     * Checks, in this order, that the frame of {@code size} readable bytes of {@code frame} has a
     * version byte, that it is {@code version}, that the frame is long enough for {@code header}
     * bytes and the checksum, and the checksum. Reads nothing else and moves no index.
     *
     * @throws MalformedFrameException if empty or too short
     * @throws UnsupportedVersionException if of another version
     * @throws ChecksumMismatchException if the checksum does not match
     */
    static void checkHeader(ByteBuf frame, int size, int version, int header) {
        if (size == 0) {
            throw new MalformedFrameException("empty frame", 0);
        }
        int v = frame.getUnsignedByte(frame.readerIndex());
        if (v != version) {
            throw new UnsupportedVersionException(v, version, version, 0);
        }
        if (size < header + BYTES) {
            throw new MalformedFrameException("frame of " + size + " bytes is shorter than its header and checksum",
                    size);
        }
        verify(frame, frame.readerIndex(), size);
    }
}
