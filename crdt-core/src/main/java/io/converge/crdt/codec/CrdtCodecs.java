package io.converge.crdt.codec;

import io.converge.crdt.AWLWWMap;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.MixedORMap;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import java.util.Objects;

/**
 * The {@link CrdtCodec}s of the built-in types. All are immutable and thread-safe; element,
 * key and value encodings come from the given {@link ValueCodec}s.
 *
 * <h2>Layouts</h2>
 * Varints are unsigned LEB128. A <em>context</em> is written as in
 * {@link CodecWriter#writeContext}; a dot of a store as (replica index, rank within the
 * context), see {@link CodecWriter#writeDotInContext}, so it costs two bytes in a delta whatever
 * its counter. Keys are sorted by their encoded bytes, so equal states give equal bytes.
 * <ul>
 *   <li>GCounter: count, then (replica index, count) in replica order. PNCounter: increments,
 *       then decrements, both so.
 *   <li>ORSet / AWLWWMap / ORMap / MixedORMap: context, then {@code entries << 2 | mode} (0 full state; 1
 *       keyed delta; 2 keyed delta with removal hints, followed by their count and keys), then
 *       per key: key bytes and its entries, each {@code index << 1 | more}, rank, and for
 *       AWLWWMap the HLC stamp ({@code millis << 1 | hasCounter} [, counter]) and the value;
 *       for ORMap the nested value's store, without context; for MixedORMap the number of
 *       types, then per type its codec's id (string) and store, in type-tag order.
 *   <li>EWFlag, DWFlag, MVRegister, CausalCounter: context, then count and per entry (replica
 *       index, rank) followed by the MVRegister value or the counter's (up, down) totals.
 *   <li>LWWRegister: 0 for bottom, else {@code writer index + 1}, stamp, value.
 * </ul>
 * <b>Keyed deltas</b> (the values mutators return, and joins of them) keep the keys they name
 * beyond their store, so that joining a decoded delta into a large state still visits only those
 * keys. A keyed delta is trusted to be keyed: its context must cover only dots of the keys it
 * names, which a receiver cannot verify (peers are authenticated and trusted, sync.md §1).
 *
 * <p><b>Size:</b> the delta of one {@code ORSet.add} of a string on replica {@code node-1} takes
 * the element's encoded bytes plus 15 to 17 bytes; one {@code AWLWWMap.put}, the key and value
 * bytes plus 21 to 24, 6 or 7 of which are the HLC stamp (dot counters below 2²¹; a longer
 * replica id adds its length). A {@link BinaryCodec} frame adds its type and checksum: one byte
 * plus the codec id, and 4 bytes of CRC32C (18 bytes for {@code ORSet<string>}, 28 for
 * {@code AWLWWMap<string,string>}). See {@code BinaryCodecTest}.
 *
 * <p><b>Counters</b> (per-replica counts and totals, dot counters) are at most
 * {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}: every codec refuses a larger one.
 */
public final class CrdtCodecs {
    private CrdtCodecs() {
    }

    /** The codec of {@link GCounter}. Id {@code GCounter}. */
    public static CrdtCodec<GCounter> gCounter() {
        return BuiltinCrdtCodecs.G_COUNTER;
    }

    /** The codec of {@link PNCounter}. Id {@code PNCounter}. */
    public static CrdtCodec<PNCounter> pnCounter() {
        return BuiltinCrdtCodecs.PN_COUNTER;
    }

    /**
     * The codec of {@link ORSet}s whose elements {@code elements} encodes. Id {@code ORSet<e>}.
     *
     * @throws NullPointerException if {@code elements} is null
     */
    public static <E> CausalCrdtCodec<ORSet<E>> orSet(ValueCodec<E> elements) {
        return new BuiltinCrdtCodecs.ORSetCodec<>(elements);
    }

    /**
     * The codec of {@link AWLWWMap}s. Id {@code AWLWWMap<k,v>}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <K, V> CausalCrdtCodec<AWLWWMap<K, V>> awlwwMap(ValueCodec<K> keys, ValueCodec<V> values) {
        return new BuiltinCrdtCodecs.AWLWWMapCodec<>(keys, values);
    }

    /**
     * The codec of {@link ORMap}s whose values {@code values} encodes (without their own
     * context: they share the map's). The maps must have been made with
     * {@code ORMap.empty(values.bottom())}'s value type. Id {@code ORMap<k,nested id>}.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code values.bottom()} is not a bottom value
     */
    public static <K, V extends CausalCrdt<V>> CausalCrdtCodec<ORMap<K, V>> orMap(ValueCodec<K> keys,
            CausalCrdtCodec<V> values) {
        return new BuiltinCrdtCodecs.ORMapCodec<>(keys, values);
    }

    /**
     * The codec of {@link MixedORMap}s whose values {@code values} encode (without their own
     * context: they share the map's), one codec per type tag: an {@code ORSet<String>} and an
     * {@code ORSet<Long>} cannot share a map's codec. Each key's values are written with their
     * codec's id as type tag, so decoding a type this codec does not know is a
     * {@link MalformedFrameException}. A nested {@code MixedORMap} uses this same codec (to any
     * depth below {@link CodecLimits#maxDepth()}) unless {@code values} has one for it. Id
     * {@code MixedORMap<k,nested ids in order>}.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a codec's bottom is not a bottom value, or two codecs
     *         encode the same type tag
     */
    public static <K> CausalCrdtCodec<MixedORMap<K>> mixedMap(ValueCodec<K> keys, CausalCrdtCodec<?>... values) {
        return new BuiltinCrdtCodecs.MixedORMapCodec<>(keys, java.util.List.of(Objects.requireNonNull(values,
                "values")));
    }

    /** The codec of {@link EWFlag}. Id {@code EWFlag}. */
    public static CausalCrdtCodec<EWFlag> ewFlag() {
        return BuiltinCrdtCodecs.EW_FLAG;
    }

    /** The codec of {@link DWFlag}. Id {@code DWFlag}. */
    public static CausalCrdtCodec<DWFlag> dwFlag() {
        return BuiltinCrdtCodecs.DW_FLAG;
    }

    /**
     * The codec of {@link MVRegister}s. Id {@code MVRegister<v>}.
     *
     * @throws NullPointerException if {@code values} is null
     */
    public static <V> CausalCrdtCodec<MVRegister<V>> mvRegister(ValueCodec<V> values) {
        return BuiltinCrdtCodecs.mvRegister(values);
    }

    /**
     * The codec of {@link LWWRegister}s. Id {@code LWWRegister<v>}.
     *
     * @throws NullPointerException if {@code values} is null
     */
    public static <V> CrdtCodec<LWWRegister<V>> lwwRegister(ValueCodec<V> values) {
        return BuiltinCrdtCodecs.lwwRegister(values);
    }

    /** The codec of {@link CausalCounter}. Id {@code CausalCounter}. */
    public static CausalCrdtCodec<CausalCounter> causalCounter() {
        return BuiltinCrdtCodecs.CAUSAL_COUNTER;
    }
}
