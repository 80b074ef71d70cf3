package io.converge.crdt.testing;

import io.converge.crdt.ReplicatedData;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * One delta mutator of a CRDT type, as a value that a property-based test can generate, print
 * and shrink: for example "add x" on an {@code ORSet}.
 *
 * <p>{@link #delta} must return the delta of the mutation (a value of the same type), never the
 * new state: the new state is {@code state.join(delta)}. A type that also has a classic
 * full-state mutator can supply it with {@link #withFullMutator}, and the {@link LawChecker}
 * then checks the delta-mutator law {@code m(X) = X ⊔ mδ(X)} against it.
 *
 * <p>Implementations must be deterministic given the state and the context (dots come from the
 * state's context, timestamps from the context's clock).
 *
 * @param <S> the CRDT type
 */
public interface Operation<S extends ReplicatedData<S>> {
    /** The delta of this mutation applied to {@code state} on the context's replica. */
    S delta(S state, OperationContext context);

    /** The classic mutator, when the type has one: the whole new state. */
    default Optional<S> full(S state, OperationContext context) {
        return Optional.empty();
    }

    /** A short description for traces, such as {@code add(x)}. */
    String description();

    /**
     * An operation from a description and a delta function.
     *
     * @throws NullPointerException if an argument is null
     */
    static <S extends ReplicatedData<S>> Operation<S> of(String description, BiFunction<S, OperationContext, S> delta) {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(delta, "delta");
        return new Operation<>() {
            @Override
            public S delta(S state, OperationContext context) {
                return delta.apply(state, context);
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public String toString() {
                return description;
            }
        };
    }

    /** This operation with a classic full-state mutator attached, for the delta-mutator law. */
    default Operation<S> withFullMutator(BiFunction<S, OperationContext, S> fullMutator) {
        Objects.requireNonNull(fullMutator, "fullMutator");
        Operation<S> self = this;
        return new Operation<>() {
            @Override
            public S delta(S state, OperationContext context) {
                return self.delta(state, context);
            }

            @Override
            public Optional<S> full(S state, OperationContext context) {
                return Optional.of(fullMutator.apply(state, context));
            }

            @Override
            public String description() {
                return self.description();
            }

            @Override
            public String toString() {
                return self.description();
            }
        };
    }
}
