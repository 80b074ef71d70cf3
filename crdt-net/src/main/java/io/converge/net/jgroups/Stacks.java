package io.converge.net.jgroups;

import io.converge.net.admission.ClusterTls;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.jgroups.protocols.BARRIER;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.jgroups.util.DefaultSocketFactory;

/**
 * The JGroups stack of sync.md §1, built in code, bottom (transport) first:
 * {@code TCP · TCPPING · MERGE3 · FD_SOCK2 · FD_ALL3 · VERIFY_SUSPECT2 · BARRIER · NAKACK2 · UNICAST3
 * · STABLE · GMS · UFC · MFC · FRAG4}; in one JVM {@code SHARED_LOOPBACK · SHARED_LOOPBACK_PING}
 * replace the first two and {@code FD_SOCK2} is left out (it watches sockets, which a shared loopback
 * has none of; {@code FD_ALL3} still detects a silent member).
 *
 * <p>Timings, from the failure detection timeout {@code F} (default 3 s) and merge interval {@code M}
 * (default 2 s): {@code FD_ALL3} heartbeats every {@code F/5} and suspects after {@code F} to
 * {@code 1.2 F}; {@code VERIFY_SUSPECT2} confirms in {@code F/4}, so a silent member leaves the view
 * within about {@code 1.5 F} (≈ 4.5 s); a killed process is suspected by {@code FD_SOCK2} as soon
 * as its socket closes, and leaves after the {@code F/4} check. {@code MERGE3} gossips every {@code M/2..M} and checks every {@code 1.5 M}, so a healed
 * partition merges within about {@code 2.5 M} (≈ 5 s). Flow-control credits are 4 MiB, four times the
 * codec's 1 MiB frame. Diagnostics are disabled after the channel is made (see {@link JGroupsLink}).
 *
 * <p>TLS ({@link #secure}): {@code TCP}'s sockets come from a JGroups {@link DefaultSocketFactory}
 * over the node's {@link ClusterTls} context, so every connection {@code TCP} opens or accepts is
 * TLS 1.3 with a client certificate required; discovery ({@code TCPPING}) and every protocol above
 * {@code TCP} travel inside it. {@code FD_SOCK2} takes the same factory but opens NIO channels,
 * which JGroups does not wrap in TLS: its connections stay plaintext. They carry only the cluster
 * name, JGroups addresses (random UUIDs) and liveness, no data; forging them at most makes a
 * member suspected, which {@code VERIFY_SUSPECT2} checks over the TLS connections.
 */
final class Stacks {
    static final long CREDITS = 4L << 20;

    private Stacks() {
    }

    /**
     * The configured port, or for 0 a port free now on the bind address: JGroups refuses port 0
     * with static discovery, and {@code localAddress()} tells the port chosen. Another process may
     * take it before JGroups binds it (start then fails): rare, and only where port 0 was asked.
     */
    static int port(LinkConfig c) {
        if (c.bindPort() != 0) {
            return c.bindPort();
        }
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, c.bindAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("no free port on " + c.bindAddress(), e);
        }
    }

    /**
     * Makes the transport at the bottom of {@code stack} open and accept only TLS connections of
     * {@code tls}.
     *
     * @throws IllegalStateException if that transport is not JGroups' {@code TCP} (the only one
     *         with TLS), so a customised stack never runs in clear text unnoticed
     */
    static void secure(List<Protocol> stack, ClusterTls tls) {
        Protocol bottom = stack.isEmpty() ? null : stack.get(0);
        if (!(bottom instanceof TCP tcp)) {
            throw new IllegalStateException("TLS needs JGroups' TCP transport at the bottom of the stack, found "
                    + (bottom == null ? "none" : bottom.getClass().getSimpleName())
                    + "; give insecurePlaintext() to run this stack without TLS");
        }
        DefaultSocketFactory f = new DefaultSocketFactory(tls.context());
        f.setSocketConfigurator(s -> {
            if (s instanceof SSLSocket ssl) {
                ssl.setSSLParameters(tls.clientParameters());
            }
        });
        f.setServerSocketConfigurator(s -> {
            if (s instanceof SSLServerSocket ssl) {
                ssl.setSSLParameters(tls.serverParameters());
            }
        });
        tcp.setSocketFactory(f);
    }

    static List<Protocol> build(LinkConfig c) {
        long fd = c.failureDetectionTimeout().toMillis();
        long merge = c.mergeInterval().toMillis();
        List<Protocol> p = new ArrayList<>();
        if (c.inJvm()) {
            p.add(new SHARED_LOOPBACK().setBindAddress(c.bindAddress()));
            p.add(new SHARED_LOOPBACK_PING());
        } else {
            TP tcp = new TCP().setBindAddress(c.bindAddress()).setBindPort(port(c)).setPortRange(0);
            p.add(tcp);
            p.add(new TCPPING().setInitialHosts(c.seeds()).setPortRange(0));
        }
        p.add(new MERGE3().setMinInterval(Math.max(100, merge / 2)).setMaxInterval(merge)
                .setCheckInterval(merge * 3 / 2));
        if (!c.inJvm()) {
            p.add(new FD_SOCK2());
        }
        p.add(new FD_ALL3().setTimeout(fd).setInterval(Math.max(100, fd / 5)));
        p.add(new VERIFY_SUSPECT2().setTimeout(Math.max(100, fd / 4)));
        p.add(new BARRIER());
        p.add(new NAKACK2().setXmitInterval(200).useMcastXmit(false));
        p.add(new UNICAST3().setXmitInterval(200));
        p.add(new STABLE().setDesiredAverageGossip(5_000).setMaxBytes(CREDITS));
        p.add(new GMS().setJoinTimeout(Math.max(500, fd / 3)).printLocalAddress(false)
                .setViewAckCollectionTimeout(Math.max(500, fd / 3)).setMergeTimeout(Math.max(1000, merge)));
        p.add(new UFC().setMaxCredits(CREDITS).setMinThreshold(0.4));
        p.add(new MFC().setMaxCredits(CREDITS).setMinThreshold(0.4));
        p.add(new FRAG4());
        return p;
    }
}
