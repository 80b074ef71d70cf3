package io.converge.net;

import io.converge.crdt.ReplicatedData;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The cluster's member record (sync.md §2): {@code ReplicaId → {name, address, incarnation,
 * status, roles}}, a CRDT replicated by the same anti-entropy as the user's keys, under a
 * reserved key.
 *
 * <h2>Join</h2>
 * A map of max registers: per replica id the join keeps the larger {@link Entry} in one total
 * order: incarnation first (a restart supersedes everything said of the previous start), then
 * status rank ({@link MemberStatus} order: statuses only move forward, and an operator's
 * {@code DOWN} beats a concurrent {@code LEAVING}), then name, address and roles as a
 * deterministic tie-break, so two different entries never tie. A total order is a lattice under
 * max, and a pointwise max of lattices is one: join is commutative, associative and idempotent
 * with the empty record as bottom.
 *
 * <h2>Deltas</h2>
 * {@link #put} returns the one-entry record; joining it gives the new state (delta-mutator law).
 *
 * <p>Immutable; equal states have equal digests on every JVM (status by rank, not by enum hash).
 * Join is O(n + m); a node holds one entry per replica that was ever a member (left and downed
 * members stay, as their last word on the matter).
 */
final class MemberRecord implements ReplicatedData<MemberRecord> {
    /** Longest name, address and role, in characters, and most roles per member. */
    static final int MAX_TEXT = 256;
    static final int MAX_ROLES = 32;
    private static final MemberRecord EMPTY = new MemberRecord(Collections.emptySortedMap());

    /** One member's registers. Immutable; roles sorted and unique. */
    record Entry(String name, String address, long incarnation, MemberStatus status, List<String> roles)
            implements Comparable<Entry> {
        private static final Comparator<Entry> ORDER = Comparator.comparingLong(Entry::incarnation)
                .thenComparingInt(e -> e.status().ordinal()).thenComparing(Entry::name)
                .thenComparing(Entry::address).thenComparing(e -> String.join("\u0000", e.roles()));

        Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(status, "status");
            roles = List.copyOf(new java.util.TreeSet<>(roles));
            if (incarnation <= 0) {
                throw new IllegalArgumentException("incarnation must be positive, got " + incarnation);
            }
            if (name.length() > MAX_TEXT || address.length() > MAX_TEXT || roles.size() > MAX_ROLES
                    || roles.stream().anyMatch(r -> r.isEmpty() || r.length() > MAX_TEXT)) {
                throw new IllegalArgumentException("member name, address and roles have at most " + MAX_TEXT
                        + " characters and " + MAX_ROLES + " non-empty roles");
            }
        }

        Entry withStatus(MemberStatus s) {
            return new Entry(name, address, incarnation, s, roles);
        }

        @Override
        public int compareTo(Entry o) {
            return ORDER.compare(this, o);
        }

        @Override
        public int hashCode() {
            // Never the enum's identity hash: digests must agree across JVMs.
            return Objects.hash(name, address, incarnation, status.ordinal(), roles);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && e.incarnation == incarnation && e.status == status && e.name.equals(name)
                    && e.address.equals(address) && e.roles.equals(roles);
        }
    }

    private final SortedMap<ReplicaId, Entry> entries;
    private final int hash;

    private MemberRecord(SortedMap<ReplicaId, Entry> entries) {
        this.entries = entries;
        int h = 0;
        for (Map.Entry<ReplicaId, Entry> e : entries.entrySet()) {
            h = 31 * h + (e.getKey().hashCode() ^ e.getValue().hashCode());
        }
        this.hash = h;
    }

    /** The empty record (bottom). */
    static MemberRecord empty() {
        return EMPTY;
    }

    /** A record of {@code entries} (decoding, tests). */
    static MemberRecord of(Map<ReplicaId, Entry> entries) {
        if (entries.isEmpty()) {
            return EMPTY;
        }
        return new MemberRecord(Collections.unmodifiableSortedMap(new TreeMap<>(entries)));
    }

    /** The delta saying {@code entry} of {@code id}: joined, it wins unless a larger entry is known. */
    MemberRecord put(ReplicaId id, Entry entry) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(entry, "entry");
        return of(Map.of(id, entry));
    }

    /** The entry of {@code id}, if any. */
    Optional<Entry> get(ReplicaId id) {
        return Optional.ofNullable(entries.get(id));
    }

    /** Every entry, by replica id. Unmodifiable. */
    SortedMap<ReplicaId, Entry> entries() {
        return entries;
    }

    @Override
    public MemberRecord join(MemberRecord other) {
        Objects.requireNonNull(other, "other");
        if (other.entries.isEmpty() || other == this) {
            return this;
        }
        if (entries.isEmpty()) {
            return other;
        }
        TreeMap<ReplicaId, Entry> out = new TreeMap<>(entries);
        boolean changed = false;
        for (Map.Entry<ReplicaId, Entry> e : other.entries.entrySet()) {
            Entry mine = out.get(e.getKey());
            if (mine == null || mine.compareTo(e.getValue()) < 0) {
                out.put(e.getKey(), e.getValue());
                changed = true;
            }
        }
        return changed ? new MemberRecord(Collections.unmodifiableSortedMap(out)) : this;
    }

    @Override
    public MemberRecord bottom() {
        return EMPTY;
    }

    @Override
    public boolean isBottom() {
        return entries.isEmpty();
    }

    @Override
    public boolean isLessOrEqual(MemberRecord other) {
        for (Map.Entry<ReplicaId, Entry> e : entries.entrySet()) {
            Entry theirs = other.entries.get(e.getKey());
            if (theirs == null || theirs.compareTo(e.getValue()) < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public long digest() {
        long z = hash * 0x9E3779B97F4A7C15L; // splitmix64's finalizer spreads the 32-bit hash over 64 bits
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemberRecord r && r.hash == hash && r.entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<ReplicaId, Entry> e : entries.entrySet()) {
            if (parts.size() == 8) {
                parts.add("… " + (entries.size() - 8) + " more");
                break;
            }
            Entry v = e.getValue();
            parts.add(e.getKey() + "=" + v.status() + "@" + v.incarnation());
        }
        return "MemberRecord" + parts;
    }
}
