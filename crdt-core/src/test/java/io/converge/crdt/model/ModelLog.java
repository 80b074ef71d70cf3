package io.converge.crdt.model;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A grow-only set of uniquely tagged events: the naive model of counters, registers and flags.
 * An event may override the events it observed alive; an event is alive if it says so and no
 * event overrides it. Values are queries over the alive events; join is set union.
 */
public record ModelLog<P>(Set<Event<P>> events) implements ReplicatedData<ModelLog<P>> {
    public record Tag(ReplicaId replica, long seq) {
    }

    public record Event<P>(Tag tag, P payload, boolean alive, Set<Tag> overrides) {
        @Override
        public String toString() {
            return tag.replica() + "#" + tag.seq() + (alive ? ":" + payload : ":off");
        }
    }

    public static <P> ModelLog<P> empty() {
        return new ModelLog<>(Set.of());
    }

    private Tag next(ReplicaId replica) {
        long seq = 1 + events.stream().filter(e -> e.tag().replica().equals(replica))
                .mapToLong(e -> e.tag().seq()).max().orElse(0);
        return new Tag(replica, seq);
    }

    /** A new alive event that overrides nothing (a counter increment). */
    public ModelLog<P> add(ReplicaId replica, P payload) {
        return new ModelLog<>(Set.of(new Event<>(next(replica), payload, true, Set.of())));
    }

    /** A new alive event that overrides every alive event (a register write, a flag's winning op). */
    public ModelLog<P> replace(ReplicaId replica, P payload) {
        return new ModelLog<>(Set.of(new Event<>(next(replica), payload, true, liveTags())));
    }

    /** A new dead event that overrides every alive event (a clear, a flag's losing op). */
    public ModelLog<P> cancel(ReplicaId replica) {
        return new ModelLog<>(Set.of(new Event<>(next(replica), null, false, liveTags())));
    }

    private Set<Tag> liveTags() {
        return live().stream().map(Event::tag).collect(Collectors.toSet());
    }

    public List<Event<P>> live() {
        Set<Tag> overridden = new HashSet<>();
        events.forEach(e -> overridden.addAll(e.overrides()));
        return events.stream().filter(e -> e.alive() && !overridden.contains(e.tag())).toList();
    }

    public List<P> livePayloads() {
        return live().stream().map(Event::payload).toList();
    }

    public List<P> allPayloads() {
        return events.stream().filter(Event::alive).map(Event::payload).toList();
    }

    @Override
    public ModelLog<P> join(ModelLog<P> o) {
        Set<Event<P>> s = new HashSet<>(events);
        s.addAll(o.events);
        return new ModelLog<>(Set.copyOf(s));
    }

    @Override
    public ModelLog<P> bottom() {
        return empty();
    }

    @Override
    public boolean isBottom() {
        return events.isEmpty();
    }
}
