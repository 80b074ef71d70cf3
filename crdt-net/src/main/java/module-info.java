/**
 * Converge's sync layer: runs the protocol machine of {@code io.converge.crdt} between nodes.
 * Still empty: the network layer is built once the merge engine stands (see the README).
 */
module io.converge.net {
    requires io.converge.crdt;

    exports io.converge.net;
}
