package io.converge.crdt.model;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The textbook observed-remove set with tombstones (Shapiro et al. 2011): adds are unique tags,
 * removes are sets of observed tags, both only grow, join is union. Obviously a CRDT, and
 * obviously add-wins; the reference the real ORSet (and maps built like it) must agree with.
 */
public record ModelORSet<E>(Set<Tag<E>> adds, Set<Tag<E>> removed) implements ReplicatedData<ModelORSet<E>> {
    public record Tag<E>(E element, ReplicaId replica, long seq) {
    }

    public static <E> ModelORSet<E> empty() {
        return new ModelORSet<>(Set.of(), Set.of());
    }

    /**
     * A new tag for {@code e}; the add also supersedes the tags of {@code e} it observed (an add
     * that follows an add of the same element replaces it, so a remove that observed only the
     * later add still removes both).
     */
    public ModelORSet<E> add(ReplicaId replica, E e) {
        long seq = 1 + adds.stream().filter(t -> t.replica().equals(replica)).mapToLong(Tag::seq).max().orElse(0);
        return new ModelORSet<>(Set.of(new Tag<>(e, replica, seq)), removeIf(e::equals).removed());
    }

    /** Removes the observed live tags whose element matches. */
    public ModelORSet<E> removeIf(Predicate<E> which) {
        Set<Tag<E>> live = adds.stream().filter(t -> !removed.contains(t) && which.test(t.element()))
                .collect(Collectors.toSet());
        return new ModelORSet<>(Set.of(), live);
    }

    public Set<E> value() {
        return adds.stream().filter(t -> !removed.contains(t)).map(Tag::element).collect(Collectors.toSet());
    }

    @Override
    public ModelORSet<E> join(ModelORSet<E> o) {
        Set<Tag<E>> a = new HashSet<>(adds);
        a.addAll(o.adds);
        Set<Tag<E>> r = new HashSet<>(removed);
        r.addAll(o.removed);
        return new ModelORSet<>(Set.copyOf(a), Set.copyOf(r));
    }

    @Override
    public ModelORSet<E> bottom() {
        return empty();
    }

    @Override
    public boolean isBottom() {
        return adds.isEmpty() && removed.isEmpty();
    }
}
