package io.converge.crdt.model;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.testing.Operation;
import io.converge.crdt.testing.OperationContext;
import java.util.function.BiFunction;

/**
 * A Converge type run side by side with a naive reference model: the product lattice, joined
 * component-wise. An operation runs on the real type first; the model's delta may be derived
 * from the real delta (to reuse a timestamp), never from the real state.
 */
public record Paired<A extends ReplicatedData<A>, B extends ReplicatedData<B>>(A real, B model)
        implements ReplicatedData<Paired<A, B>> {

    @Override
    public Paired<A, B> join(Paired<A, B> other) {
        return new Paired<>(real.join(other.real), model.join(other.model));
    }

    @Override
    public Paired<A, B> bottom() {
        return new Paired<>(real.bottom(), model.bottom());
    }

    @Override
    public boolean isBottom() {
        return real.isBottom() && model.isBottom();
    }

    @Override
    public void checkInvariants() {
        real.checkInvariants();
        model.checkInvariants();
    }

    /** Pairs an operation on the real type with the model's corresponding delta. */
    public interface ModelDelta<A, B> {
        B delta(B model, OperationContext context, A realDelta);
    }

    public static <A extends ReplicatedData<A>, B extends ReplicatedData<B>> Operation<Paired<A, B>> pair(
            String description, BiFunction<A, OperationContext, A> real, ModelDelta<A, B> model) {
        return Operation.of(description, (p, c) -> {
            A d = real.apply(p.real(), c);
            return new Paired<>(d, model.delta(p.model(), c, d));
        });
    }
}
