package io.converge.crdt.codec;

import io.converge.crdt.CrdtTypeMismatchException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which codec encodes which key, and which codec a codec id on the wire names. A node registers
 * the codecs of the types it may receive ({@link #register}); keys are bound to their codec when
 * first used locally ({@link #bind}) or first received ({@link #learn}). A key bound to one codec
 * cannot be rebound to another: that would be a type change, which Converge refuses.
 *
 * <p>Thread-safe.
 */
public final class CodecRegistry {
    private final ConcurrentHashMap<String, CrdtCodec<?>> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CrdtCodec<?>> byKey = new ConcurrentHashMap<>();
    /**
     * The keys of {@link #byKey} bound only by {@link #learn}: the engine may forget them when it
     * did not join what taught them. Changed only inside {@code byKey}'s per-key compute, so a
     * bind and a forget of one key never interleave.
     */
    private final java.util.Set<String> learnedOnly = ConcurrentHashMap.newKeySet();

    private CodecRegistry() {
    }

    /** A registry knowing {@code codecs}. */
    public static CodecRegistry of(CrdtCodec<?>... codecs) {
        CodecRegistry r = new CodecRegistry();
        for (CrdtCodec<?> c : codecs) {
            r.register(c);
        }
        return r;
    }

    /**
     * Makes {@code codec} decodable by its id; registering the same id again is a no-op.
     *
     * @return this registry
     */
    public CodecRegistry register(CrdtCodec<?> codec) {
        Objects.requireNonNull(codec, "codec");
        byId.putIfAbsent(codec.id(), codec);
        return this;
    }

    /**
     * Binds {@code key} to {@code codec} (and registers the codec).
     *
     * @throws CrdtTypeMismatchException if the key is bound to a codec with another id
     */
    public void bind(String key, CrdtCodec<?> codec) {
        Objects.requireNonNull(key, "key");
        register(codec);
        bind(key, codec, false);
    }

    private void bind(String key, CrdtCodec<?> codec, boolean learned) {
        CrdtCodec<?>[] clash = new CrdtCodec<?>[1];
        byKey.compute(key, (k, prev) -> {
            if (prev == null) {
                if (learned) {
                    learnedOnly.add(k);
                }
                return codec;
            }
            if (!prev.id().equals(codec.id())) {
                clash[0] = prev;
            } else if (!learned) {
                learnedOnly.remove(k); // used here now: never forgotten
            }
            return prev;
        });
        if (clash[0] != null) {
            throw new CrdtTypeMismatchException("key '" + key + "' is a " + clash[0].id() + ", not a " + codec.id());
        }
    }

    /**
     * Binds a key received from a peer (and registers the codec); a binding made only this way
     * can be {@link #forgetLearned forgotten}.
     *
     * @throws CrdtTypeMismatchException if the key is bound to a codec with another id
     */
    public void learn(String key, CrdtCodec<?> codec) {
        Objects.requireNonNull(key, "key");
        register(codec);
        bind(key, codec, true);
    }

    /**
     * Forgets {@code key} if it was bound only by {@link #learn}: for a key whose value a node did
     * not keep, so a peer cannot grow this registry with names it never holds.
     *
     * @return whether the binding was removed
     */
    public boolean forgetLearned(String key) {
        Objects.requireNonNull(key, "key");
        boolean[] removed = new boolean[1];
        byKey.computeIfPresent(key, (k, c) -> {
            removed[0] = learnedOnly.remove(k);
            return removed[0] ? null : c;
        });
        return removed[0];
    }

    /** Number of keys bound, by {@link #bind} or by {@link #learn}. */
    public int size() {
        return byKey.size();
    }

    /**
     * The codec of {@code key}.
     *
     * @throws IllegalArgumentException if the key has none
     */
    public CrdtCodec<?> forKey(String key) {
        CrdtCodec<?> c = byKey.get(key);
        if (c == null) {
            throw new IllegalArgumentException("key '" + key + "' has no codec: give its Key a codec");
        }
        return c;
    }

    /** The codec {@code key} is bound to, if any. */
    public java.util.Optional<CrdtCodec<?>> codecFor(String key) {
        return java.util.Optional.ofNullable(byKey.get(Objects.requireNonNull(key, "key")));
    }

    /** The codec of {@code key}, or null if it has none yet. */
    CrdtCodec<?> knownForKey(String key) {
        return byKey.get(key);
    }

    /** The codec registered under {@code id}, or null. */
    public CrdtCodec<?> forId(String id) {
        return byId.get(id);
    }
}
