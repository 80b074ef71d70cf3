/**
 * Converge's CRDT core: immutable delta-state CRDTs ({@code io.converge.crdt}), their causal
 * building blocks ({@code io.converge.crdt.causal}) and a jqwik testkit for property-based
 * convergence tests ({@code io.converge.crdt.testing}, which needs jqwik on the user's test path).
 *
 * <p>{@code io.converge.crdt.internal} holds the data structures behind the types and is not
 * exported.
 */
module io.converge.crdt {
    requires static net.jqwik.api;
    requires transitive io.netty.buffer;
    requires transitive com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports io.converge.crdt;
    exports io.converge.crdt.causal;
    exports io.converge.crdt.engine;
    exports io.converge.crdt.engine.spi;
    exports io.converge.crdt.protocol;
    exports io.converge.crdt.codec;
    exports io.converge.crdt.testing;
    exports io.converge.crdt.store;
}
