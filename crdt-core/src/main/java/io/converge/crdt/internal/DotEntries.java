package io.converge.crdt.internal;

import io.converge.crdt.causal.CausalContext;
import io.converge.crdt.causal.Dot;
import io.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * The dot store of one key: a dot set (entries are {@link Dot}s) or a dot function (entries are
 * {@link Tagged}s), kept in the cheapest form. One entry is stored as itself, several as an
 * {@code Object[]} sorted by dot; "no entry" is {@code null}. Almost every key holds one entry,
 * so almost every key costs one object. Several entries are wrapped in a {@link Many} so that
 * stores compare by value inside a {@link HashTrie}.
 *
 * <p>{@link #join} is the causal join of crdt.md §2 restricted to one key: keep the entries both
 * sides hold, and the entries one side holds whose dot the other side's context has not seen.
 * It returns an argument itself when the result equals it, so callers detect "unchanged" by
 * reference.
 */
public final class DotEntries {
    private static final Comparator<Object> BY_DOT = (a, b) -> {
        int c = replica(a).compareTo(replica(b));
        return c != 0 ? c : Long.compare(counter(a), counter(b));
    };

    private DotEntries() {
    }

    /** Two or more entries, sorted by dot; compares by content. */
    public static final class Many {
        final Object[] entries;

        Many(Object[] entries) {
            this.entries = entries;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Many m && Arrays.equals(entries, m.entries);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(entries);
        }

        @Override
        public String toString() {
            return Arrays.toString(entries);
        }
    }

    public static ReplicaId replica(Object entry) {
        return entry instanceof Dot d ? d.replica() : ((Tagged) entry).replica;
    }

    public static long counter(Object entry) {
        return entry instanceof Dot d ? d.counter() : ((Tagged) entry).counter;
    }

    public static Dot dot(Object entry) {
        return entry instanceof Dot d ? d : ((Tagged) entry).dot();
    }

    /** Whether both stores are one entry each, with the same dot. */
    public static boolean sameSingleEntry(Object a, Object b) {
        if (a instanceof Many || b instanceof Many || a == null || b == null) {
            return false;
        }
        return counter(a) == counter(b) && replica(a).equals(replica(b));
    }

    /** Number of entries in a store (0 for null). */
    public static int count(Object store) {
        return store == null ? 0 : store instanceof Many a ? a.entries.length : 1;
    }

    /** The i-th entry in dot order. */
    public static Object get(Object store, int i) {
        return store instanceof Many a ? a.entries[i] : store;
    }

    /** The canonical store of the given entries (any order, no duplicate dots), or null. */
    public static Object of(List<?> entries) {
        if (entries.isEmpty()) {
            return null;
        }
        if (entries.size() == 1) {
            return entries.get(0);
        }
        Object[] a = entries.toArray();
        Arrays.sort(a, BY_DOT);
        return new Many(a);
    }

    /** Calls {@code action} for each entry. */
    public static void forEach(Object store, Consumer<Object> action) {
        if (store instanceof Many a) {
            for (Object e : a.entries) {
                action.accept(e);
            }
        } else if (store != null) {
            action.accept(store);
        }
    }

    /** Adds the dot of every entry to {@code b}. */
    public static void addDots(Object store, CausalContext.Builder b) {
        forEach(store, e -> b.add(replica(e), counter(e)));
    }

    /** Whether the store holds an entry with dot {@code (r, n)}. */
    public static boolean containsDot(Object store, ReplicaId r, long n) {
        int k = count(store);
        for (int i = 0; i < k; i++) {
            Object e = get(store, i);
            if (counter(e) == n && replica(e).equals(r)) {
                return true;
            }
        }
        return false;
    }

    /** The entry of the store with dot {@code (r, n)}, or null. */
    public static Object find(Object store, ReplicaId r, long n) {
        int k = count(store);
        for (int i = 0; i < k; i++) {
            Object e = get(store, i);
            if (counter(e) == n && replica(e).equals(r)) {
                return e;
            }
        }
        return null;
    }

    /** Whether every entry's dot is in {@code ctx}. */
    public static boolean allIn(Object store, CausalContext ctx) {
        int k = count(store);
        for (int i = 0; i < k; i++) {
            Object e = get(store, i);
            if (!ctx.contains(replica(e), counter(e))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The causal join of one key's stores. {@code a} or {@code b} may be null (absent). Returns
     * {@code a} or {@code b} itself when the result equals it, null when empty.
     */
    public static Object join(Object a, CausalContext ca, Object b, CausalContext cb) {
        if (a == b) {
            return a;
        }
        if (b == null) {
            return survivors(a, cb);
        }
        if (a == null) {
            return survivors(b, ca);
        }
        int n = count(a);
        int m = count(b);
        if (n == 1 && m == 1) {
            Object x = a;
            Object y = b;
            if (counter(x) == counter(y) && replica(x).equals(replica(y))) {
                return a;
            }
            boolean keepX = !cb.contains(replica(x), counter(x));
            boolean keepY = !ca.contains(replica(y), counter(y));
            if (keepX && keepY) {
                return new Many(BY_DOT.compare(x, y) < 0 ? new Object[] {x, y} : new Object[] {y, x});
            }
            return keepX ? a : keepY ? b : null;
        }
        // General case: both lists sorted by dot; merge.
        List<Object> out = new ArrayList<>(n + m);
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            Object x = i < n ? get(a, i) : null;
            Object y = j < m ? get(b, j) : null;
            int c = x == null ? 1 : y == null ? -1 : BY_DOT.compare(x, y);
            if (c == 0) {
                out.add(x);
                i++;
                j++;
            } else if (c < 0) {
                if (!cb.contains(replica(x), counter(x))) {
                    out.add(x);
                }
                i++;
            } else {
                if (!ca.contains(replica(y), counter(y))) {
                    out.add(y);
                }
                j++;
            }
        }
        if (out.size() == n && sameEntries(out, a)) {
            return a;
        }
        if (out.size() == m && sameEntries(out, b)) {
            return b;
        }
        return of(out);
    }

    private static boolean sameEntries(List<Object> out, Object store) {
        for (int i = 0; i < out.size(); i++) {
            Object e = get(store, i);
            // Equal, not only the same object: entries decoded from the wire are copies.
            if (out.get(i) != e && !out.get(i).equals(e)) {
                return false;
            }
        }
        return true;
    }

    /** The entries whose dot {@code ctx} has not seen; the store itself if all survive, null if none. */
    public static Object survivors(Object store, CausalContext ctx) {
        int n = count(store);
        if (n == 1) {
            return ctx.contains(replica(store), counter(store)) ? null : store;
        }
        List<Object> out = null;
        for (int i = 0; i < n; i++) {
            Object e = get(store, i);
            if (ctx.contains(replica(e), counter(e))) {
                if (out == null) {
                    out = new ArrayList<>(n);
                    for (int k = 0; k < i; k++) {
                        out.add(get(store, k));
                    }
                }
            } else if (out != null) {
                out.add(e);
            }
        }
        return out == null ? store : of(out);
    }

    /** Structural equality of two stores (entries compared with equals, in dot order). */
    public static boolean equal(Object a, Object b) {
        if (a == b) {
            return true;
        }
        return a != null && a.equals(b);
    }

    /** Order-independent hash of a store. */
    public static int hash(Object store) {
        return store == null ? 0 : store.hashCode();
    }

    /** A printable form. */
    public static String toString(Object store) {
        return String.valueOf(store);
    }
}
