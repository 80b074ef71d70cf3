package io.converge.crdt.codec;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.function.Consumer;

/**
 * Encodes the states (and deltas, which are states) of one CRDT type into the body of a binary
 * frame and back. {@link BinaryCodec} adds the frame around it: version, replica-id table,
 * limits, error translation and the final invariant check. Built-in types get theirs from
 * {@link CrdtCodecs}.
 *
 * <h2>Writing a codec for your own type</h2>
 * Implement this interface (or {@link CausalCrdtCodec} for a causal type that may be nested in
 * an {@link io.converge.crdt.ORMap}) with the helpers of {@link CodecWriter} and
 * {@link CodecReader}:
 * <pre>{@code
 * final class MaxRegisterCodec implements CrdtCodec<MaxRegister> {
 *     public String id() { return "MaxRegister"; }
 *     public void encode(MaxRegister r, CodecWriter out) { out.writeSignedVarLong(r.value()); }
 *     public MaxRegister decode(CodecReader in) { return MaxRegister.of(in.readSignedVarLong()); }
 * }
 * }</pre>
 * The rules:
 * <ul>
 *   <li><b>Canonical:</b> equal states must give equal bytes (digests compare bytes): write
 *       collections in a fixed order, for example sorted by their encoded bytes
 *       ({@link CodecWriter#encodeValue}).
 *   <li><b>Replica ids</b> are written as table indexes ({@link CodecWriter#writeReplica}); the
 *       table is built first from {@link #visitReplicas}. The default visits by encoding the
 *       value once more into a scratch buffer; override it when a cheaper walk exists.
 *   <li><b>Hostile input:</b> read counts with {@link CodecReader#readCount} before allocating,
 *       strings and bytes with the reader's checked methods; throw only
 *       {@link DecodeException}s ({@link CodecReader#malformed}); any other exception (an index
 *       error from reading past the end, an {@code IllegalArgumentException} from a constructor)
 *       is turned into a {@link MalformedFrameException} by {@link BinaryCodec}, but saying what
 *       is wrong is kinder.
 *   <li><b>Immutable result:</b> return a new value; {@link BinaryCodec} runs its
 *       {@link ReplicatedData#checkInvariants()} before handing it out.
 * </ul>
 *
 * <p>Implementations must be immutable and thread-safe (the built-ins are).
 *
 * @param <S> the CRDT type
 */
public interface CrdtCodec<S extends ReplicatedData<S>> {
    /** A stable name of this encoding, such as {@code ORSet<string>}. */
    String id();

    /** Writes {@code value} (a full state or a delta). */
    void encode(S value, CodecWriter out);

    /**
     * Reads one value.
     *
     * @throws DecodeException if the bytes are not a valid encoding
     */
    S decode(CodecReader in);

    /**
     * Reports every replica id that {@link #encode} will write for {@code value} (duplicates are
     * fine). The default encodes the value into a scratch buffer and reports what it writes.
     */
    default void visitReplicas(S value, Consumer<? super ReplicaId> visitor) {
        CodecWriter.collect(this, value, visitor);
    }
}
