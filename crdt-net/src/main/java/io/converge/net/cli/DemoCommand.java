package io.converge.net.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code crdt-node demo}: a three-node cluster of real {@code crdt-node run} processes on loopback,
 * linked over TCP with TLS (certificates derived from a secret generated for the run), driven only
 * through their HTTP APIs, as an operator or another program would.
 *
 * <p>The story: the nodes form a cluster; each writes a counter, a set and a map; one node is cut
 * off by a symmetric partition ({@code POST /admin/partition} on both sides, which is why the
 * children run with {@code --fault-injection}); both sides keep writing, including one map field
 * put differently on each side and one set element removed on one side while re-added on the
 * other; the demo prints the diverged values per node, heals, and polls until all three report the
 * same values, printing how long that took after the heal.
 *
 * <p>The seed drives the story (which node is cut off, the values written, which side writes the
 * contested field last), not the timings. Every wait is bounded; the children are always stopped
 * (SIGTERM, then SIGKILL after {@link #STOP_GRACE}), also on Ctrl-C through a shutdown hook. Their
 * logs stay in the work directory, whose paths the demo prints. Exit status 0 when the cluster
 * converged, 1 otherwise (a child that never became ready, no convergence within
 * {@link #CONVERGE_WITHIN}).
 *
 * <p>Not thread-safe: one run per instance.
 */
final class DemoCommand {
    private static final String[] NAMES = {"lisbon", "osaka", "quito"};
    private static final String[] FRUITS = {"apples", "pears", "figs", "plums", "limes", "kiwis"};
    /** JVM start, JGroups and the HTTP server on a loaded two-core machine. */
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    private static final Duration CLUSTER_WITHIN = Duration.ofSeconds(30);
    /** The failure detector's timeout is 3 s by default; this leaves room for a busy machine. */
    private static final Duration UNREACHABLE_WITHIN = Duration.ofSeconds(20);
    private static final Duration CONVERGE_WITHIN = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(25);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final long seed;
    private final Optional<Path> workDir;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Child> children = new ArrayList<>();
    /** Set by the shutdown hook (Ctrl-C, SIGTERM): failures from then on are the stop's doing. */
    private volatile boolean signalled;

    /** The {@code demo} command line. */
    @Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Starts three 'crdt-node run' processes on loopback (TCP with TLS), writes to all three"
                + " over HTTP, cuts one off, shows the sides diverge, heals and times the convergence.",
                "Exit 0 when the cluster converged, 1 otherwise; the nodes are always stopped."})
    static final class Cli implements Callable<Integer> {
        @ParentCommand
        CrdtNode root;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
                description = "Drives the story: which node is cut off, the values written, which side writes the"
                    + " contested field last (default ${DEFAULT-VALUE}). Timings vary from run to run.")
        long seed;

        @Option(names = "--work-dir", paramLabel = "DIR",
                description = "Where the secret and the nodes' logs go (created if absent; default: a new temporary directory).")
        Optional<Path> workDir;

        @Override
        public Integer call() {
            try {
                return new DemoCommand(root.out, seed, workDir).run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                root.err.println("crdt-node: interrupted");
                return 130;
            } catch (IOException e) {
                root.err.println("crdt-node: demo: " + e.getMessage());
                return 1;
            }
        }
    }

    DemoCommand(PrintStream out, long seed, Optional<Path> workDir) {
        this.out = Objects.requireNonNull(out, "out");
        this.seed = seed;
        this.workDir = Objects.requireNonNull(workDir, "workDir");
    }

    /**
     * What the seed decides: the index of the node cut off, each node's first counter increment
     * and cart entry, the two values of the contested field (the majority side's and the cut
     * node's), which side writes it last, and each side's increment during the partition.
     */
    record Plan(int cutIndex, List<Integer> deltas, List<String> fruits, String majorityValue, String minorityValue,
            boolean cutWritesLast, int majorityDelta, int minorityDelta) {
        static Plan of(long seed) {
            Random rnd = new Random(seed);
            int cut = rnd.nextInt(NAMES.length);
            List<Integer> deltas = new ArrayList<>();
            List<String> fruits = new ArrayList<>();
            for (int i = 0; i < NAMES.length; i++) {
                deltas.add(1 + rnd.nextInt(9));
                fruits.add((2 + rnd.nextInt(8)) + " " + FRUITS[rnd.nextInt(FRUITS.length)]);
            }
            String majority = (10 + rnd.nextInt(90)) + " " + FRUITS[rnd.nextInt(FRUITS.length)];
            String minority;
            do { // the two sides must really disagree
                minority = (10 + rnd.nextInt(90)) + " " + FRUITS[rnd.nextInt(FRUITS.length)];
            } while (minority.equals(majority));
            return new Plan(cut, List.copyOf(deltas), List.copyOf(fruits), majority, minority, rnd.nextBoolean(),
                    1 + rnd.nextInt(9), 1 + rnd.nextInt(9));
        }
    }

    /** One {@code crdt-node run} child process. */
    private record Child(String name, Process process, Path log, String http, String bind) {
        String url(String path) {
            return "http://" + http + path;
        }
    }

    /** What one node reports for the demo's three keys; equal reports mean equal values. */
    private record View(JsonNode visits, JsonNode tags, JsonNode cart) {
        @Override
        public String toString() {
            return "visits=" + visits.path("value") + "  tags=" + tags.path("elements") + "  cart=" + cart.path("entries");
        }
    }

    /** A failure of the demo's own steps (a child not ready, a write refused): exit 1. */
    private static final class DemoFailed extends Exception {
        private static final long serialVersionUID = 1L;

        DemoFailed(String message) {
            super(message, null, false, false);
        }
    }

    int run() throws InterruptedException, IOException {
        Path dir = workDir.isPresent() ? Files.createDirectories(workDir.get())
                : Files.createTempDirectory("crdt-node-demo-");
        Thread hook = new Thread(() -> {
            signalled = true;
            stopChildren();
        }, "crdt-node-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C: never leave nodes behind
        try {
            return story(dir);
        } catch (DemoFailed e) {
            out.println();
            if (signalled) { // the nodes went away because we are stopping them
                out.println("Stopped by a signal.");
                return 130;
            }
            out.println("FAILED: " + e.getMessage());
            out.println("The nodes' logs are in " + dir);
            return 1;
        } finally {
            if (!children.isEmpty()) {
                out.println();
                out.print("Stopping the nodes (SIGTERM, they leave gracefully)... ");
                out.flush();
                stopChildren();
                out.println(children.stream().noneMatch(c -> c.process.isAlive()) ? "all stopped." : "SOME SURVIVED.");
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) anyway; stopping twice is harmless
            }
        }
    }

    private int story(Path dir) throws InterruptedException, IOException, DemoFailed {
        Plan plan = Plan.of(seed);
        int cutIndex = plan.cutIndex();

        // --- the cluster: three processes, TLS from a fresh secret, free loopback ports
        Path secret = dir.resolve("cluster.secret");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key); // the secret is a secret: never from the seed
        Files.writeString(secret, Base64.getEncoder().encodeToString(key), StandardCharsets.US_ASCII);
        int[] ports = freePorts(2 * NAMES.length);
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            seeds.add("127.0.0.1:" + ports[i]);
        }
        out.printf("Converge demo (seed %d): three crdt-node processes on loopback, TCP with TLS.%n", seed);
        out.println("Secret and logs in " + dir);
        out.println();
        long startedAt = System.nanoTime();
        for (int i = 0; i < NAMES.length; i++) {
            start(dir, NAMES[i], seeds.get(i), "127.0.0.1:" + ports[NAMES.length + i], String.join(",", seeds),
                    secret);
        }
        for (Child c : children) {
            out.printf("  started %-7s pid %-7d peers %s  HTTP %s  log %s%n", c.name, c.process.pid(), c.bind, c.http,
                    c.log);
        }
        for (Child c : children) {
            awaitOrFail(READY_WITHIN, () -> healthy(c), c.name + " did not answer /health within " + READY_WITHIN
                    + " (alive: " + c.process.isAlive() + "); its log: " + c.log);
        }
        awaitOrFail(CLUSTER_WITHIN, () -> children.stream().allMatch(c -> seesAll(c, true)),
                "the three nodes did not see each other up within " + CLUSTER_WITHIN);
        out.printf("All three are up and see each other (%.1f s after the start).%n", seconds(startedAt));

        Child cut = children.get(cutIndex);
        Child a = children.get((cutIndex + 1) % 3);
        Child b = children.get((cutIndex + 2) % 3);

        // --- writes on every node, replicated
        out.println();
        out.println("Each node takes writes over HTTP: a counter (PNCounter), a set (ORSet) and a map (AWLWWMap).");
        String[] tags = {"red", "green", "blue"};
        String[] people = {"alice", "bob", "carol"};
        long total = 0;
        for (int i = 0; i < 3; i++) {
            Child c = children.get(i);
            int delta = plan.deltas().get(i);
            total += delta;
            String fruit = plan.fruits().get(i);
            write(c, "POST", "/counters/visits", field("delta", delta), "visits += " + delta);
            write(c, "POST", "/sets/tags/add", field("element", tags[i]), "tags add " + tags[i]);
            write(c, "PUT", "/maps/cart/" + people[i], field("value", fruit), "cart." + people[i] + " = \"" + fruit + "\"");
        }
        long t = System.nanoTime();
        final long firstTotal = total;
        awaitOrFail(CONVERGE_WITHIN, () -> converged(firstTotal), "the first writes did not replicate within "
                + CONVERGE_WITHIN);
        out.printf("Replicated to all three in %d ms:%n", millis(t));
        printViews();

        // --- the partition: both sides drop each other
        out.println();
        out.printf("Partition: %s is cut off from %s and %s (POST /admin/partition on both sides).%n", cut.name, a.name,
                b.name);
        t = System.nanoTime();
        partition(cut, List.of(a.name, b.name));
        partition(a, List.of(cut.name));
        partition(b, List.of(cut.name));
        awaitOrFail(UNREACHABLE_WITHIN, () -> !reaches(a, cut.name) && !reaches(b, cut.name) && !reaches(cut, a.name)
                && !reaches(cut, b.name), "the sides did not find each other unreachable within " + UNREACHABLE_WITHIN);
        out.printf("  both sides find the other unreachable after %d ms; both keep taking writes:%n", millis(t));

        // One field of one map, put on both sides: the seed says which side writes last.
        String contested = people[0];
        String majorityValue = plan.majorityValue();
        String minorityValue = plan.minorityValue();
        boolean cutWritesLast = plan.cutWritesLast();
        int deltaA = plan.majorityDelta();
        int deltaCut = plan.minorityDelta();
        total += deltaA + deltaCut;
        String dropped = people[1];
        write(a, "POST", "/counters/visits", field("delta", deltaA), "visits += " + deltaA);
        write(cut, "POST", "/counters/visits", field("delta", deltaCut), "visits += " + deltaCut);
        write(b, "POST", "/sets/tags/remove", field("element", tags[cutIndex]), "tags remove " + tags[cutIndex]);
        write(cut, "POST", "/sets/tags/add", field("element", tags[cutIndex]), "tags add " + tags[cutIndex]
                + "   (concurrent with the remove)");
        write(b, "DELETE", "/maps/cart/" + dropped, null, "cart." + dropped + " deleted");
        Child first = cutWritesLast ? a : cut;
        Child last = cutWritesLast ? cut : a;
        String firstValue = cutWritesLast ? majorityValue : minorityValue;
        String lastValue = cutWritesLast ? minorityValue : majorityValue;
        write(first, "PUT", "/maps/cart/" + contested, field("value", firstValue),
                "cart." + contested + " = \"" + firstValue + "\"");
        Thread.sleep(20); // a later wall clock, so "later" in the story is later by the hybrid logical clock too
        write(last, "PUT", "/maps/cart/" + contested, field("value", lastValue),
                "cart." + contested + " = \"" + lastValue + "\"   (the same field, on the other side)");
        awaitOrFail(CONVERGE_WITHIN, () -> view(a).equals(view(b)),
                a.name + " and " + b.name + " did not agree within " + CONVERGE_WITHIN);
        out.println();
        out.println("Diverged: each side holds its own writes only.");
        printViews();
        if (view(a).equals(view(cut))) {
            throw new DemoFailed("the sides did not diverge: the partition let writes through");
        }

        // --- heal and time the convergence
        out.println();
        out.println("Heal: every node's drop list is emptied.");
        long healedAt = System.nanoTime();
        for (Child c : children) {
            partition(c, List.of());
        }
        final long expected = total;
        boolean converged = await(CONVERGE_WITHIN, () -> converged(expected));
        long healMillis = millis(healedAt);
        if (!converged) {
            printViews();
            out.println();
            out.printf("NOT CONVERGED within %d s of the heal; logs in %s%n", CONVERGE_WITHIN.toSeconds(), dir);
            return 1;
        }
        out.printf("Converged %d ms after the heal: all three nodes report the same values.%n", healMillis);
        printViews();
        View end = view(a);
        out.println();
        out.println("How the concurrent writes resolved:");
        String won = end.cart.path("entries").path(contested).asText("");
        String winner = won.equals(lastValue) ? last.name + "'s, the later"
                : won.equals(firstValue) ? first.name + "'s, the earlier" : "neither";
        out.printf("  cart.%s: put to \"%s\" on %s and \"%s\" on %s -> \"%s\" (%s write).%n", contested, firstValue,
                first.name, lastValue, last.name, won, winner);
        out.println("    AWLWWMap: per field, last writer wins by hybrid logical clock; a put wins over a concurrent delete.");
        boolean kept = end.tags.path("elements").toString().contains("\"" + tags[cutIndex] + "\"");
        out.printf("  tags: %s removed on %s, re-added on %s -> %s.%n", tags[cutIndex], b.name, cut.name,
                kept ? "kept" : "gone");
        out.println("    ORSet: a remove takes away only the adds it has seen, so a concurrent add wins.");
        out.printf("  visits: %d -> every increment of both sides counts (PNCounter).%n", expected);
        return 0;
    }

    /** Starts one child (registered at once, so it is stopped whatever happens next). */
    private Child start(Path dir, String name, String bind, String http, String seeds, Path secret)
            throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // C1 only and the serial collector: three JVMs start faster on a small machine, and a demo
        // node needs neither peak throughput nor a parallel collector.
        List<String> cmd = List.of(java, "-Djava.net.preferIPv4Stack=true", "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), CrdtNode.class.getName(),
                "run", "--name", name, "--bind", bind, "--http", http, "--seeds", seeds,
                "--secret-file", secret.toString(), "--fault-injection");
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        Child c = new Child(name, pb.start(), log, http, bind);
        synchronized (children) {
            children.add(c);
        }
        return c;
    }

    /** SIGTERM to every child (they leave gracefully), SIGKILL to any still alive after the grace. */
    private void stopChildren() {
        List<Child> all;
        synchronized (children) {
            all = List.copyOf(children);
        }
        all.forEach(c -> c.process.destroy());
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (Child c : all) {
            try {
                if (!c.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    c.process.destroyForcibly();
                    c.process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                c.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code n} distinct loopback ports, free now (all held open together so none repeats). */
    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static String field(String name, Object value) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set(name, JSON.valueToTree(value));
        return o.toString();
    }

    private void write(Child c, String method, String path, String body, String what)
            throws InterruptedException, DemoFailed {
        Optional<HttpResponse<String>> r = send(c, method, path, body);
        if (r.isEmpty() || r.get().statusCode() != 200) {
            throw new DemoFailed(c.name + ": " + method + " " + path + " answered "
                    + r.map(x -> x.statusCode() + " " + x.body()).orElse("nothing") + "; its log: " + c.log);
        }
        out.printf("  %-7s %s%n", c.name, what);
    }

    private void partition(Child c, List<String> drop) throws InterruptedException, DemoFailed {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("drop", JSON.valueToTree(drop));
        Optional<HttpResponse<String>> r = send(c, "POST", "/admin/partition", body.toString());
        if (r.isEmpty() || r.get().statusCode() != 200) {
            throw new DemoFailed(c.name + ": /admin/partition answered "
                    + r.map(x -> x.statusCode() + " " + x.body()).orElse("nothing"));
        }
    }

    /** One bounded request; empty if the node did not answer (not up yet, or gone). */
    private Optional<HttpResponse<String>> send(Child c, String method, String path, String body)
            throws InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(c.url(path))).timeout(Duration.ofSeconds(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        try {
            return Optional.of(client.send(req, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A GET's JSON, or a missing node if the node did not answer 200 (never equal to a real answer). */
    private JsonNode getJson(Child c, String path) {
        try {
            Optional<HttpResponse<String>> r = send(c, "GET", path, null);
            if (r.isPresent() && r.get().statusCode() == 200) {
                return JSON.readTree(r.get().body());
            }
        } catch (IOException e) {
            // not JSON: treated as no answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return JsonNodeFactory.instance.missingNode();
    }

    private boolean healthy(Child c) {
        return c.process.isAlive() && getJson(c, "/health").path("status").asText("").equals("up");
    }

    /** Whether {@code c} lists every node as up and, if {@code reachable}, reaches them. */
    private boolean seesAll(Child c, boolean reachable) {
        JsonNode members = getJson(c, "/members").path("members");
        int ok = 0;
        for (JsonNode m : members) {
            if (m.path("status").asText("").equals("up") && m.path("reachable").asBoolean() == reachable) {
                ok++;
            }
        }
        return ok == NAMES.length;
    }

    private boolean reaches(Child c, String other) {
        for (JsonNode m : getJson(c, "/members").path("members")) {
            if (m.path("name").asText("").equals(other)) {
                return m.path("reachable").asBoolean();
            }
        }
        return false;
    }

    private View view(Child c) {
        return new View(getJson(c, "/counters/visits"), getJson(c, "/sets/tags"), getJson(c, "/maps/cart"));
    }

    /** All three report the same values, and the counter holds every increment written so far. */
    private boolean converged(long expectedVisits) {
        View first = view(children.get(0));
        if (first.visits.path("value").asLong(-1) != expectedVisits) {
            return false;
        }
        for (Child c : children.subList(1, children.size())) {
            if (!view(c).equals(first)) {
                return false;
            }
        }
        return true;
    }

    private void printViews() {
        for (Child c : children) {
            out.printf("  %-7s %s%n", c.name, view(c));
        }
    }

    private static boolean await(Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline || Thread.currentThread().isInterrupted()) {
                return false;
            }
            Thread.sleep(POLL.toMillis());
        }
        return true;
    }

    private static void awaitOrFail(Duration within, BooleanSupplier condition, String failure)
            throws InterruptedException, DemoFailed {
        if (!await(within, condition)) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            throw new DemoFailed(failure);
        }
    }

    private static long millis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
