package io.converge.crdt;

/** Strings the tests size messages and buffers with. */
public final class TestStrings {
    private TestStrings() {
    }

    /** A string of exactly {@code bytes} ASCII characters (at least the prefix), distinct for each {@code n}. */
    public static String blob(int n, int bytes) {
        StringBuilder sb = new StringBuilder(bytes);
        sb.append(n).append(':');
        while (sb.length() < bytes) {
            sb.append((char) ('a' + sb.length() % 26));
        }
        return sb.toString();
    }
}
