package io.converge.net.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Test utility, the one bounded HTTP client of the API tests, in process ({@link ApiNode}) or
 * against a {@code crdt-node} child process: a request with a text body, its answer as a value.
 * Thread-safe: the client is shared and immutable.
 */
public final class HttpCalls {
    /** HTTP/1.1 (no h2c upgrade probe), connections bounded at 5 s. */
    public static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private HttpCalls() {
    }

    /** An answer: status, body text, headers. */
    public record Answer(int status, String body, Map<String, List<String>> headers) {
        /** The body as JSON; fails the test if it is not. */
        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        /** The first value of header {@code name} (any case), or "". */
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse("");
        }
    }

    /**
     * Sends {@code method base+pathAndQuery} with {@code body} (none if null) and {@code headers}
     * (name, value pairs), waiting at most {@code timeout} for the answer.
     */
    public static Answer send(String base, String method, String pathAndQuery, String body, Duration timeout,
            String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
