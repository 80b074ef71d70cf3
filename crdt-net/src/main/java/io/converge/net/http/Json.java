package io.converge.net.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The API's JSON: one tree-model mapper with tight read limits and no polymorphic typing, so a
 * request body can only ever become a {@link JsonNode}. Thread-safe.
 */
final class Json {
    /** Deeper bodies are refused: no request of this API needs more than a few levels. */
    static final int MAX_NESTING = 32;
    /** Longest string (a set element, a map value's strings) in a body. */
    static final int MAX_STRING = 16 * 1024;
    /** Longest number literal: a delta needs 20 digits; a map value may carry a little more. */
    static final int MAX_NUMBER = 64;

    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING)
                            .maxStringLength(MAX_STRING).maxNumberLength(MAX_NUMBER).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .build();

    static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    private Json() {
    }

    /**
     * Parses a request body.
     *
     * @throws BadRequest if it is not one well-formed JSON value within the limits
     */
    static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new BadRequest("the request needs a JSON body");
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw new BadRequest("the request needs a JSON body");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new BadRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("unreadable body: " + e.getMessage());
        }
    }

    /** Parses JSON text this API stored itself (a map value); never fails on such text. */
    static JsonNode parseStored(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            // Written by a peer through another client: show it as the string it is.
            return NODES.textNode(text);
        }
    }

    /**
     * The canonical text of {@code value}: object members sorted by name, no whitespace, so equal
     * values written by different clients are equal strings in the map.
     */
    static String canonical(JsonNode value) {
        try {
            return MAPPER.writeValueAsString(sorted(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed tree always serializes", e);
        }
    }

    private static JsonNode sorted(JsonNode n) {
        if (n.isObject()) {
            List<String> names = new ArrayList<>();
            n.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode o = NODES.objectNode();
            for (String name : names) {
                o.set(name, sorted(n.get(name)));
            }
            return o;
        }
        if (n.isArray()) {
            var a = NODES.arrayNode();
            for (Iterator<JsonNode> it = n.elements(); it.hasNext();) {
                a.add(sorted(it.next()));
            }
            return a;
        }
        return n;
    }

    static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a built tree always serializes", e);
        }
    }

    /** A request the API refuses with 400; carries the message for the client. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
