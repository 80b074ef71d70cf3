/**
 * Codecs: Converge's binary wire format ({@link io.converge.crdt.codec.BinaryCodec}) and JSON
 * ({@link io.converge.crdt.codec.ConvergeJacksonModule}, {@link io.converge.crdt.codec.JsonCodec})
 * for every built-in CRDT type, and the interfaces through which user-defined types and values
 * plug in ({@link io.converge.crdt.codec.CrdtCodec}, {@link io.converge.crdt.codec.CausalCrdtCodec},
 * {@link io.converge.crdt.codec.ValueCodec}).
 *
 * <p><b>Guarantees.</b> Encodings are compact (varints; replica ids once per frame; dots as a
 * table index and a rank within the context, so the delta of one set add costs the element plus
 * about 16 bytes, and a frame its type and a 4-byte CRC32C) and canonical (equal states give
 * equal bytes, for digests). Binary frames name their type and end with a CRC32C, so a frame is
 * never read as another type ({@link io.converge.crdt.codec.CodecMismatchException}) nor, once
 * changed, as another value ({@link io.converge.crdt.codec.ChecksumMismatchException}). Decoders
 * treat their input as hostile: sizes, counts, lengths and depth are checked against one
 * {@link io.converge.crdt.codec.CodecLimits} before anything is allocated, strings must be
 * well-formed, counters at most {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}, only
 * {@link io.converge.crdt.codec.DecodeException}s escape, and a value is returned only once it
 * passed its invariant check, so nothing is ever half-applied. Encoders refuse what decoders
 * would refuse under the same limits ({@link io.converge.crdt.codec.EncodeException}): what one
 * node writes, another reads.
 *
 * <p><b>Dependencies.</b> Uses {@code io.converge.crdt}, {@code io.converge.crdt.causal} and the
 * unexported {@code io.converge.crdt.internal} (the types' representation, through
 * {@code internal.Representation}), netty-buffer and jackson-databind. It does not use the engine, protocol or store packages
 * (style.md's {@code store → codec → protocol → engine → crdt}: the store builds on it).
 *
 * <p><b>Threads.</b> Codecs, limits and the module are immutable and thread-safe;
 * {@link io.converge.crdt.codec.CodecWriter} and {@link io.converge.crdt.codec.CodecReader} live
 * for one call on one thread. Codecs never block and hold no buffers: a decoder reads the
 * caller's buffer without retaining or releasing it.
 */
package io.converge.crdt.codec;
