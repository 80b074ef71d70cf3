package io.converge.crdt.engine;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.protocol.Output;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers changes to listeners off the sync thread. <b>Policy for slow listeners:</b> each
 * subscription keeps, per key, the state it last saw and the latest state; while it is busy,
 * further changes of a key are coalesced into one event (from the last state seen to the latest,
 * deltas joined), so replication never waits for a listener, nothing is lost in the final value,
 * and memory per subscription is bounded by the number of keys changed since its last delivery.
 * Listener exceptions are logged and isolated.
 */
final class ChangeFeed {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

    private final Executor executor;
    private final java.util.concurrent.ConcurrentHashMap<String, List<Subscriber<?>>> subscribers =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Listeners of every key; the same coalescing policy, keyed by name. */
    private final List<AllSubscriber> allSubscribers = new CopyOnWriteArrayList<>();
    /** Keys not offered to {@link #allSubscribers}: the reserved namespace, if any. */
    private final java.util.function.Predicate<String> hidden;

    ChangeFeed(Executor executor) {
        this(executor, k -> false);
    }

    ChangeFeed(Executor executor, java.util.function.Predicate<String> hidden) {
        this.executor = executor;
        this.hidden = hidden;
    }

    /**
     * A listener of every key: pending holds at most one state per key (the latest), so memory is
     * bounded by the number of keys changed since its last delivery.
     */
    final class AllSubscriber implements AutoCloseable {
        private final AnyChangeListener listener;
        private final Map<String, Optional<ReplicatedData<?>>> pending = new LinkedHashMap<>();
        private boolean scheduled;
        private volatile boolean closed;

        AllSubscriber(AnyChangeListener listener) {
            this.listener = listener;
        }

        void offer(String key, Optional<ReplicatedData<?>> state) {
            if (closed) {
                return;
            }
            boolean schedule;
            synchronized (this) {
                pending.put(key, state);
                schedule = !scheduled;
                scheduled = true;
            }
            if (schedule) {
                try {
                    executor.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    LOG.debug("listener executor closed; dropping changes for a listener of all keys");
                }
            }
        }

        private void drain() {
            while (true) {
                Map<String, Optional<ReplicatedData<?>>> batch;
                synchronized (this) {
                    if (pending.isEmpty() || closed) {
                        scheduled = false;
                        return;
                    }
                    batch = new LinkedHashMap<>(pending);
                    pending.clear();
                }
                for (Map.Entry<String, Optional<ReplicatedData<?>>> e : batch.entrySet()) {
                    try {
                        listener.onChange(new AnyChangeEvent(e.getKey(), e.getValue()));
                    } catch (RuntimeException x) {
                        LOG.warn("a listener of all keys threw on {}; it keeps receiving later changes", e.getKey(), x);
                    }
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            allSubscribers.remove(this);
        }
    }

    AllSubscriber subscribeAll(AnyChangeListener listener) {
        AllSubscriber s = new AllSubscriber(listener);
        allSubscribers.add(s);
        return s;
    }

    private record Pending(ReplicatedData<?> before, ReplicatedData<?> after, ReplicatedData<?> delta) {
    }

    final class Subscriber<S extends ReplicatedData<S>> implements AutoCloseable {
        private final Key<S> key;
        private final ChangeListener<S> listener;
        private final Map<String, Pending> pending = new LinkedHashMap<>();
        private boolean scheduled;
        /** The latest state queued for this listener, the "before" of an expiry. */
        private ReplicatedData<?> lastSeen;
        private volatile boolean closed;

        Subscriber(Key<S> key, ChangeListener<S> listener) {
            this.key = key;
            this.listener = listener;
        }

        void offer(Output.Change c) {
            if (closed || !c.key().equals(key.name())) {
                return;
            }
            boolean schedule;
            synchronized (this) {
                Pending p = pending.get(c.key());
                // No delta (an expiry) means: compare everything.
                ReplicatedData<?> delta = c.delta() == null ? null
                        : p == null ? c.delta() : p.delta() == null ? null : join(p.delta(), c.delta());
                ReplicatedData<?> before = p != null ? p.before() : c.before().orElse(lastSeen);
                pending.put(c.key(), new Pending(before, c.after(), delta));
                lastSeen = c.after();
                schedule = !scheduled;
                scheduled = true;
            }
            if (schedule) {
                try {
                    executor.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    LOG.debug("listener executor closed; dropping changes of {}", key);
                }
            }
        }

        /** The key expired: the listener sees it go from its last state to empty. */
        void expired() {
            offer(new Output.Change(key.name(), Optional.empty(), key.bottom(), null, Optional.empty()));
        }

        private ReplicatedData<?> join(ReplicatedData<?> a, ReplicatedData<?> b) {
            return (ReplicatedData<?>) io.converge.crdt.internal.Representation.access().join(a, b);
        }

        @SuppressWarnings("unchecked")
        private void drain() {
            while (true) {
                Map<String, Pending> batch;
                synchronized (this) {
                    if (pending.isEmpty() || closed) {
                        scheduled = false;
                        return;
                    }
                    batch = new LinkedHashMap<>(pending);
                    pending.clear();
                }
                for (Pending p : batch.values()) {
                    try {
                        List<Change> changes = Diffs.between(p.before(), p.after(), p.delta());
                        listener.onChange(new ChangeEvent<>(key, Optional.ofNullable((S) p.before()), (S) p.after(), changes));
                    } catch (RuntimeException e) {
                        LOG.warn("listener of {} threw; it keeps receiving later changes", key, e);
                    }
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            subscribers.computeIfPresent(key.name(), (k, l) -> {
                l.remove(this);
                return l.isEmpty() ? null : l;
            });
        }
    }

    <S extends ReplicatedData<S>> Subscriber<S> subscribe(Key<S> key, ChangeListener<S> listener) {
        Subscriber<S> s = new Subscriber<>(key, listener);
        subscribers.computeIfAbsent(key.name(), k -> new CopyOnWriteArrayList<>()).add(s);
        return s;
    }

    /** Called on the sync thread with each step's changes and expiries: queues, never blocks. */
    void publish(Output out) {
        if (!allSubscribers.isEmpty()) {
            for (String key : out.expired()) {
                if (!hidden.test(key)) {
                    allSubscribers.forEach(s -> s.offer(key, Optional.empty()));
                }
            }
            for (Output.Change c : out.changes()) {
                if (!hidden.test(c.key())) {
                    allSubscribers.forEach(s -> s.offer(c.key(), Optional.of(c.after())));
                }
            }
        }
        if (subscribers.isEmpty()) {
            return;
        }
        for (String key : out.expired()) {
            List<Subscriber<?>> l = subscribers.get(key);
            if (l != null) {
                for (Subscriber<?> s : l) {
                    s.expired();
                }
            }
        }
        for (Output.Change c : out.changes()) {
            List<Subscriber<?>> l = subscribers.get(c.key());
            if (l != null) {
                for (Subscriber<?> s : l) {
                    s.offer(c);
                }
            }
        }
    }
}
