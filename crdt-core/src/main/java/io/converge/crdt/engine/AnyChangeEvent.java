package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
import java.util.Objects;
import java.util.Optional;

/**
 * One key's latest state, as an {@link AnyChangeListener} hears it. While the listener is busy,
 * further changes of a key are coalesced: it receives the key's latest state once, so it never
 * misses the final value but may skip intermediate ones. The state is typed by the key's codec
 * (a {@code PNCounter}, an {@code ORSet}, ...); the listener inspects its class.
 *
 * @param key the key's name
 * @param state the key's state now, or empty if the key expired (its time to live ran out)
 */
public record AnyChangeEvent(String key, Optional<ReplicatedData<?>> state) {
    public AnyChangeEvent {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
    }
}
