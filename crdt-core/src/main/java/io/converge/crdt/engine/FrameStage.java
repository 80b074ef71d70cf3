package io.converge.crdt.engine;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodec;
import io.converge.crdt.codec.DecodeException;
import io.converge.crdt.codec.MessageCodec;
import io.converge.crdt.protocol.Message;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns messages into frames and frames into messages with the replicator's one codec (so the
 * keys a peer teaches are learned into the same registry the replicator encodes with) and the
 * codec limits. A frame that does not decode, or a message that does not encode, is dropped and
 * counted, never thrown into the sync loop; the logs about it are rate-limited.
 *
 * <h2>Names learned from peers</h2>
 * Decoding a value teaches the codec registry its key's codec, before the machine decides
 * whether to join it. A key the machine then neither holds nor {@link
 * io.converge.crdt.protocol.SyncMachine#retains retains} is forgotten after the step
 * ({@link #forgetUnjoined}), and retained ones are checked again later ({@link #recheckRetained}),
 * so a peer sending values that are never joined (causal gaps, expired copies, stray transfer
 * chunks) cannot grow the registry: it holds the keys held plus those retained. A forget on the
 * loop may race a decode of the same key on a delivery thread, so each decoded message carries the
 * codecs its keys were decoded with and they are bound again before its step ({@link #relearn}).
 *
 * <p>Thread-safe: {@link #decode} runs on the transport's delivery threads, {@link #encode} and
 * the rest on the sync loop.
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
    private final AtomicLong forgotten = new AtomicLong();
    /** Learned keys retained by the machine when last checked: checked again later. Loop-confined. */
    private final Set<String> retained = new LinkedHashSet<>();
    private final CodecRegistry registry;

    /** A decoded message and the codec of each key it carries a value of, as decoded. */
    record Decoded(Message message, Map<String, CrdtCodec<?>> codecs) {
    }

    FrameStage(ReplicaId self, MessageCodec codec) {
        this.self = self;
        this.codec = codec;
        this.registry = codec.registry();
    }

    /** The message in {@code frame} from {@code from}, or null if it is refused (counted, logged). */
    Decoded decode(ReplicaId from, byte[] frame) {
        framesIn.incrementAndGet();
        bytesIn.addAndGet(frame.length);
        try {
            Message m = codec.decode(frame);
            List<String> keys = valueKeys(m);
            Map<String, CrdtCodec<?>> codecs = new LinkedHashMap<>();
            for (String k : keys) {
                CrdtCodec<?> c = registry.codecFor(k).orElse(null);
                if (c == null) {
                    // Forgotten on the loop since this decode learned it: as if the frame were lost.
                    long n = rejected.incrementAndGet();
                    if (n == 1 || n % LOG_EVERY == 0) {
                        LOG.warn("{}: dropped a frame from {}: key '{}' was forgotten while it was decoded ({} refused"
                                + " so far)", self, from, k, n);
                    }
                    return null;
                }
                codecs.put(k, c);
            }
            return new Decoded(m, codecs);
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

    /** The keys {@code m} carries values of: those whose codecs the decode taught the registry. */
    static List<String> valueKeys(Message m) {
        if (m instanceof Message.Deltas d) {
            return new ArrayList<>(d.deltas().keySet());
        } else if (m instanceof Message.States st) {
            return new ArrayList<>(st.states().keySet());
        } else if (m instanceof Message.StatePart part) {
            return List.of(part.key());
        } else if (m instanceof Message.ReadReply rr && rr.state().isPresent()) {
            return List.of(rr.key());
        }
        return List.of();
    }

    /**
     * Binds {@code d}'s keys to the codecs they were decoded with, before its step; false if one
     * is bound to another type by now (the message is then dropped, as a clash at decode would).
     */
    boolean relearn(ReplicaId from, Decoded d) {
        try {
            d.codecs().forEach(registry::learn);
            return true;
        } catch (CrdtTypeMismatchException e) {
            long n = rejected.incrementAndGet();
            if (n == 1 || n % LOG_EVERY == 0) {
                LOG.warn("{}: refused a message from {} ({} refused so far): {}", self, from, n, e.getMessage());
            }
            return false;
        }
    }

    /**
     * After the step of {@code keys}' message (or of their expiry): forgets the names learned for
     * keys that {@code kept} says the machine neither holds nor retains; remembers the retained
     * ones for {@link #recheckRetained}. Loop only.
     */
    void forgetUnjoined(Collection<String> keys, Predicate<String> held, Predicate<String> retainedNow) {
        for (String k : keys) {
            if (held.test(k)) {
                continue;
            }
            if (retainedNow.test(k)) {
                retained.add(k);
            } else if (registry.forgetLearned(k)) {
                forgotten.incrementAndGet();
            }
        }
    }

    /** Checks the retained keys again, forgetting those no longer held or retained. Loop only. */
    void recheckRetained(Predicate<String> held, Predicate<String> retainedNow) {
        if (retained.isEmpty()) {
            return;
        }
        List<String> check = new ArrayList<>(retained);
        retained.clear();
        forgetUnjoined(check, held, retainedNow);
    }

    /** Learned keys retained by the machine when last checked. Loop only. */
    int retainedNames() {
        return retained.size();
    }

    /** Names learned from peers and forgotten because the machine did not keep their values. */
    long forgotten() {
        return forgotten.get();
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
