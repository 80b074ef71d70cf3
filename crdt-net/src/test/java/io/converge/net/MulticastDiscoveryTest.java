package io.converge.net;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two child JVMs that find each other only by multicast ({@code MPING}, 239.255.0.0/16, TTL 1),
 * inside a network namespace this test creates with {@code unshare --net}: its only interface is
 * its own loopback, so no multicast ever reaches a shared interface. The namespace ends with its
 * last process. Skipped, with a message, where that cannot be done (not Linux, not root, no
 * {@code unshare} or {@code ip}).
 */
class MulticastDiscoveryTest {
    private static final long WAIT_SECONDS = 60;

    @Test
    void twoProcessesInANetworkNamespaceFindEachOtherByMulticastAndConverge() throws Exception {
        assumeNamespaces();
        String cluster = "mc-" + UUID.randomUUID();
        String secret = Base64.getEncoder().encodeToString(ClusterSecret.random().bytes());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<String> child = List.of(java, "-Xmx128m", "-cp", cp, "-Djava.net.preferIPv4Stack=true",
                "-Dconverge.net.fd=" + TestCluster.FD.toMillis(), "-Dconverge.net.merge=" + TestCluster.MERGE.toMillis(),
                MulticastChild.class.getName(), cluster, secret, "239.255.7.80", "45588");
        // One shell in a fresh network namespace: loopback up, multicast on it and routed to it,
        // then both nodes; the namespace goes away when they do.
        String script = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"
                + " && { " + quote(child, "m1", "m2") + " & " + quote(child, "m2", "m1") + " & wait; }";
        Process p = new ProcessBuilder("unshare", "--net", "sh", "-c", script).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Set<String> converged = ConcurrentHashMap.newKeySet();
        Thread drain = new Thread(() -> new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)).lines().forEach(l -> {
                    output.add(l);
                    if (l.startsWith("CONVERGED ")) {
                        converged.add(l.substring(10).trim());
                    }
                }), "namespace-output");
        drain.setDaemon(true);
        drain.start();
        long t0 = System.nanoTime();
        try {
            TestCluster.await(() -> converged.size() == 2 || !p.isAlive(), () -> "both converged");
            assertTrue(converged.equals(Set.of("m1", "m2")), () -> "children did not converge: " + converged
                    + "\n" + String.join("\n", tail(output)));
            System.out.printf("[figure] multicast: two processes in a namespace found each other and converged"
                    + " %d ms after launch (JVM start included)%n", TestCluster.since(t0));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            assertTrue(p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "namespace shell did not end");
        }
    }

    private static List<String> tail(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 60), lines.size());
    }

    private static String quote(List<String> cmd, String id, String other) {
        List<String> all = new ArrayList<>(cmd);
        all.add(id);
        all.add(other);
        StringBuilder sb = new StringBuilder();
        for (String a : all) {
            sb.append('\'').append(a.replace("'", "'\\''")).append("' ");
        }
        return sb.toString().trim();
    }

    /** Skips unless this is Linux, root, with unshare and ip, and a network namespace can be made. */
    private static void assumeNamespaces() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"),
                "multicast test needs Linux network namespaces: skipped");
        boolean ip = Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"))
                || Files.isExecutable(Path.of("/usr/bin/ip")) || Files.isExecutable(Path.of("/bin/ip"));
        Assumptions.assumeTrue(ip, "multicast test needs 'ip' (iproute2; scripts/install-test-tools.sh installs"
                + " it): skipped");
        Process probe;
        try {
            probe = new ProcessBuilder("unshare", "--net", "true").redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("multicast test needs 'unshare' (util-linux): skipped");
            return;
        }
        boolean done = probe.waitFor(10, TimeUnit.SECONDS);
        if (!done) {
            probe.destroyForcibly();
        }
        Assumptions.assumeTrue(done && probe.exitValue() == 0, "multicast test needs to create a network namespace"
                + " (root or CAP_SYS_ADMIN): 'unshare --net' failed, skipped");
    }
}
