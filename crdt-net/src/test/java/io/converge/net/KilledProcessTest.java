package io.converge.net;

import static io.converge.net.TestCluster.await;
import static io.converge.net.TestCluster.awaitConverged;
import static io.converge.net.TestCluster.since;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.net.TestCluster.Node;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A node in a child JVM on real TCP, killed with SIGKILL: its peers see it down and carry on. */
class KilledProcessTest {
    @Test
    void killedProcessIsSeenDownByItsPeersWhoKeepConverging() throws Exception {
        try (TestCluster c = new TestCluster()) {
            Node a = c.startTcp("a", List.of(), b -> { });
            Node b = c.startTcp("b", c.seeds(), t -> { });
            String seeds = c.seeds().stream().map(s -> "127.0.0.1:" + s.getPort()).collect(Collectors.joining(","));
            String secret = Base64.getEncoder().encodeToString(secretBytes(c));
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    "-Dconverge.net.fd=" + TestCluster.FD.toMillis(), "-Dconverge.net.merge=" + TestCluster.MERGE
                            .toMillis(), ChildNode.class.getName(), c.name, secret, seeds, "child"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8));
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "child-output");
                drain.setDaemon(true);
                drain.start();
                io.converge.crdt.causal.ReplicaId child = io.converge.crdt.causal.ReplicaId.of("child");
                await(() -> a.transport().admittedPeers().contains(child) && b.transport().admittedPeers()
                        .contains(child), () -> "child admitted: " + TestCluster.describe(c.nodes));
                awaitConverged(List.of(a, b), Set.of("from-child"), 0);
                long t0 = System.nanoTime();
                p.destroyForcibly(); // SIGKILL: no goodbye, no JGroups leave; its sockets close
                await(() -> !a.transport().admittedPeers().contains(child) && !b.transport().admittedPeers()
                        .contains(child), () -> "child down");
                System.out.printf("[figure] TCP: SIGKILLed process seen down by both peers in %d ms%n", since(t0));
                await(() -> !a.peer(child).up(), () -> "a's engine sees the child down");
                TestCluster.add(a, "after");
                awaitConverged(List.of(a, b), Set.of("from-child", "after"), 1);
            } finally {
                p.destroyForcibly();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            }
        }
    }

    private static byte[] secretBytes(TestCluster c) {
        return c.secret.bytes();
    }
}
