package io.converge.crdt.protocol;

import io.converge.crdt.ReplicatedData;

/**
 * How many bytes one key's value takes in a message: what the machine bounds messages by
 * ({@link SyncConfig#maxMessageBytes()}). The engine measures with the codec the frame will be
 * encoded with; an estimate must not be below the encoded size by more than the margin between
 * {@code maxMessageBytes} and the receiver's frame limit.
 */
@FunctionalInterface
public interface ValueSizer {
    /** A rough estimate for machines run without a codec: the key plus 32 bytes per entry. */
    ValueSizer ESTIMATE = (key, value) -> 3L * key.length() + 8
            + 32L * io.converge.crdt.internal.Representation.access().entryCount(value);

    /**
     * The bytes {@code value} takes under {@code key} in a message.
     *
     * @throws RuntimeException if it cannot be encoded at all (for example a key without a codec)
     */
    long bytes(String key, ReplicatedData<?> value);
}
