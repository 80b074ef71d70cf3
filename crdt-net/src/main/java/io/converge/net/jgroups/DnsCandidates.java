package io.converge.net.jgroups;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import org.jgroups.Address;
import org.jgroups.protocols.dns.DNSResolver;
import org.jgroups.stack.IpAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resolver under {@code DNS_PING} (sync.md §3, §6): asks one DNS server, or the system's
 * configured ones, for the A and AAAA records of a name (candidates on this node's port) or for
 * its SRV records (each target's A and AAAA records, on the record's port), through the JDK's
 * JNDI DNS client.
 *
 * <h2>Why not JGroups' own resolver</h2>
 * Its SRV targets and its A records (without a server) go through {@code InetAddress}, whose
 * JVM-wide cache keeps an answer for 30 s (and a miss for 10 s) whatever the record's TTL, so a
 * scaled-up or scaled-down cluster went unseen for that long, and a test's DNS server was
 * bypassed for SRV targets; it asks A only, never AAAA with it; and it has no bound on what an
 * answer may make a node contact. Here every query goes to the DNS server, uncached by the JVM.
 *
 * <h2>Bounds</h2>
 * At most {@link #MAX_CANDIDATES} candidates per poll: a larger answer is sampled at random (a
 * different sample each poll, so every member is reached over a few polls) and the cut is
 * counted. One poll follows at most {@code MAX_CANDIDATES} SRV records, for at most 5 s. Each
 * query (one per record type: A and AAAA are asked apart, never as an ANY query, which many
 * servers answer minimally, RFC 8482) waits 500 ms for the server, then 1 s; a failing poll yields
 * no candidates and is counted, its first failure in a row logged at WARN. Answers are reused for {@code pollInterval}: JGroups
 * asks at every join attempt and every {@code MERGE3} round, the DNS server sees at most one
 * query per interval.
 *
 * <p>Thread-safe (queries are serialized: a JNDI context is not); a poll blocks the calling
 * JGroups thread for at most about 3 s (A and AAAA), or about 10 s (SRV, then its targets).
 */
public final class DnsCandidates implements DNSResolver {
    /** The most candidates one poll yields (sync.md §6). */
    public static final int MAX_CANDIDATES = 256;
    /** How long one poll may spend following SRV targets. */
    static final long POLL_BUDGET_NANOS = 5_000_000_000L;
    private static final Logger LOG = LoggerFactory.getLogger(DnsCandidates.class);
    private static final String[] ADDRESS_TYPES = {"A", "AAAA"};
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final Optional<InetSocketAddress> server;
    private final long pollNanos;
    private final LongSupplier nanoTime;
    private final RandomGenerator random;
    private final AtomicLong queries = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong truncated = new AtomicLong();
    private DirContext context;
    private String lastKey;
    private List<Address> lastAnswer = List.of();
    private long lastAt;
    private boolean failing;

    /**
     * @param server the DNS server to ask; empty for the system's configured servers
     * @param pollInterval how long an answer is reused
     */
    public DnsCandidates(Optional<InetSocketAddress> server, Duration pollInterval, LongSupplier nanoTime,
            RandomGenerator random) {
        this.server = server;
        this.pollNanos = pollInterval.toNanos();
        this.nanoTime = nanoTime;
        this.random = random;
    }

    /** The JNDI URL of {@code server}: {@code dns://host:port} (IPv6 in brackets), or {@code dns:} for the system's. */
    static String url(Optional<InetSocketAddress> server) {
        if (server.isEmpty()) {
            return "dns:";
        }
        InetAddress a = server.get().getAddress();
        String host = a.getHostAddress();
        return "dns://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + server.get().getPort();
    }

    /**
     * The candidates for {@code name}: {@code A} means A and AAAA records (port 0: {@code DNS_PING}
     * puts this node's port), {@code AAAA} AAAA only, {@code SRV} SRV records. Never throws.
     */
    @Override
    public synchronized List<Address> resolveIps(String name, DNSRecordType type) {
        String key = type + " " + name;
        long now = nanoTime.getAsLong();
        if (key.equals(lastKey) && now - lastAt < pollNanos) {
            return lastAnswer;
        }
        queries.incrementAndGet();
        List<Address> answer;
        try {
            answer = query(name, type);
            if (failing) {
                LOG.info("DNS discovery: {} answers again ({} candidates)", key, answer.size());
                failing = false;
            }
        } catch (NamingException | RuntimeException e) {
            failures.incrementAndGet();
            if (!failing) {
                LOG.warn("DNS discovery: cannot resolve {} at {}: {} (no candidates this poll; logged once until it"
                        + " answers again)", key, url(server), e.toString());
                failing = true;
            }
            closeContext(); // a fresh context at the next poll
            answer = List.of();
        }
        lastKey = key;
        lastAt = now;
        lastAnswer = answer;
        return answer;
    }

    private List<Address> query(String name, DNSRecordType type) throws NamingException {
        Set<IpAddress> out = new LinkedHashSet<>();
        boolean cut = false;
        if (type == DNSRecordType.SRV) {
            List<String> records = new ArrayList<>();
            for (String[] r : values(name, new String[] {"SRV"})) {
                records.add(r[1]);
            }
            if (records.size() > MAX_CANDIDATES) {
                records = sample(records);
                cut = true;
            }
            long deadline = nanoTime.getAsLong() + POLL_BUDGET_NANOS;
            for (String srv : records) {
                if (nanoTime.getAsLong() - deadline > 0) {
                    LOG.warn("DNS discovery: SRV {} took over {} s; following the other targets next poll", name,
                            POLL_BUDGET_NANOS / 1_000_000_000L);
                    break;
                }
                // "priority weight port target."
                String[] f = srv.trim().split("\\s+");
                if (f.length != 4) {
                    continue;
                }
                int port;
                try {
                    port = Integer.parseInt(f[2]);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (port < 1 || port > 65535) {
                    continue;
                }
                for (InetAddress a : addresses(f[3], ADDRESS_TYPES)) {
                    out.add(new IpAddress(a, port));
                }
            }
        } else {
            String[] types = type == DNSRecordType.AAAA ? new String[] {"AAAA"} : ADDRESS_TYPES;
            for (InetAddress a : addresses(name, types)) {
                out.add(new IpAddress(a, 0));
            }
        }
        List<Address> list = new ArrayList<>(out);
        if (list.size() > MAX_CANDIDATES) {
            list = sample(list);
            cut = true;
        }
        if (cut) {
            long n = truncated.incrementAndGet();
            if (n == 1 || n % 100 == 0) {
                LOG.warn("DNS discovery: {} {} gave more than {} candidates; took a random {} ({} polls cut so far)",
                        type, name, MAX_CANDIDATES, MAX_CANDIDATES, n);
            }
        }
        return List.copyOf(list);
    }

    /** A uniform random {@link #MAX_CANDIDATES} of {@code all} (a partial Fisher-Yates shuffle). */
    private <T> List<T> sample(List<T> all) {
        List<T> l = new ArrayList<>(all);
        for (int i = 0; i < MAX_CANDIDATES; i++) {
            Collections.swap(l, i, i + random.nextInt(l.size() - i));
        }
        return new ArrayList<>(l.subList(0, MAX_CANDIDATES));
    }

    private List<InetAddress> addresses(String name, String[] types) throws NamingException {
        List<InetAddress> out = new ArrayList<>();
        List<String[]> records = new ArrayList<>();
        for (String t : types) {
            // One query per type: JNDI asks several types at once as an ANY query, which many
            // servers answer minimally (RFC 8482).
            records.addAll(values(name, new String[] {t}));
        }
        for (String[] record : records) {
            String literal = record[1].trim();
            boolean ok = record[0].equals("A") ? IPV4.matcher(literal).matches() : IPV6.matcher(literal).matches();
            if (!ok) {
                continue; // only literals: InetAddress must never be sent looking a name up
            }
            try {
                out.add(InetAddress.getByName(literal));
            } catch (UnknownHostException e) {
                // a malformed literal: skipped
            }
        }
        return out;
    }

    /** The (type, value) of each record of {@code types} of {@code name}; none if the name has none. */
    private List<String[]> values(String name, String[] types) throws NamingException {
        Attributes attrs;
        try {
            attrs = context().getAttributes(name, types);
        } catch (NameNotFoundException e) {
            return new ArrayList<>(); // NXDOMAIN: an empty answer, not a failure
        }
        List<String[]> out = new ArrayList<>();
        for (String t : types) {
            Attribute a = attrs.get(t);
            if (a == null) {
                continue;
            }
            NamingEnumeration<?> e = a.getAll();
            while (e.hasMore()) {
                out.add(new String[] {t, String.valueOf(e.next())});
            }
        }
        return out;
    }

    private DirContext context() throws NamingException {
        if (context == null) {
            Hashtable<String, Object> env = new Hashtable<>();
            env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
            env.put(Context.PROVIDER_URL, url(server));
            env.put("com.sun.jndi.dns.timeout.initial", "500");
            env.put("com.sun.jndi.dns.timeout.retries", "2");
            context = new InitialDirContext(env);
        }
        return context;
    }

    private void closeContext() {
        if (context != null) {
            try {
                context.close();
            } catch (NamingException e) {
                // nothing held worth reporting
            }
            context = null;
        }
    }

    /** DNS queries sent (answers reused within the poll interval are not queries). */
    public long queries() {
        return queries.get();
    }

    /** Queries that failed (no server, timeout, bad answer); an NXDOMAIN is an empty answer, not a failure. */
    public long failures() {
        return failures.get();
    }

    /** Polls whose answer was cut to {@link #MAX_CANDIDATES}. */
    public long truncated() {
        return truncated.get();
    }

    @Override
    public synchronized void close() {
        closeContext();
    }
}
