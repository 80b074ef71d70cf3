package io.converge.crdt.causal;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The name of one replica: the author of every {@link Dot} it mints and of every counter entry it
 * writes.
 *
 * <p>A replica id is 1 to {@value #MAX_LENGTH} characters from {@code [A-Za-z0-9._:@-]}, so its
 * stable binary form is one length byte followed by ASCII bytes, and its order (plain byte order)
 * is the same in every JVM and every codec. Ids are compared often on hot paths (every join
 * walks sorted id arrays), so the first eight bytes are kept packed in a {@code long}: most
 * comparisons end there.
 *
 * <p>An id must never be reused by a replica that lost its durable state (crdt.md §2): such a
 * replica would mint dots that others already saw and its new writes would be discarded. Use
 * {@link #random()} for a fresh one.
 *
 * <p>Ids are canonical while in use: {@link #of}, {@link #fromBytes} and {@link #random} return
 * the one instance of a name that is still reachable, so that ids decoded from a peer's state are
 * the very objects local states hold, and comparing the dots of two replicas' copies of an entry
 * (what every join does) is a reference check instead of a string comparison. The table holds
 * its ids weakly: an id no state holds any longer is forgotten, so a peer sending many names
 * makes it grow only as much as the data it sent.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class ReplicaId implements Comparable<ReplicaId> {
    /** Longest id in characters (and bytes). */
    public static final int MAX_LENGTH = 64;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ConcurrentHashMap<String, Canonical> CANONICAL = new ConcurrentHashMap<>();
    private static final ReferenceQueue<ReplicaId> FORGOTTEN = new ReferenceQueue<>();

    /** The table's weak reference to an id, knowing its name so that it can be removed once cleared. */
    private static final class Canonical extends WeakReference<ReplicaId> {
        final String name;

        Canonical(ReplicaId id) {
            super(id, FORGOTTEN);
            this.name = id.name;
        }
    }

    private final String name;
    private final long prefix;

    private ReplicaId(String name) {
        this.name = name;
        this.prefix = packPrefix(name);
    }

    /**
     * Returns the id with the given name.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if the name is empty, longer than {@value #MAX_LENGTH}
     *     characters or holds a character outside {@code [A-Za-z0-9._:@-]}
     */
    public static ReplicaId of(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "replica id must have 1 to " + MAX_LENGTH + " characters, got " + name.length());
        }
        for (int i = 0; i < name.length(); i++) {
            if (!allowed(name.charAt(i))) {
                throw new IllegalArgumentException("replica id may only use [A-Za-z0-9._:@-], got '"
                        + name + "' with '" + name.charAt(i) + "' at index " + i);
            }
        }
        return canonical(name);
    }

    /** The reachable instance named {@code name} (valid), made now if there is none. */
    private static ReplicaId canonical(String name) {
        for (Object r; (r = FORGOTTEN.poll()) != null; ) {
            Canonical c = (Canonical) r;
            CANONICAL.remove(c.name, c);
        }
        Canonical ref = CANONICAL.get(name);
        ReplicaId id = ref == null ? null : ref.get();
        if (id != null) {
            return id;
        }
        ReplicaId made = new ReplicaId(name);
        Canonical mine = new Canonical(made);
        while (true) {
            Canonical cur = CANONICAL.putIfAbsent(name, mine);
            if (cur == null) {
                return made;
            }
            ReplicaId other = cur.get();
            if (other != null) {
                return other;
            }
            if (CANONICAL.replace(name, cur, mine)) {
                return made;
            }
        }
    }

    /** Returns a new id of 128 random bits (22 characters), for a replica starting from nothing. */
    public static ReplicaId random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        String s = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        // base64url uses '_' and '-', both allowed.
        return canonical(s);
    }

    /**
     * Decodes the stable binary form written by {@link #toBytes()}.
     *
     * @throws IllegalArgumentException if the bytes are not a valid id
     */
    public static ReplicaId fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length < 2 || (bytes[0] & 0xFF) != bytes.length - 1) {
            throw new IllegalArgumentException("malformed replica id of " + bytes.length + " bytes");
        }
        return of(new String(bytes, 1, bytes.length - 1, StandardCharsets.US_ASCII));
    }

    /** The stable binary form: one length byte, then the ASCII characters. */
    public byte[] toBytes() {
        byte[] out = new byte[name.length() + 1];
        out[0] = (byte) name.length();
        for (int i = 0; i < name.length(); i++) {
            out[i + 1] = (byte) name.charAt(i);
        }
        return out;
    }

    /** The textual name. */
    public String name() {
        return name;
    }

    static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
    }

    private static long packPrefix(String s) {
        long p = 0;
        for (int i = 0; i < 8; i++) {
            p = (p << 8) | (i < s.length() ? s.charAt(i) : 0);
        }
        return p;
    }

    /**
     * Binary search for {@code id} in {@code sorted}, an array in this order without duplicates,
     * as {@link java.util.Arrays#binarySearch(Object[], Object)} returns it; identity is tried
     * before comparing, since arrays of one state usually share their ids.
     */
    public static int indexIn(ReplicaId[] sorted, ReplicaId id) {
        int lo = 0;
        int hi = sorted.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            ReplicaId m = sorted[mid];
            int c = m == id ? 0 : m.compareTo(id);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    @Override
    public int compareTo(ReplicaId other) {
        if (this == other) {
            return 0;
        }
        // ASCII only, so unsigned prefix order, then String order, equal byte order.
        int c = Long.compareUnsigned(prefix, other.prefix);
        if (c != 0 || (name.length() <= 8 && other.name.length() <= 8)) {
            return c != 0 ? c : Integer.compare(name.length(), other.name.length());
        }
        return name.compareTo(other.name);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof ReplicaId r && r.prefix == prefix && r.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
