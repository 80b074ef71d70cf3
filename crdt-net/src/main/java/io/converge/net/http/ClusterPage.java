package io.converge.net.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The live cluster page served at {@code GET /}: one HTML file with its style and script inline
 * (the resource {@code cluster-page.html}), and the Content-Security-Policy it is served with.
 *
 * <p>The policy lets the page run only its own inline script and style, named by their SHA-256
 * digests, and talk only to its own origin: no other script, style, image, frame or form target
 * loads, so data the page shows (key names, values, member names) can never become code even if
 * the page's escaping had a flaw. The digests are taken from the resource as loaded, so an edit
 * of the page can never leave a stale policy behind.
 *
 * <p>Immutable and thread-safe; built once per server.
 */
final class ClusterPage {
    static final String RESOURCE = "cluster-page.html";
    static final String CONTENT_TYPE = "text/html; charset=utf-8";

    private final byte[] html;
    private final String csp;

    private ClusterPage(byte[] html, String csp) {
        this.html = html;
        this.csp = csp;
    }

    /** Loads the page from the classpath. */
    static ClusterPage load() {
        byte[] bytes;
        try (InputStream in = ClusterPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String policy = "default-src 'none'; script-src 'sha256-" + digest(only(text, "script")) + "'; style-src 'sha256-"
                + digest(only(text, "style")) + "'; connect-src 'self'; base-uri 'none'; form-action 'none';"
                + " frame-ancestors 'none'";
        return new ClusterPage(bytes, policy);
    }

    /** The page's bytes (a copy). */
    byte[] html() {
        return html.clone();
    }

    /** The {@code Content-Security-Policy} header to serve it with. */
    String contentSecurityPolicy() {
        return csp;
    }

    /** The text inside the page's one {@code <tag>} element: a second one would run unlisted. */
    static String only(String page, String tag) {
        String open = "<" + tag + ">";
        String close = "</" + tag + ">";
        int start = page.indexOf(open);
        int end = page.indexOf(close);
        if (start < 0 || end < start || page.indexOf("<" + tag, start + 1) >= 0) {
            throw new IllegalStateException(RESOURCE + " must hold exactly one plain " + open + " element");
        }
        return page.substring(start + open.length(), end);
    }

    private static String digest(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
