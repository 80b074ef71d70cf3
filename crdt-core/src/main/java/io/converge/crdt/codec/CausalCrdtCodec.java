package io.converge.crdt.codec;

import io.converge.crdt.CausalCrdt;
import io.converge.crdt.causal.CausalContext;

/**
 * A {@link CrdtCodec} for a causal CRDT: a dot store plus a causal context. The store and the
 * context are written separately so that the values nested in an {@link io.converge.crdt.ORMap},
 * which share the map's context, are written without one: the map writes its context, then each
 * nested value's store with its dots relative to that context
 * ({@link CodecWriter#writeDotInContext}).
 *
 * <p>Implementations must be immutable and thread-safe.
 *
 * @param <S> the causal CRDT type
 */
public interface CausalCrdtCodec<S extends CausalCrdt<S>> extends CrdtCodec<S> {
    /** The type's bottom (for an {@code ORMap} of this type, the prototype of its values). */
    S bottom();

    /**
     * Writes the store of {@code value}, not its context; dots go with
     * {@link CodecWriter#writeDotInContext}, relative to the context written last.
     */
    void encodeStore(S value, CodecWriter out);

    /**
     * Reads a store written by {@link #encodeStore}, returned as a value with the empty context.
     * Its invariants are not checked here: the enclosing value's check covers them.
     */
    S decodeStore(CodecReader in);

    /** Writes the context, then the store. */
    @Override
    default void encode(S value, CodecWriter out) {
        out.writeContext(value.context());
        encodeStore(value, out);
    }

    /**
     * Reads the context, then the store, and pairs them with {@code withContext}. Override it when
     * the type's {@code withContext} drops information that the encoding carries (the built-in
     * maps do: {@code withContext} forgets a keyed delta's hints, so they build the value at once).
     */
    @Override
    default S decode(CodecReader in) {
        CausalContext context = in.readContext();
        return decodeStore(in).withContext(context);
    }
}
