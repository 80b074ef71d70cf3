/**
 * The sync layer's public API (to come): nodes, their configuration, consistency levels and
 * operator events. Depends only on {@code io.converge.crdt}.
 */
package io.converge.net;
