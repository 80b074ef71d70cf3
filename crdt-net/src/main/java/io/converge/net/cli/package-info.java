/**
 * The {@code crdt-node} command line. Internal: not exported by the module.
 */
package io.converge.net.cli;
