package io.converge.crdt.engine;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.DecodeException;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.protocol.Message;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns messages into frames and frames into messages with the replicator's one codec (so the
 * keys a peer teaches are learned into the same registry the replicator encodes with) and the
 * codec limits. A frame that does not decode, or a message that does not encode, is dropped and
 * counted, never thrown into the sync loop; the logs about it are rate-limited.
 *
 * <p>Thread-safe: {@link #decode} runs on the transport's delivery threads, {@link #encode} on
 * the sync loop.
 */
final class FrameStage {
    private static final Logger LOG = LoggerFactory.getLogger(FrameStage.class);
    /** After the first, one log line per this many failures of a kind. */
    private static final int LOG_EVERY = 1024;

    private final ReplicaId self;
    private final MessageCodec codec;
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong framesOut = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong unencodable = new AtomicLong();

    FrameStage(ReplicaId self, MessageCodec codec) {
        this.self = self;
        this.codec = codec;
    }

    /** The message in {@code frame} from {@code from}, or null if it is refused (counted, logged). */
    Message decode(ReplicaId from, byte[] frame) {
        framesIn.incrementAndGet();
        bytesIn.addAndGet(frame.length);
        try {
            return codec.decode(frame);
        } catch (DecodeException e) {
            long n = rejected.incrementAndGet();
            if (n == 1 || n % LOG_EVERY == 0) {
                LOG.warn("{}: refused a frame of {} bytes from {} ({} refused so far): {}", self, frame.length, from,
                        n, e.getMessage());
            }
            return null;
        }
    }

    /** The frame of {@code m}, or null if it cannot be encoded (counted, logged). */
    byte[] encode(ReplicaId to, Message m) {
        try {
            byte[] frame = codec.encodeToBytes(m);
            framesOut.incrementAndGet();
            bytesOut.addAndGet(frame.length);
            return frame;
        } catch (RuntimeException e) {
            long n = unencodable.incrementAndGet();
            if (n == 1 || n % LOG_EVERY == 0) {
                LOG.warn("{}: cannot encode a {} for {} ({} so far): {}", self, m.getClass().getSimpleName(), to, n,
                        e.toString());
            }
            return null;
        }
    }

    /**
     * The keys of {@code m} whose value alone cannot be encoded, each with why, in message order;
     * empty if every value encodes alone (the message failed as a whole).
     */
    java.util.Map<String, String> unencodableKeys(Message m) {
        java.util.Map<String, io.converge.crdt.ReplicatedData<?>> values = m instanceof Message.Deltas d ? d.deltas()
                : m instanceof Message.States st ? st.states()
                : m instanceof Message.StatePart p ? java.util.Map.of(p.key(), p.value())
                : m instanceof Message.ReadReply rr && rr.state().isPresent() ? java.util.Map.of(rr.key(), rr.state().get())
                : java.util.Map.of();
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        values.forEach((key, value) -> {
            try {
                codec.encodedSize(key, value);
            } catch (RuntimeException e) {
                out.put(key, e.toString());
            }
        });
        return out;
    }

    long framesIn() {
        return framesIn.get();
    }

    long bytesIn() {
        return bytesIn.get();
    }

    long framesOut() {
        return framesOut.get();
    }

    long bytesOut() {
        return bytesOut.get();
    }

    long rejected() {
        return rejected.get();
    }

    long unencodable() {
        return unencodable.get();
    }
}
