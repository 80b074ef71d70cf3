/**
 * Converge's sync layer: runs the protocol machine of {@code io.converge.crdt} between nodes over
 * JGroups. The public API is {@code io.converge.net} ({@link io.converge.net.JGroupsTransport},
 * {@link io.converge.net.ClusterSecret}); the stack built in code, the per-peer senders and the
 * admission handshake live in {@code io.converge.net.jgroups} and {@code io.converge.net.admission},
 * which are not exported, as is the {@code crdt-node} program ({@code io.converge.net.cli}) and
 * its HTTP API ({@code io.converge.net.http}).
 */
// JGroups 5.5 ships no module-info; its manifest names the automatic module org.jgroups. It is
// transitive because JGroupsTransport.Builder takes JGroups types (stackCustomizer, forkOf).
// Micrometer 1.17 is an automatic module too (micrometer.core, from its manifest); transitive
// because ConvergeMetrics is a MeterBinder.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.converge.net {
    requires transitive io.converge.crdt;
    requires transitive org.jgroups;
    requires transitive micrometer.core;
    requires org.slf4j;
    // DNS discovery asks DNS servers through JNDI (the JDK's DNS provider, jdk.naming.dns).
    requires java.naming;
    // The crdt-node program (io.converge.net.cli, io.converge.net.http; neither exported): Netty's
    // HTTP codec (automatic modules, like Netty's buffer in crdt-core) and picocli, which reads the
    // command classes' annotated fields reflectively.
    requires io.netty.codec.http;
    requires io.netty.codec;
    requires io.netty.handler;
    requires io.netty.transport;
    requires io.netty.common;
    requires info.picocli;
    // GET /metrics: Micrometer's Prometheus registry (automatic module, from its manifest).
    requires micrometer.registry.prometheus;
    requires java.net.http;

    opens io.converge.net.cli to info.picocli;

    exports io.converge.net;
}
