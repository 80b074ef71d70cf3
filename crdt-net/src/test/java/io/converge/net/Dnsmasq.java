package io.converge.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.naming.Context;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import org.junit.jupiter.api.Assumptions;

/**
 * A real DNS server for tests: Debian's {@code dnsmasq} in the foreground on a free port of
 * 127.0.0.1, answering only from a hosts file and SRV options in a temporary directory (no
 * upstream, no /etc/hosts, no system configuration), so it never touches port 53 or resolv.conf.
 * {@link #hosts} rewrites the hosts file and reloads it with SIGHUP; {@link #srv} restarts the
 * server on the same port with new SRV records. Every wait is bounded.
 */
public final class Dnsmasq implements AutoCloseable {
    private static final long READY_MILLIS = 10_000;
    private final Path dir;
    private final Path binary;
    private final Path hostsFile;
    private final int port;
    private List<String> srvOptions = List.of();
    private Process process;

    private Dnsmasq(Path binary, Path dir, int port) {
        this.binary = binary;
        this.dir = dir;
        this.hostsFile = dir.resolve("hosts");
        this.port = port;
    }

    /** The dnsmasq binary, if installed (scripts/install-test-tools.sh installs it). */
    public static Optional<Path> binary() {
        for (String p : List.of("/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(p))) {
                return Optional.of(Path.of(p));
            }
        }
        return Optional.empty();
    }

    /** Starts a server with no records in {@code dir}; skips the calling test if dnsmasq is absent. */
    public static Dnsmasq start(Path dir) throws IOException, InterruptedException {
        Optional<Path> bin = binary();
        Assumptions.assumeTrue(bin.isPresent(), "dnsmasq is not installed and could not be (run"
                + " scripts/install-test-tools.sh as root, or install Debian's dnsmasq-base): DNS discovery tests skipped");
        Dnsmasq d = new Dnsmasq(bin.get(), dir, freeUdpAndTcpPort());
        Files.writeString(d.hostsFile, "");
        d.launch();
        return d;
    }

    /** Where the server listens. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /**
     * Replaces the hosts file ({@code "address name"} lines) and reloads it; returns once
     * {@code probe} resolves to exactly the addresses of its lines.
     */
    public void hosts(List<String> lines, String probe) throws IOException, InterruptedException {
        Path tmp = dir.resolve("hosts.tmp");
        Files.writeString(tmp, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, hostsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Set<String> expected = new TreeSet<>();
        for (String l : lines) {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 2 && f[1].equals(probe)) {
                expected.add(InetAddress.getByName(f[0]).getHostAddress());
            }
        }
        new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start().waitFor(5,
                TimeUnit.SECONDS);
        awaitAnswer(probe, new String[] {"A", "AAAA"}, expected);
    }

    /**
     * Restarts the server on the same port with these SRV records, each {@code name,target,port};
     * returns once it answers {@code name}'s SRV query.
     */
    public void srv(List<String> records, String name) throws IOException, InterruptedException {
        stop();
        srvOptions = new ArrayList<>(records);
        launch();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MILLIS);
        while (query(name, new String[] {"SRV"}).size() != records.stream().filter(r -> r.startsWith(name + ","))
                .count()) {
            check(deadline, "SRV " + name);
        }
    }

    private void launch() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--no-daemon", "--conf-file=/dev/null",
                "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                "--log-facility=-", "--pid-file=" + dir.resolve("dnsmasq.pid"), "--user=root",
                "--addn-hosts=" + hostsFile, "--host-record=ready.dnsmasq.test,127.0.0.1",
                // Authoritative for .test: an unknown name is NXDOMAIN, as from a real zone.
                "--local=/test/"));
        for (String s : srvOptions) {
            cmd.add("--srv-host=" + s);
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dnsmasq.log").toFile())).start();
        awaitAnswer("ready.dnsmasq.test", new String[] {"A"}, Set.of("127.0.0.1"));
    }

    private void awaitAnswer(String name, String[] types, Set<String> expected)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MILLIS);
        while (true) {
            Set<String> got = new TreeSet<>();
            for (String v : query(name, types)) {
                got.add(InetAddress.getByName(v).getHostAddress());
            }
            if (got.equals(expected)) {
                return;
            }
            check(deadline, name + " = " + expected + ", got " + got);
        }
    }

    private void check(long deadline, String what) throws IOException, InterruptedException {
        if (!process.isAlive() || System.nanoTime() > deadline) {
            throw new IllegalStateException("dnsmasq did not answer " + what + " within " + READY_MILLIS
                    + " ms (alive=" + process.isAlive() + "); its log:\n" + Files.readString(dir.resolve("dnsmasq.log")));
        }
        Thread.sleep(20);
    }

    /** The record values of {@code name}, straight from this server; none on any error. */
    List<String> query(String name, String[] types) {
        Hashtable<String, Object> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        env.put(Context.PROVIDER_URL, "dns://127.0.0.1:" + port);
        env.put("com.sun.jndi.dns.timeout.initial", "200");
        env.put("com.sun.jndi.dns.timeout.retries", "1");
        List<String> out = new ArrayList<>();
        try {
            DirContext ctx = new InitialDirContext(env);
            try {
                var attrs = ctx.getAttributes(name, types);
                for (String t : types) {
                    Attribute a = attrs.get(t);
                    if (a != null) {
                        NamingEnumeration<?> e = a.getAll();
                        while (e.hasMore()) {
                            out.add(String.valueOf(e.next()));
                        }
                    }
                }
            } finally {
                ctx.close();
            }
        } catch (NamingException e) {
            return List.of();
        }
        return out;
    }

    private void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A port free now for both UDP and TCP on 127.0.0.1. */
    static int freeUdpAndTcpPort() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int i = 0; i < 50; i++) {
            try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(lo, 0))) {
                int p = u.getLocalPort();
                try {
                    new ServerSocket(p, 1, lo).close();
                    return p;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no port free for both UDP and TCP");
    }
}
