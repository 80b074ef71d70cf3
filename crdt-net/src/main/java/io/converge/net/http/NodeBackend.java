package io.converge.net.http;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.Mutator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the HTTP API needs of a node: its name, reads and writes at a consistency level, its
 * members, a stream of events and its metrics. {@link ReplicatorBackend} implements it over one
 * {@code Replicator}; the cluster node implements it with membership and consistency levels.
 *
 * <p>Implementations are thread-safe: the server calls them from its event-loop threads, so no
 * method may block (futures complete later, on any thread).
 */
interface NodeBackend {
    /** This node's name. */
    String name();

    /**
     * Applies {@code mutator} to {@code key} and completes with the key's state after it once
     * the write reached {@code consistency}. Exceptionally: {@link ConsistencyTimeoutException}
     * (the write stays applied locally), {@link ConsistencyUnavailableException},
     * {@code CrdtTypeMismatchException} (nothing changed), or the mutator's exception (nothing
     * changed).
     */
    <S extends ReplicatedData<S>> CompletableFuture<S> update(Key<S> key, Mutator<S> mutator,
            ConsistencyRequest consistency);

    /**
     * Completes with {@code key}'s state as read at {@code consistency}, empty if no replica
     * asked holds it. Exceptionally as {@link #update}, changing nothing.
     */
    <S extends ReplicatedData<S>> CompletableFuture<Optional<S>> read(Key<S> key, ConsistencyRequest consistency);

    /** The members this node knows, itself included, in a stable order. */
    List<MemberInfo> members();

    /**
     * Calls {@code listener} with later events until the returned handle is closed. The listener
     * runs on a backend thread, must not block and must not throw.
     */
    AutoCloseable subscribe(Consumer<BackendEvent> listener);

    /** The node's metrics in the Prometheus text format (version 0.0.4). */
    String prometheusScrape();

    /**
     * How far behind each peer is: the deltas of this node it has not acknowledged yet, by replica
     * id. Peers this node's replicator does not know (yet, or any more) are absent.
     */
    Map<String, Long> lag();

    /** How many keys this node holds, the cluster's own (names starting with {@code $}) excepted. */
    int keyCount();

    /** The switch that cuts this node off from chosen peers, if it was started with fault injection. */
    default Optional<FaultInjection> faultInjection() {
        return Optional.empty();
    }

    /**
     * Drops traffic between this node and chosen members, for tests and the demo (no root needed):
     * {@code POST /admin/partition}. Thread-safe.
     */
    interface FaultInjection {
        /**
         * From now on drops what this node sends to and receives from the members named (each by
         * name, replica id or {@code host:port} address), replacing the previous list; an empty
         * list heals. Returns the names of the members now cut off.
         *
         * @throws IllegalArgumentException if a name matches no member, or this node (nothing changes)
         */
        List<String> drop(List<String> members);
    }

    /**
     * A member as {@code GET /members} and {@code event: member} show it.
     *
     * @param id its replica id
     * @param name its name for people (the replica id where the backend knows no other)
     * @param address where it listens, for people ({@code host:port}), or {@code ""} if unknown
     * @param status its status in the member record: {@code joining}, {@code up}, {@code leaving},
     *     {@code left} or {@code down} ({@link ReplicatorBackend}, which has no record, says
     *     {@code up} or {@code unreachable})
     * @param reachable whether this node reaches it now (always true for itself)
     */
    record MemberInfo(String id, String name, String address, String status, boolean reachable) {
        public MemberInfo {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(status, "status");
        }
    }

    /** Something {@code GET /events} streams: a key's change or a member's. */
    sealed interface BackendEvent {
    }

    /**
     * Something happened to a member, or (event {@code CurrentMembers}) a member as it was when
     * the subscription started: one per member, first thing after subscribing.
     *
     * @param event the name of the {@code io.converge.net.MemberEvent} type ({@code MemberUp},
     *     {@code MemberUnreachable}, ...) or {@code CurrentMembers}
     * @param member the member as it is after the event
     */
    record MemberChanged(String event, MemberInfo member) implements BackendEvent {
        public MemberChanged {
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(member, "member");
        }
    }

    /**
     * A key changed, by a local write or a peer's.
     *
     * @param key the key's name
     * @param state its state after the change
     */
    record KeyChanged(String key, ReplicatedData<?> state) implements BackendEvent {
        public KeyChanged {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(state, "state");
        }
    }
}
