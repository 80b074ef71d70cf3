/**
 * Converge's sync layer: runs the protocol machine of {@code io.converge.crdt} between nodes.
 * For now it holds only the {@code crdt-node} program (package {@code io.converge.net.cli}, not
 * exported); the public API ({@code io.converge.net}) arrives with the network layer.
 */
module io.converge.net {
    requires io.converge.crdt;
}
