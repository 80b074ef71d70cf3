package io.converge.net;

import static io.converge.net.TestCluster.await;
import static io.converge.net.TestCluster.since;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.protocol.SyncConfig;
import io.converge.net.TestCluster.Node;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node with a data directory in a child JVM, over real TCP with TLS on 127.0.0.1, killed with
 * SIGKILL ({@link Process#destroyForcibly()} on Linux) and restarted on the same directory
 * (sync.md §5, test 3; crash, not leave): no update it reported as completed is lost, it comes
 * back as the same replica with a new incarnation, is admitted again and converges with the peer
 * that outlived it, including what that peer wrote while it was gone.
 */
class CrashRestartTest {
    /**
     * {@link TestCluster#SYNC} with a 1 s ack timeout: a freshly started child JVM on a loaded
     * machine often answers a transfer step later than 200 ms, and each timeout restarts the
     * transfer from its beginning.
     */
    static final SyncConfig SYNC = SyncConfig.builder().syncInterval(Duration.ofMillis(20))
            .ackTimeout(Duration.ofSeconds(1)).heartbeatInterval(Duration.ofMillis(300)).build();

    private final List<Child> children = new ArrayList<>();
    private Path temp;

    @BeforeEach
    void makeTempDir() throws IOException {
        temp = Files.createTempDirectory("converge-crash-");
    }

    @AfterEach
    void killChildrenAndDeleteTempDir() throws Exception {
        try {
            for (Child c : children) {
                c.kill();
            }
        } finally {
            try (Stream<Path> files = Files.walk(temp)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void everyUpdateReportedCompletedSurvivesSigkillAndReachesThePeerAfterTheRestart() throws Exception {
        long seed = Long.getLong("converge.test.seed", System.nanoTime());
        int killAfter = 100 + new Random(seed).nextInt(300);
        System.out.printf("[info] kill after update %d (seed %d; rerun with -Dconverge.test.seed=%d)%n", killAfter,
                seed, seed);
        try (TestCluster c = new TestCluster()) {
            Node a = c.startTcp("a", List.of(), b -> { }, r -> r.sync(SYNC));
            Path dir = temp.resolve("node");
            Child first = start(c, dir, "write");
            String[] started = first.awaitLine(l -> l.startsWith("STARTED "), "first start").split(" ");
            ReplicaId child = ReplicaId.of(started[1]);
            long firstIncarnation = Long.parseLong(started[2]);
            await(() -> a.transport().admittedPeers().contains(child), () -> "child admitted: "
                    + TestCluster.describe(c.nodes));
            // Acknowledged by the child, so joined and durable there before the kill.
            long position = a.replicator().updateTracked(TestCluster.SET, (s, r) -> s.add(r.self(), "from-a"))
                    .get(10, TimeUnit.SECONDS).position();
            a.replicator().awaitAcknowledged(position, 1, TestCluster.WAIT).get(TestCluster.WAIT.toSeconds() + 1,
                    TimeUnit.SECONDS);
            first.awaitLine(l -> l.equals("DONE w-" + killAfter), "the child's update " + killAfter);

            long killed = System.nanoTime();
            first.kill(); // SIGKILL, mid-stream: the child keeps writing until it dies
            Set<String> reported = first.reportedDone();
            assertEquals(137, first.process.exitValue(), "killed by SIGKILL (128 + 9)");
            int issued = reported.stream().mapToInt(CrashRestartTest::index).max().orElseThrow();
            assertTrue(reported.size() > killAfter, "reported " + reported.size());
            await(() -> !a.transport().admittedPeers().contains(child), () -> "the killed child out of a's view");
            // Crashed, not left: a keeps the child as a peer, unreachable (a goodbye would release it).
            await(() -> a.peer(child) != null && !a.peer(child).up(), () -> "a's engine sees the child unreachable: "
                    + a.replicator().stats().peers());
            System.out.printf("[figure] TCP+TLS: child SIGKILLed after %d reported updates, out of the peer's view"
                    + " in %d ms%n", reported.size(), since(killed));

            long restarted = System.nanoTime();
            Child second = start(c, dir, "rejoin");
            Set<String> recovered = second.recovered();
            Set<String> missing = new HashSet<>(reported);
            missing.removeAll(recovered);
            assertTrue(missing.isEmpty(), () -> "reported completed before the kill but lost: " + missing);
            // Recovery gives back a prefix of the updates, in the order they were made: no holes.
            Set<String> writes = recovered.stream().filter(e -> e.startsWith("w-")).collect(Collectors.toSet());
            int highest = writes.stream().mapToInt(CrashRestartTest::index).max().orElseThrow();
            assertEquals(highest + 1, writes.size(), () -> "a hole in the recovered updates " + writes);
            assertTrue(recovered.contains("from-a"), "what the child acknowledged to its peer was durable");

            String[] again = second.awaitLine(l -> l.startsWith("STARTED "), "restart").split(" ");
            assertEquals(child, ReplicaId.of(again[1]), "same replica id, kept by the data directory");
            long secondIncarnation = Long.parseLong(again[2]);
            assertTrue(secondIncarnation > firstIncarnation, "a new incarnation");
            await(() -> a.transport().admittedPeers().contains(child) && a.peer(child).up()
                    && a.peer(child).incarnation() == secondIncarnation, () -> "the restarted child admitted: "
                    + a.replicator().stats().peers());
            System.out.printf("[figure] TCP+TLS: restarted child (%d updates recovered, %d reported, up to w-%d"
                    + " seen) admitted again %d ms after its start%n", writes.size(), reported.size(), issued,
                    since(restarted));
            second.awaitLine(l -> l.equals("DONE after-restart"), "the restarted child writes");

            Set<String> expected = new HashSet<>(recovered);
            expected.add("after-restart");
            awaitPeerAndChildEqual(a, second, expected);
        }
    }

    @Test
    void deltasThePeerHeldForTheKilledChildReachItAfterTheRestart() throws Exception {
        try (TestCluster c = new TestCluster()) {
            Node a = c.startTcp("a", List.of(), b -> { }, r -> r.sync(SYNC));
            Path dir = temp.resolve("node");
            Child first = start(c, dir, "write");
            ReplicaId child = ReplicaId.of(first.awaitLine(l -> l.startsWith("STARTED "), "start").split(" ")[1]);
            await(() -> a.transport().admittedPeers().contains(child), () -> "child admitted");
            first.awaitLine(l -> l.equals("DONE w-50"), "the child writes");
            // Past the first transfer: the child acknowledges a's deltas one by one.
            long position = a.replicator().updateTracked(TestCluster.SET, (s, r) -> s.add(r.self(), "acked"))
                    .get(10, TimeUnit.SECONDS).position();
            a.replicator().awaitAcknowledged(position, 1, TestCluster.WAIT).get(TestCluster.WAIT.toSeconds() + 1,
                    TimeUnit.SECONDS);
            // A burst the child cannot have acknowledged all of, then the kill.
            Set<String> fromA = new HashSet<>(Set.of("acked"));
            for (int i = 0; i < 200; i++) {
                String e = "a-" + i;
                a.replicator().updateAsync(TestCluster.SET, (s, r) -> s.add(r.self(), e));
                fromA.add(e);
            }
            first.kill();
            await(() -> !a.transport().admittedPeers().contains(child), () -> "child out of a's view");
            // More while it is down: the child still counts, a keeps them for it.
            for (int i = 200; i < 300; i++) {
                String e = "a-" + i;
                a.replicator().update(TestCluster.SET, (s, r) -> s.add(r.self(), e));
                fromA.add(e);
            }
            long lag = a.replicator().stats().peers().get(child).lag();
            assertTrue(lag > 0, "a holds unacknowledged deltas for the child: lag " + lag);

            long restarted = System.nanoTime();
            Child second = start(c, dir, "rejoin");
            Set<String> recovered = second.recovered();
            assertTrue(recovered.contains("acked"), "what the child acknowledged was durable there");
            Set<String> expected = new HashSet<>(recovered);
            expected.addAll(first.reportedDone());
            expected.addAll(fromA);
            expected.add("after-restart");
            awaitPeerAndChildEqual(a, second, expected);
            System.out.printf("[figure] TCP+TLS: a's writes the killed child lacked (lag %d buffer positions; the"
                    + " child recovered %d of a's 300 burst writes itself) reached the restarted child %d ms after its"
                    + " start; a's transfers %s%n", lag, recovered.stream().filter(e -> e.startsWith("a-")).count(),
                    since(restarted), a.replicator().stats().transfers());
            assertEquals(0, a.replicator().stats().stepsFailed());
        }
    }

    /**
     * Waits until {@code a} holds exactly {@code expected} and the child printed a state with a's
     * digest (equal digests: equal stores).
     */
    private static void awaitPeerAndChildEqual(Node a, Child child, Set<String> expected) {
        await(() -> a.replicator().get(TestCluster.SET).map(ORSet::value).orElse(Set.of()).equals(expected)
                && child.lastState().map(s -> s.equals(Long.toString(a.replicator().stats().storeDigest())))
                        .orElse(false),
                () -> "a and the child converged on " + expected.size() + " elements; a holds "
                        + a.replicator().get(TestCluster.SET).map(ORSet::size).orElse(0) + ", child's last state "
                        + child.lastState() + " vs a's digest " + a.replicator().stats().storeDigest() + "\n"
                        + child.tail());
        assertEquals(0, a.replicator().stats().protocol().conflictsRefused(), "no dot reused by the restarted child");
    }

    private Child start(TestCluster c, Path dir, String mode) throws IOException {
        String seeds = c.seeds().stream().map(s -> "127.0.0.1:" + s.getPort()).collect(Collectors.joining(","));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-cp", System.getProperty("java.class.path"), DurableChildNode.class.getName(), c.name,
                Base64.getEncoder().encodeToString(c.secret.bytes()), seeds, dir.toString(), mode);
        Child child = new Child(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        children.add(child);
        return child;
    }

    private static int index(String element) {
        return Integer.parseInt(element.substring(element.indexOf('-') + 1));
    }

    /** A child JVM and the whole lines it printed (see {@link DurableChildNode}). */
    private static final class Child {
        private final Process process;
        private final List<String> lines = new ArrayList<>();
        private final ArrayDeque<String> tail = new ArrayDeque<>();
        private final Thread reader;

        Child(Process process) {
            this.process = process;
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            reader = new Thread(() -> {
                try {
                    for (String l = out.readLine(); l != null; l = out.readLine()) {
                        synchronized (lines) {
                            if (l.endsWith(" .")) {
                                lines.add(l.substring(0, l.length() - 2));
                            }
                            tail.add(l);
                            if (tail.size() > 40) {
                                tail.poll();
                            }
                        }
                    }
                } catch (IOException e) {
                    // the child died: its output ends here
                }
            }, "child-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** The first whole line matching {@code p}, waiting at most {@link TestCluster#WAIT}. */
        String awaitLine(Predicate<String> p, String what) {
            String[] found = new String[1];
            await(() -> {
                synchronized (lines) {
                    found[0] = lines.stream().filter(p).findFirst().orElse(null);
                }
                if (found[0] == null && !process.isAlive() && !reader.isAlive()) {
                    fail("the child exited (" + process.exitValue() + ") before " + what + "\n" + tail());
                }
                return found[0] != null;
            }, () -> what + "\n" + tail());
            return found[0];
        }

        /** The elements of the {@code RECOVERED} line. */
        Set<String> recovered() {
            String l = awaitLine(s -> s.startsWith("RECOVERED"), "recovery");
            String list = l.substring("RECOVERED".length()).trim();
            return list.isEmpty() ? Set.of() : new HashSet<>(Arrays.asList(list.split(",")));
        }

        /** Every element reported {@code DONE}, once the child is dead and its output read to the end. */
        Set<String> reportedDone() throws InterruptedException {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the child died");
            reader.join(TestCluster.WAIT.toMillis());
            synchronized (lines) {
                assertTrue(lines.stream().noneMatch(l -> l.startsWith("FAILED") || l.equals("STUCK")), this::tail);
                return lines.stream().filter(l -> l.startsWith("DONE ")).map(l -> l.substring(5))
                        .collect(Collectors.toSet());
            }
        }

        /** The digest of the child's latest {@code STATE} line. */
        Optional<String> lastState() {
            synchronized (lines) {
                for (int i = lines.size() - 1; i >= 0; i--) {
                    if (lines.get(i).startsWith("STATE ")) {
                        return Optional.of(lines.get(i).split(" ")[1]);
                    }
                }
            }
            return Optional.empty();
        }

        String tail() {
            synchronized (lines) {
                return "child output, last lines:\n  " + String.join("\n  ", tail);
            }
        }

        /** SIGKILL (what {@link Process#destroyForcibly()} sends on Linux), and a bounded wait for the end. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the child died");
        }
    }
}
