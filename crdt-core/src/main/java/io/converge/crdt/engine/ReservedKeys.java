package io.converge.crdt.engine;

import java.util.Objects;

/**
 * A namespace of key names (those starting with a prefix) that a {@link Replicator}'s public
 * update methods refuse, and a capability to write them: a component that keeps its own data
 * among the user's keys (the cluster's member record) creates one, gives it to
 * {@link ReplicatorConfig.Builder#reservedKeys} and keeps it private; only a caller holding this
 * very instance can write such keys, through {@link Replicator#updateReserved}. Reading them, and
 * joining what peers send for them, is not restricted (peers holding the cluster secret are
 * trusted).
 *
 * <p>Immutable; identity matters: two instances with one prefix are different capabilities.
 */
public final class ReservedKeys {
    private final String prefix;

    private ReservedKeys(String prefix) {
        this.prefix = prefix;
    }

    /**
     * A new capability over the names starting with {@code prefix}.
     *
     * @throws IllegalArgumentException if the prefix is empty or longer than 64 characters
     */
    public static ReservedKeys prefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty() || prefix.length() > 64) {
            throw new IllegalArgumentException("a reserved prefix has 1 to 64 characters, got " + prefix.length());
        }
        return new ReservedKeys(prefix);
    }

    /** The prefix. */
    public String prefix() {
        return prefix;
    }

    /** Whether {@code name} is in this namespace. */
    public boolean covers(String name) {
        return name.startsWith(prefix);
    }

    @Override
    public String toString() {
        return "ReservedKeys[" + prefix + "*]";
    }
}
