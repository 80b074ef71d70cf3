package io.converge.net.jgroups;

import io.converge.crdt.codec.CodecLimits;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.protocol.Message;

/**
 * Tells, from its first two bytes, whether a frame may travel out of band (sync.md §1): only the
 * sync codec's {@code Ack}, {@code Nack} and {@code Heartbeat} may. A sync frame starts with the
 * codec's version byte and then its message type ({@link MessageCodec}'s layout), so this is a
 * peek, never a decode. Everything else, transfers, deltas, goodbyes and admission frames (whose
 * first byte is an admission tag, never the codec's version), stays regular and in order.
 *
 * <p>The type bytes are read from the codec at class load rather than copied, so they follow its
 * numbering (as crdt-core's simulated network does). Stateless and thread-safe; O(1).
 */
final class FrameKinds {
    private static final byte VERSION = (byte) MessageCodec.VERSION;
    private static final byte ACK;
    private static final byte NACK;
    private static final byte HEARTBEAT;

    static {
        MessageCodec codec = new MessageCodec(CodecRegistry.of(), CodecLimits.defaults());
        ACK = codec.encodeToBytes(new Message.Ack(0))[1];
        NACK = codec.encodeToBytes(new Message.Nack(0))[1];
        HEARTBEAT = codec.encodeToBytes(new Message.Heartbeat(0, 0))[1];
    }

    private FrameKinds() {
    }

    /** Whether {@code frame} is an ack, nack or heartbeat of the sync codec, which may go OOB. */
    static boolean outOfBand(byte[] frame) {
        if (frame.length < 2 || frame[0] != VERSION) {
            return false;
        }
        byte type = frame[1];
        return type == ACK || type == NACK || type == HEARTBEAT;
    }
}
