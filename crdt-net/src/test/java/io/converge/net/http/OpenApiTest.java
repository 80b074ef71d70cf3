package io.converge.net.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code /openapi.json} true: every operation it documents is answered by the server with a
 * status it documents (a valid request gets 200), every route the server has is documented, and
 * every response of a documented operation that the contract tests produce is listed.
 */
class OpenApiTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    @Test
    void theDocumentAndTheRoutesNameTheSameOperations() throws Exception {
        try (ApiNode node = ApiNode.start("doc")) {
            JsonNode doc = node.get("/openapi.json").json();
            assertTrue(doc.get("openapi").asText().startsWith("3."), "an OpenAPI 3 document");
            Set<String> documented = new TreeSet<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> p = it.next();
                for (Iterator<String> m = p.getValue().fieldNames(); m.hasNext();) {
                    String method = m.next();
                    if (METHODS.contains(method)) {
                        documented.add(method.toUpperCase(Locale.ROOT) + " " + p.getKey());
                    }
                }
            }
            Set<String> served = new TreeSet<>();
            HttpApi.ROUTES.forEach(r -> served.add(r.method() + " " + r.template()));
            assertEquals(served, documented);
        }
    }

    @Test
    void everyDocumentedOperationAnswersAValidRequestWith200AndDocumentsItsErrors() throws Exception {
        try (ApiNode node = ApiNode.start("doc")) {
            JsonNode doc = node.get("/openapi.json").json();
            int withConsistency = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> p = it.next();
                String path = p.getKey().replace("{key}", "k-" + Math.abs(p.getKey().hashCode())).replace("{field}", "f");
                for (Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().fields(); ops.hasNext();) {
                    Map.Entry<String, JsonNode> op = ops.next();
                    if (!METHODS.contains(op.getKey())) {
                        continue;
                    }
                    String method = op.getKey().toUpperCase(Locale.ROOT);
                    JsonNode responses = op.getValue().get("responses");
                    String what = method + " " + p.getKey();
                    assertTrue(responses.has("200"), what);
                    responses.findValues("$ref").forEach(r -> assertTrue(
                            !doc.at(r.asText().substring(1)).isMissingNode(), what + ": dangling " + r));
                    // Only the cluster page is public ("security": []): it holds no data, and a
                    // browser cannot send a bearer token when it navigates (ClusterPageServedTest checks it).
                    boolean isPublic = op.getValue().path("security").isArray() && op.getValue().get("security").isEmpty();
                    assertEquals(!isPublic, responses.has("401"), what + " documents the token");
                    assertEquals(p.getKey().equals("/"), isPublic, what + ": only the page is public");
                    int status = path.equals("/events") ? streamStatus(node) : node.send(method, path, validBody(op.getValue())).status();
                    assertEquals(200, status, what);
                    boolean takesConsistency = op.getValue().path("parameters").toString()
                            .contains("\"#/components/parameters/consistency\"");
                    if (takesConsistency) {
                        withConsistency++;
                        for (String s : new String[] {"400", "409", "501", "504"}) {
                            assertTrue(responses.has(s), what + " documents " + s);
                        }
                        assertEquals(400, node.send(method, path + "?consistency=bogus", validBody(op.getValue())).status(), what);
                    }
                }
            }
            assertEquals(8, withConsistency, "every read and write of a key takes ?consistency=");
        }
    }

    /** A body the operation's schema accepts, or null if it takes none. */
    private static String validBody(JsonNode op) {
        JsonNode props = op.path("requestBody").path("content").path("application/json").path("schema").path("properties");
        if (props.isMissingNode()) {
            return null;
        }
        String name = props.fieldNames().next();
        JsonNode schema = props.get(name);
        String value = schema.path("type").asText().equals("integer") ? "1"
                : schema.path("type").asText().equals("string") ? "\"e\"" : "{\"any\": [1, \"json\"]}";
        return "{\"" + name + "\": " + value + "}";
    }

    private static int streamStatus(ApiNode node) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(node.base + "/events")).GET().build();
        HttpResponse<java.io.InputStream> r = ApiNode.CLIENT.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream())
                .get(5, TimeUnit.SECONDS);
        r.body().close();
        return r.statusCode();
    }
}
