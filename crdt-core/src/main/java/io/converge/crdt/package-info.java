/**
 * Immutable delta-state CRDTs: {@link io.converge.crdt.GCounter}, {@link io.converge.crdt.PNCounter},
 * {@link io.converge.crdt.ORSet}, {@link io.converge.crdt.EWFlag}, {@link io.converge.crdt.DWFlag},
 * {@link io.converge.crdt.MVRegister}, {@link io.converge.crdt.LWWRegister},
 * {@link io.converge.crdt.AWLWWMap}, {@link io.converge.crdt.ORMap}, {@link io.converge.crdt.MixedORMap} and
 * {@link io.converge.crdt.CausalCounter}, all on the {@link io.converge.crdt.ReplicatedData}
 * contract that user-defined types implement too.
 *
 * <p>Every mutator returns a delta; the new state is {@code state.join(delta)}. Values are
 * immutable and safe to share between threads. Depends only on {@code causal} and {@code internal}.
 */
package io.converge.crdt;
