package io.converge.crdt.codec;

import com.fasterxml.jackson.core.Version;
import com.fasterxml.jackson.databind.Module;
import java.util.Objects;

/**
 * A Jackson module with hand-written, readable JSON forms of every built-in type. Nothing is
 * found by reflection, no default typing is needed and no class name is ever written or read:
 * the {@code "type"} field is the type's simple name and is checked, not used to pick a class.
 *
 * <h2>Format</h2>
 * Replica ids are strings; a dot is {@code ["a", 3]}; an HLC stamp {@code [millis, counter]}; a
 * causal context {@code {"vv": {"a": 3}, "cloud": [["b", 5]]}}, omitted when empty (always, for
 * the values nested in an {@code ORMap}, which share the map's). Elements, keys and values use
 * the mapper's own serializers.
 * <pre>
 * {"type":"GCounter","counts":{"a":3,"b":1}}
 * {"type":"PNCounter","increments":{"a":3},"decrements":{"b":1}}
 * {"type":"ORSet","context":{...},"entries":[{"element":"x","dots":[["a",1]]}],"removed":["y"]}
 * {"type":"AWLWWMap","context":{...},"entries":[{"key":"k","values":[{"dot":["a",2],"stamp":[1700000000000,0],"value":"v"}]}]}
 * {"type":"ORMap","context":{...},"entries":[{"key":"cart","value":{"type":"ORSet","entries":[...]}}]}
 * {"type":"MixedORMap","context":{...},"entries":[{"key":"tags","value":{"type":"ORSet",...}},
 *     {"key":"k","values":[{"type":"EWFlag",...},{"type":"ORSet",...}]}]}   ("values": types in conflict, tag order)
 * {"type":"EWFlag","context":{...},"dots":[["a",1]]}            (DWFlag alike)
 * {"type":"MVRegister","context":{...},"entries":[{"dot":["a",1],"value":"v"}]}
 * {"type":"CausalCounter","context":{...},"entries":[{"dot":["a",4],"up":5,"down":1}]}
 * {"type":"LWWRegister","writer":"a","stamp":[1700000000000,3],"value":"v"}   ({"type":"LWWRegister"} when empty)
 * </pre>
 * A {@code MixedORMap}'s nested values start with their {@code "type"}, which picks how they
 * are read; their elements are read as {@code String}, {@code Long}, {@code Double} or
 * {@code Boolean}, and an {@code ORMap} cannot nest in one (its value type is not written).
 * {@code "removed"} appears only on keyed deltas (see {@link CrdtCodecs}), so that a decoded
 * delta still joins in O(delta). Entries appear in the store's order, not sorted: use
 * {@link BinaryCodec#encodeCanonical} for digests.
 *
 * <h2>Reading</h2>
 * Strict: unknown or repeated fields, missing types, nulls and out-of-range numbers are
 * {@link MalformedFrameException}s; collections above {@link CodecLimits#maxElements()}, more
 * distinct replica ids than {@link CodecLimits#maxReplicaIdsPerMessage()} and CRDT nesting
 * deeper than {@link CodecLimits#maxDepth()} are {@link LimitExceededException}s; decoded values
 * pass {@code checkInvariants()}; a document of another type is a {@link CodecMismatchException};
 * a string value decoded by the mapper that holds an unpaired surrogate is malformed.
 *
 * <h2>Writing</h2>
 * What reading under the same limits would refuse is refused with {@link EncodeException}: a
 * collection above {@link CodecLimits#maxElements()}, more distinct replica ids than
 * {@link CodecLimits#maxReplicaIdsPerMessage()}, a counter above
 * {@link io.converge.crdt.causal.VersionVector#MAX_COUNTER}. {@link JsonCodec} also checks every
 * string, the nesting and the document's size as it writes.
 *
 * <h2>Parsers</h2>
 * The module cannot configure the mapper's parser: use
 * {@link JsonCodec#newObjectMapper(CodecLimits)}, which also sets Jackson's
 * {@code StreamReadConstraints} to the limits and translates every Jackson error into a
 * {@link DecodeException}.
 *
 * <p>Immutable; register it on any number of mappers.
 */
public final class ConvergeJacksonModule extends Module {
    private final CodecLimits limits;

    /** The module with the default limits. */
    public ConvergeJacksonModule() {
        this(CodecLimits.defaults());
    }

    /**
     * The module enforcing {@code limits} on what it reads and writes.
     *
     * @throws NullPointerException if {@code limits} is null
     */
    public ConvergeJacksonModule(CodecLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The limits this module enforces. */
    public CodecLimits limits() {
        return limits;
    }

    @Override
    public String getModuleName() {
        return "converge-crdt";
    }

    @Override
    public Version version() {
        return Version.unknownVersion();
    }

    @Override
    public void setupModule(SetupContext context) {
        context.addSerializers(JsonSerializers.create(limits));
        context.addDeserializers(new JsonDeserializers(limits));
    }
}
