package io.converge.crdt.engine;

/**
 * One user-visible change of a replicated value, as listeners receive it (like Elixir
 * DeltaCrdt's {@code on_diffs} and Phoenix.Tracker's {@code handle_diff}):
 * <ul>
 *   <li>sets: {@link Added}/{@link Removed} per element ({@code item} = the element);
 *   <li>maps: {@link Added}/{@link Removed}/{@link Updated} per map key;
 *   <li>counters, registers, flags and other types: one {@link Updated} with {@code item} null
 *       and the old and new values ({@code value()} of the type).
 * </ul>
 */
public sealed interface Change {
    /** {@code item} appeared, with {@code value} (the element itself for sets). */
    record Added(Object item, Object value) implements Change {
    }

    /** {@code item} disappeared; it held {@code oldValue}. */
    record Removed(Object item, Object oldValue) implements Change {
    }

    /** {@code item} (null for a whole value) changed from {@code oldValue} to {@code newValue}. */
    record Updated(Object item, Object oldValue, Object newValue) implements Change {
    }
}
