/**
 * The HTTP/JSON API of the {@code crdt-node} program, on Netty's HTTP codec. Internal: not
 * exported by the module.
 *
 * <p>{@link io.converge.net.http.HttpApi} maps requests to {@link io.converge.net.http.NodeBackend}
 * calls and JSON answers without any I/O; {@link io.converge.net.http.HttpApiServer} carries it
 * over sockets with the limits and the bearer-token check. The backend is what the node offers:
 * {@link io.converge.net.http.ReplicatorBackend} wraps one {@code Replicator}.
 */
package io.converge.net.http;
