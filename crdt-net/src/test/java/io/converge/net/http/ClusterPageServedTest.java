package io.converge.net.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /} over plain HTTP: the cluster page with its content type and a policy that runs
 * only the page's own script and style; public even where the API needs a token, and only the
 * page. The page's behaviour in a browser is {@code ClusterPageBrowserTest}'s.
 */
class ClusterPageServedTest {
    @Test
    void theRootServesThePageAsHtmlWithAStrictPolicy() throws Exception {
        try (ApiNode node = ApiNode.start("page")) {
            HttpCalls.Answer a = node.get("/");
            assertEquals(200, a.status());
            assertEquals("text/html; charset=utf-8", a.header("Content-Type"));
            assertEquals("nosniff", a.header("X-Content-Type-Options"));
            assertTrue(a.body().startsWith("<!DOCTYPE html>"), a.body().substring(0, 40));
            String csp = a.header("Content-Security-Policy");
            assertTrue(csp.startsWith("default-src 'none';"), csp);
            assertTrue(csp.contains("connect-src 'self'"), csp);
            assertFalse(csp.contains("unsafe"), csp);
            assertFalse(csp.contains("http"), "no other origin is allowed: " + csp);
            // The browser runs the inline script and style only if their digests are listed.
            assertTrue(csp.contains("script-src 'sha256-" + sha256(ClusterPage.only(a.body(), "script")) + "'"), csp);
            assertTrue(csp.contains("style-src 'sha256-" + sha256(ClusterPage.only(a.body(), "style")) + "'"), csp);
            assertFalse(a.body().contains("innerHTML"), "values reach the page as text only");
            assertFalse(a.body().matches("(?s).*(src|href)=\"(https?:)?//.*"), "nothing loads from elsewhere");
        }
    }

    @Test
    void thePageTakesNoQueryAndOtherMethodsAreRefused() {
        try (ApiNode node = ApiNode.start("page")) {
            assertEquals(400, node.get("/?x=1").status());
            HttpCalls.Answer post = node.post("/", "{}");
            assertEquals(405, post.status());
            assertEquals("GET", post.header("Allow"));
        }
    }

    @Test
    void thePageIsPublicWhereTheApiNeedsATokenAndNothingElseIs() {
        byte[] token = "page-token-0123456789".getBytes(StandardCharsets.UTF_8);
        try (ApiNode n = ApiNode.start("guarded", null, b -> b.token(token))) {
            HttpCalls.Answer page = n.get("/");
            assertEquals(200, page.status(), "a browser cannot send a bearer token when it navigates");
            assertEquals(401, n.get("/?x=1").status(), "only the page itself is public");
            assertEquals(401, n.post("/", "{}").status());
            assertEquals(401, n.get("/members").status());
            assertEquals(401, n.get("/events").status());
            assertEquals(200, n.send("GET", "/members", null, "Authorization", "Bearer page-token-0123456789").status());
        }
    }

    private static String sha256(String s) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
