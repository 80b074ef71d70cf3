package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
import java.util.List;
import java.util.Optional;

/**
 * What changed in one key since the listener last heard of it: the state it saw then, the state
 * now, and the user-visible {@link Change}s between them. When a listener falls behind, the
 * events of one key are coalesced: it receives one event from the last state it saw to the
 * latest, so it never misses the final value.
 *
 * @param key the key
 * @param before the state the listener saw last (empty at first)
 * @param after the current state
 * @param changes the differences, possibly empty if only metadata changed
 * @param <S> the CRDT type
 */
public record ChangeEvent<S extends ReplicatedData<S>>(Key<S> key, Optional<S> before, S after, List<Change> changes) {
    public ChangeEvent {
        changes = List.copyOf(changes);
    }
}
