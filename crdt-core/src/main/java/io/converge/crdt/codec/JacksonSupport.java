package io.converge.crdt.codec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

/** How Converge configures Jackson: locked-down mappers and translation of Jackson's errors. */
final class JacksonSupport {
    private JacksonSupport() {
    }

    /** Jackson's read constraints for {@code limits}. */
    static StreamReadConstraints constraints(CodecLimits limits) {
        return StreamReadConstraints.builder()
                .maxNestingDepth(limits.maxDepth())
                .maxStringLength(limits.maxStringBytes())
                .maxNameLength(limits.maxStringBytes())
                .maxDocumentLength(limits.maxFrameBytes())
                .build();
    }

    /**
     * Locks down {@code mapper} (a private copy) in place: constraints, strict duplicate
     * detection, no default typing, every polymorphic subtype denied, trailing tokens rejected,
     * deterministic property and map order.
     */
    @SuppressWarnings("deprecation")
    static ObjectMapper lockDown(ObjectMapper mapper, CodecLimits limits) {
        mapper.getFactory().setStreamReadConstraints(constraints(limits));
        mapper.getFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.deactivateDefaultTyping();
        mapper.setPolymorphicTypeValidator(BasicPolymorphicTypeValidator.builder().build());
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        mapper.configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true);
        return mapper;
    }

    /**
     * The typed error for whatever Jackson (or a deserializer) threw while reading input that
     * started at {@code baseOffset}: a {@link DecodeException} in the cause chain is returned as
     * it is; Jackson's constraint violations become {@link LimitExceededException}s, everything
     * else a {@link MalformedFrameException}.
     */
    static DecodeException translate(Throwable e, long baseOffset, CodecLimits limits) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DecodeException d) {
                return d;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        long offset = baseOffset;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException j && j.getLocation() != null) {
                offset = baseOffset + offsetOf(j.getLocation());
                break;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StreamConstraintsException c) {
                String m = String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT);
                if (m.contains("depth")) {
                    return new LimitExceededException("maxDepth", limits.maxDepth(), offset, c);
                }
                if (m.contains("document length")) {
                    return new LimitExceededException("maxFrameBytes", limits.maxFrameBytes(), offset, c);
                }
                return new LimitExceededException("maxStringBytes", limits.maxStringBytes(), offset, c);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return new MalformedFrameException("invalid JSON: " + e.getMessage(), offset, e);
    }

    static long offsetOf(JsonLocation loc) {
        if (loc == null) {
            return 0;
        }
        long b = loc.getByteOffset();
        return b >= 0 ? b : Math.max(0, loc.getCharOffset());
    }
}
