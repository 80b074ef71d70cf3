package io.converge.crdt;

import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyAttributes;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Multiplies the tries of every property, pinned ones included, by {@code converge.soak.factor}
 * (set by the {@code soak} profile): {@code jqwik.tries.default} alone leaves a property with its
 * own {@code tries} untouched, and those are the expensive ones a soak run is for. Registered for
 * every test through {@code META-INF/services}; without the system property it changes nothing.
 */
public final class SoakTries implements AroundPropertyHook {
    static final String FACTOR = "converge.soak.factor";

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public boolean appliesTo(Optional<AnnotatedElement> element) {
        return true;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        int factor = Integer.getInteger(FACTOR, 1);
        if (factor > 1) {
            PropertyAttributes attributes = context.attributes();
            int tries = attributes.tries().orElse(Integer.getInteger("jqwik.tries.default", 1000));
            attributes.setTries((int) Math.min(Integer.MAX_VALUE, (long) tries * factor));
        }
        return property.execute();
    }
}
