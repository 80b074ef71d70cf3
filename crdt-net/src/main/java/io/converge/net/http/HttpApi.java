package io.converge.net.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CounterOverflowException;
import io.converge.crdt.CrdtTypeMismatchException;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.ValueTooLargeException;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.engine.Key;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The API's routes: turns a request (method, URI, body) into backend calls and a JSON answer,
 * with no I/O of its own, so every rule below is testable without sockets.
 *
 * <p>Rules every route keeps: a request is validated completely (path, query, body) before the
 * backend is called, so a 400 changes nothing; a key bound to another type is a 409 (the backend
 * refuses before applying anything); unknown paths are 404 and known paths with another method
 * 405. Keys of all three kinds share one namespace.
 *
 * <p>Thread-safe: holds no mutable state. {@link #handle} never blocks and its future never
 * fails: every failure becomes an answer.
 */
final class HttpApi {
    /** Longest key or map field name in a path, in characters. */
    static final int MAX_NAME = 256;

    static final Key<PNCounter> COUNTER = Key.of("_", PNCounter.empty(), CrdtCodecs.pnCounter());
    static final Key<ORSet<String>> SET = Key.of("_", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));
    static final Key<AWLWWMap<String, String>> MAP = Key.of("_", AWLWWMap.<String, String>empty(),
            CrdtCodecs.awlwwMap(ValueCodec.string(), ValueCodec.string()));

    private static final String JSON = "application/json";

    /** One route: method and path template, as the OpenAPI document names them. */
    record Route(String method, String template) {
    }

    /** Every route served, {@code /events} included (the server streams it). */
    static final List<Route> ROUTES = List.of(
            new Route("GET", "/health"),
            new Route("GET", "/members"),
            new Route("GET", "/status"),
            new Route("GET", "/metrics"),
            new Route("GET", "/openapi.json"),
            new Route("GET", "/events"),
            new Route("GET", "/counters/{key}"),
            new Route("POST", "/counters/{key}"),
            new Route("GET", "/sets/{key}"),
            new Route("POST", "/sets/{key}/add"),
            new Route("POST", "/sets/{key}/remove"),
            new Route("GET", "/maps/{key}"),
            new Route("PUT", "/maps/{key}/{field}"),
            new Route("DELETE", "/maps/{key}/{field}"));

    /**
     * A request as the server read it.
     *
     * @param method upper-case HTTP method
     * @param uri the request target (path and query, percent-encoded)
     * @param body the body, possibly empty
     */
    record Request(String method, String uri, byte[] body) {
        Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(body, "body");
        }
    }

    /**
     * An answer.
     *
     * @param status HTTP status
     * @param contentType its media type
     * @param body its bytes
     * @param allow for a 405, the methods the path takes; else empty
     */
    record Response(int status, String contentType, byte[] body, String allow) {
        static Response json(int status, JsonNode body) {
            return new Response(status, JSON, Json.bytes(body), "");
        }

        static Response error(int status, String code, String message) {
            ObjectNode n = Json.NODES.objectNode();
            n.put("error", code);
            n.put("message", message);
            return json(status, n);
        }
    }

    private final NodeBackend backend;
    private final byte[] openApi;

    HttpApi(NodeBackend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.openApi = openApiDocument();
    }

    /** The OpenAPI 3 document this API serves at {@code /openapi.json}. */
    static byte[] openApiDocument() {
        try (InputStream in = HttpApi.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The route {@code method path} matches, if any, with the decoded path parameters. */
    static Optional<Map.Entry<Route, List<String>>> match(String method, String rawPath) {
        List<String> segments = segments(rawPath);
        for (Route r : ROUTES) {
            Optional<List<String>> params = r.method().equals(method) ? bind(r.template(), segments) : Optional.empty();
            if (params.isPresent()) {
                return Optional.of(Map.entry(r, params.get()));
            }
        }
        return Optional.empty();
    }

    /** The methods some route takes at {@code rawPath}, empty if no route has that path. */
    static Set<String> methodsAt(String rawPath) {
        List<String> segments = segments(rawPath);
        Set<String> methods = new TreeSet<>();
        for (Route r : ROUTES) {
            if (bind(r.template(), segments).isPresent()) {
                methods.add(r.method());
            }
        }
        return methods;
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/", -1)) {
            out.add(s);
        }
        return out.isEmpty() ? out : out.subList(1, out.size()); // the path starts with '/'
    }

    private static Optional<List<String>> bind(String template, List<String> segments) {
        String[] parts = template.substring(1).split("/");
        if (parts.length != segments.size()) {
            return Optional.empty();
        }
        List<String> params = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String seg = segments.get(i);
            if (parts[i].startsWith("{")) {
                if (seg.isEmpty()) {
                    return Optional.empty();
                }
                params.add(seg);
            } else if (!parts[i].equals(seg)) {
                return Optional.empty();
            }
        }
        return Optional.of(params);
    }

    /**
     * The fault-injection switch's path: served only by a node started with fault injection, and
     * not in {@link #ROUTES} nor the OpenAPI document (it is no part of the API a client uses).
     */
    static final String PARTITION = "/admin/partition";

    /** {@code POST /admin/partition} with {@code {"drop": [member, ...]}}; an empty list heals. */
    private static Response partition(Request request, Map<String, List<String>> query, NodeBackend.FaultInjection f) {
        if (!request.method().equals("POST")) {
            Response r = Response.error(405, "method_not_allowed", request.method() + " is not allowed on " + PARTITION
                    + "; use POST");
            return new Response(r.status(), r.contentType(), r.body(), "POST");
        }
        noQuery(query);
        JsonNode d = onlyField(request.body(), "drop");
        List<String> names = new ArrayList<>();
        if (!d.isArray()) {
            throw new Json.BadRequest("\"drop\" must be an array of member names");
        }
        for (JsonNode n : d) {
            if (!n.isTextual()) {
                throw new Json.BadRequest("\"drop\" must be an array of member names");
            }
            names.add(n.textValue());
        }
        List<String> dropped;
        try {
            dropped = f.drop(names);
        } catch (IllegalArgumentException e) {
            throw new Json.BadRequest(e.getMessage());
        }
        ObjectNode out = Json.NODES.objectNode();
        dropped.forEach(out.putArray("dropped")::add);
        return Response.json(200, out);
    }

    /** Answers {@code request}; never fails. {@code /events} is the server's and is not handled here. */
    CompletableFuture<Response> handle(Request request) {
        try {
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            String rawPath = uri.rawPath();
            if (rawPath.equals(PARTITION) && backend.faultInjection().isPresent()) {
                return done(partition(request, uri.parameters(), backend.faultInjection().get()));
            }
            Optional<Map.Entry<Route, List<String>>> m = match(request.method(), rawPath);
            if (m.isEmpty()) {
                Set<String> allowed = methodsAt(rawPath);
                if (allowed.isEmpty()) {
                    return done(Response.error(404, "not_found", "no such path: " + rawPath));
                }
                Response r = Response.error(405, "method_not_allowed",
                        request.method() + " is not allowed on " + rawPath + "; use " + String.join(", ", allowed));
                return done(new Response(r.status(), r.contentType(), r.body(), String.join(", ", allowed)));
            }
            Route route = m.get().getKey();
            List<String> params = decodeNames(m.get().getValue());
            return dispatch(route, params, uri.parameters(), request.body()).exceptionally(HttpApi::failure);
        } catch (RuntimeException e) {
            return done(failure(e));
        }
    }

    private CompletableFuture<Response> dispatch(Route route, List<String> p, Map<String, List<String>> query,
            byte[] body) {
        switch (route.template()) {
            case "/health": {
                noQuery(query);
                ObjectNode n = Json.NODES.objectNode();
                n.put("status", "up");
                n.put("name", backend.name());
                return done(Response.json(200, n));
            }
            case "/members": {
                noQuery(query);
                ArrayNode a = Json.NODES.arrayNode();
                for (NodeBackend.MemberInfo mi : backend.members()) {
                    memberJson(a.addObject(), mi);
                }
                ObjectNode n = Json.NODES.objectNode();
                n.set("members", a);
                return done(Response.json(200, n));
            }
            case "/status": {
                noQuery(query);
                Map<String, Long> lag = backend.lag();
                ObjectNode n = Json.NODES.objectNode();
                n.put("name", backend.name());
                n.put("keys", backend.keyCount());
                ArrayNode a = n.putArray("members");
                for (NodeBackend.MemberInfo mi : backend.members()) {
                    ObjectNode o = memberJson(a.addObject(), mi);
                    Long l = lag.get(mi.id());
                    if (l != null) {
                        o.put("lag", l);
                    }
                }
                return done(Response.json(200, n));
            }
            case "/metrics":
                noQuery(query);
                return done(new Response(200, "text/plain; version=0.0.4; charset=utf-8",
                        backend.prometheusScrape().getBytes(StandardCharsets.UTF_8), ""));
            case "/openapi.json":
                noQuery(query);
                return done(new Response(200, JSON, openApi, ""));
            case "/events":
                throw new IllegalStateException("the server streams /events itself");
            case "/counters/{key}":
                return route.method().equals("GET") ? read(COUNTER, p.get(0), query, HttpApi::counterJson)
                        : counterWrite(p.get(0), query, body);
            case "/sets/{key}":
                return read(SET, p.get(0), query, HttpApi::setJson);
            case "/sets/{key}/add":
            case "/sets/{key}/remove": {
                ConsistencyRequest c = consistency(query);
                String element = onlyField(body, "element").textValue();
                if (element == null) {
                    throw new Json.BadRequest("\"element\" must be a string");
                }
                boolean add = route.template().endsWith("/add");
                Key<ORSet<String>> key = named(SET, p.get(0));
                return backend.update(key, (s, r) -> add ? s.add(r.self(), element) : s.remove(element), c)
                        .thenApply(s -> Response.json(200, setJson(s)));
            }
            case "/maps/{key}":
                return read(MAP, p.get(0), query, HttpApi::mapJson);
            case "/maps/{key}/{field}": {
                ConsistencyRequest c = consistency(query);
                Key<AWLWWMap<String, String>> key = named(MAP, p.get(0));
                String field = p.get(1);
                if (route.method().equals("PUT")) {
                    String text = Json.canonical(onlyField(body, "value"));
                    return backend.update(key, (s, r) -> s.put(r.self(), r.clock(), field, text), c)
                            .thenApply(s -> Response.json(200, mapJson(s)));
                }
                if (body.length > 0) {
                    throw new Json.BadRequest("DELETE takes no body");
                }
                return backend.update(key, (s, r) -> s.remove(field), c).thenApply(s -> Response.json(200, mapJson(s)));
            }
            default:
                throw new IllegalStateException("unrouted " + route);
        }
    }

    private CompletableFuture<Response> counterWrite(String name, Map<String, List<String>> query, byte[] body) {
        ConsistencyRequest c = consistency(query);
        JsonNode d = onlyField(body, "delta");
        if (!d.isIntegralNumber() || !d.canConvertToLong()) {
            throw new Json.BadRequest("\"delta\" must be a whole number between -2^63+1 and 2^63-1");
        }
        long delta = d.longValue();
        if (delta == 0 || delta == Long.MIN_VALUE) {
            throw new Json.BadRequest("\"delta\" must not be 0 (nor -2^63)");
        }
        Key<PNCounter> key = named(COUNTER, name);
        return backend.update(key, (s, r) -> delta > 0 ? s.increment(r.self(), delta) : s.decrement(r.self(), -delta), c)
                .thenApply(s -> Response.json(200, counterJson(s)));
    }

    private <S extends ReplicatedData<S>> CompletableFuture<Response> read(Key<S> type, String name,
            Map<String, List<String>> query, Function<S, JsonNode> render) {
        ConsistencyRequest c = consistency(query);
        Key<S> key = named(type, name);
        return backend.read(key, c).thenApply(s -> Response.json(200, render.apply(s.orElse(key.bottom()))));
    }

    /**
     * The key {@code name} of {@code type}'s kind.
     *
     * @throws Json.BadRequest if the name is the cluster's own ({@code $...}, the member record)
     */
    private static <S extends ReplicatedData<S>> Key<S> named(Key<S> type, String name) {
        if (name.startsWith("$")) {
            throw new Json.BadRequest("key names starting with '$' are reserved for the cluster");
        }
        return Key.of(name, type.bottom(), type.codec().orElseThrow());
    }

    private static List<String> decodeNames(List<String> raw) {
        List<String> out = new ArrayList<>();
        for (String s : raw) {
            String d;
            try {
                d = QueryStringDecoder.decodeComponent(s);
            } catch (IllegalArgumentException e) {
                throw new Json.BadRequest("bad percent-encoding in the path: " + e.getMessage());
            }
            if (d.isEmpty() || d.length() > MAX_NAME) {
                throw new Json.BadRequest("key and field names have 1 to " + MAX_NAME + " characters");
            }
            for (int i = 0; i < d.length(); i++) {
                if (Character.isISOControl(d.charAt(i))) {
                    throw new Json.BadRequest("key and field names must not hold control characters");
                }
            }
            out.add(d);
        }
        return out;
    }

    /** The body's only member {@code name}: a body with any other member is refused. */
    private static JsonNode onlyField(byte[] body, String name) {
        JsonNode n = Json.parse(body);
        if (!n.isObject()) {
            throw new Json.BadRequest("the body must be a JSON object {\"" + name + "\": ...}");
        }
        JsonNode v = n.get(name);
        if (v == null) {
            throw new Json.BadRequest("the body needs \"" + name + "\"");
        }
        if (n.size() != 1) {
            throw new Json.BadRequest("the body takes only \"" + name + "\"");
        }
        return v;
    }

    private static void noQuery(Map<String, List<String>> query) {
        if (!query.isEmpty()) {
            throw new Json.BadRequest("this path takes no query parameters, got " + query.keySet());
        }
    }

    /** {@code ?consistency=&timeout_ms=}; any other parameter, or one given twice, is refused. */
    static ConsistencyRequest consistency(Map<String, List<String>> query) {
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            if (!e.getKey().equals("consistency") && !e.getKey().equals("timeout_ms")) {
                throw new Json.BadRequest("unknown query parameter '" + e.getKey() + "': use consistency, timeout_ms");
            }
            if (e.getValue().size() != 1) {
                throw new Json.BadRequest("query parameter '" + e.getKey() + "' given more than once");
            }
        }
        ConsistencyRequest.Level level = ConsistencyRequest.Level.LOCAL;
        Duration timeout = ConsistencyRequest.DEFAULT_TIMEOUT;
        try {
            if (query.containsKey("consistency")) {
                level = ConsistencyRequest.Level.parse(query.get("consistency").get(0));
            }
            if (query.containsKey("timeout_ms")) {
                String t = query.get("timeout_ms").get(0);
                if (!t.matches("[0-9]{1,9}")) {
                    throw new IllegalArgumentException("timeout_ms must be a whole number of milliseconds, got '" + t + "'");
                }
                timeout = Duration.ofMillis(Long.parseLong(t));
            }
            return new ConsistencyRequest(level, timeout);
        } catch (IllegalArgumentException e) {
            throw new Json.BadRequest(e.getMessage());
        }
    }

    static JsonNode counterJson(PNCounter c) {
        ObjectNode n = Json.NODES.objectNode();
        BigInteger v = c.bigValue();
        n.put("value", v);
        return n;
    }

    static JsonNode setJson(ORSet<String> s) {
        ObjectNode n = Json.NODES.objectNode();
        ArrayNode a = n.putArray("elements");
        new TreeSet<>(s.value()).forEach(a::add);
        return n;
    }

    static JsonNode mapJson(AWLWWMap<String, String> m) {
        ObjectNode n = Json.NODES.objectNode();
        ObjectNode entries = n.putObject("entries");
        new TreeMap<>(m.value()).forEach((k, v) -> entries.set(k, Json.parseStored(v)));
        return n;
    }

    /** A member's fields, as {@code /members} and member events show them. */
    static ObjectNode memberJson(ObjectNode n, NodeBackend.MemberInfo mi) {
        return n.put("id", mi.id()).put("name", mi.name()).put("address", mi.address()).put("status", mi.status())
                .put("reachable", mi.reachable());
    }

    /** The SSE event name of {@code event}: {@code key} or {@code member}. */
    static String eventName(NodeBackend.BackendEvent event) {
        return event instanceof NodeBackend.MemberChanged ? "member" : "key";
    }

    /**
     * The JSON of an event for {@code /events}: for a {@link NodeBackend.KeyChanged} the key, its
     * kind and its state as the matching GET shows it; for a {@link NodeBackend.MemberChanged} the
     * event's name then the member's fields.
     */
    @SuppressWarnings("unchecked")
    static JsonNode eventJson(NodeBackend.BackendEvent event) {
        ObjectNode n = Json.NODES.objectNode();
        if (event instanceof NodeBackend.MemberChanged m) {
            n.put("event", m.event());
            return memberJson(n, m.member());
        }
        if (event instanceof NodeBackend.KeyChanged k) {
            n.put("key", k.key());
            ReplicatedData<?> s = k.state();
            if (s instanceof PNCounter c) {
                n.put("type", "counter");
                n.set("state", counterJson(c));
            } else if (s instanceof ORSet<?> set) {
                n.put("type", "set");
                n.set("state", setJson((ORSet<String>) set));
            } else if (s instanceof AWLWWMap<?, ?> map) {
                n.put("type", "map");
                n.set("state", mapJson((AWLWWMap<String, String>) map));
            } else {
                n.put("type", s.getClass().getSimpleName());
            }
        }
        return n;
    }

    private static Response failure(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof Json.BadRequest b) {
            return Response.error(400, "bad_request", b.getMessage());
        }
        if (c instanceof CrdtTypeMismatchException m) {
            return Response.error(409, "type_mismatch", m.getMessage());
        }
        if (c instanceof CounterOverflowException || c instanceof ValueTooLargeException
                || c instanceof io.converge.crdt.engine.ReservedKeyException) {
            return Response.error(400, "bad_request", c.getMessage());
        }
        if (c instanceof ConsistencyUnavailableException u) {
            return Response.error(501, "consistency_unavailable", u.getMessage());
        }
        if (c instanceof ConsistencyTimeoutException x) {
            ObjectNode n = Json.NODES.objectNode();
            n.put("error", "timeout");
            n.put("message", x.getMessage());
            n.put("required", x.required());
            x.acknowledged().forEach(n.putArray("acknowledged")::add);
            x.pending().forEach(n.putArray("pending")::add);
            return Response.json(504, n);
        }
        if (c instanceof IllegalStateException) {
            return Response.error(503, "unavailable", String.valueOf(c.getMessage()));
        }
        return Response.error(500, "internal", c.getClass().getSimpleName() + ": " + c.getMessage());
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }
}
