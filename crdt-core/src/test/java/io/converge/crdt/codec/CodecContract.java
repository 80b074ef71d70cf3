package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.type.TypeReference;
import io.converge.crdt.ReplicatedData;
import io.converge.crdt.internal.HashTrie;
import io.converge.crdt.internal.Representation;
import io.converge.crdt.testing.ConvergeArbitraries;
import io.converge.crdt.testing.Operation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import java.util.Objects;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The codec contract every type's codec fulfils, run once per type by its {@code XxxCodecProperties}
 * subclass on states and deltas reached by generated histories (crdt.md §7.6): binary and JSON
 * round trips give equal values, re-encoding gives identical bytes, equal states built in
 * different orders encode identically, keyed deltas stay keyed, and decoded values join exactly
 * like the originals.
 *
 * @param <S> the type under test
 */
abstract class CodecContract<S extends ReplicatedData<S>> {
    abstract S bottom();

    abstract Arbitrary<Operation<S>> operations();

    abstract CrdtCodec<S> codec();

    abstract TypeReference<S> jsonType();

    private BinaryCodec<S> binary;
    private JsonCodec<S> json;

    BinaryCodec<S> binary() {
        if (binary == null) {
            binary = BinaryCodec.of(codec());
        }
        return binary;
    }

    JsonCodec<S> json() {
        if (json == null) {
            json = JsonCodec.of(jsonType());
        }
        return json;
    }

    @Provide
    Arbitrary<List<S>> related() {
        return ConvergeArbitraries.reachableStates(bottom(), operations(), 3, 30, 3);
    }

    /** The removal hints of a dot-map value (null for a full state), or a marker for other types. */
    static Object hints(Object value) {
        try {
            return Representation.access().removedHints(value);
        } catch (ClassCastException e) {
            return "n/a";
        }
    }

    /** Encodes into a pooled buffer, decodes from it, and checks the buffer was neither retained nor released. */
    static <S extends ReplicatedData<S>> S roundTrip(BinaryCodec<S> codec, S value) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer();
        try {
            codec.encode(value, buf);
            S back = codec.decode(buf);
            assertEquals(1, buf.refCnt(), "the decoder must not retain or release the buffer");
            assertEquals(0, buf.readableBytes(), "a decoded frame is consumed");
            return back;
        } finally {
            buf.release();
        }
    }

    @Property
    void binaryRoundTripGivesAnEqualValueWithTheSameBytesAndKeyedness(@ForAll("related") List<S> s) {
        for (S x : s) {
            S back = roundTrip(binary(), x);
            assertEquals(x, back);
            assertEquals(hints(x), hints(back), "removal hints survive the wire");
            assertArrayEquals(binary().encodeToBytes(x), binary().encodeToBytes(back), "re-encoding is stable");
            byte[] canonical = new byte[0];
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer();
            try {
                binary().encodeCanonical(x, buf);
                canonical = io.netty.buffer.ByteBufUtil.getBytes(buf);
                S full = binary().decode(buf);
                assertEquals(x, full);
                Object h = hints(full);
                assertEquals(h == null || h.equals("n/a"), true, "a canonical frame decodes to a full state");
            } finally {
                buf.release();
            }
            assertEquals(canonical.length <= binary().encodeToBytes(x).length, true);
        }
    }

    @Property
    void jsonRoundTripGivesAnEqualValueAndKeyedness(@ForAll("related") List<S> s) {
        for (S x : s) {
            String text = json().encodeToString(x);
            S back = json().decode(text);
            assertEquals(x, back, text);
            assertEquals(hints(x), hints(back), text);
            assertEquals(text, json().encodeToString(back));
        }
    }

    @Property
    void equalStatesBuiltInDifferentOrdersEncodeToEqualBytes(@ForAll("related") List<S> s) {
        S a = s.get(0).join(s.get(1)).join(s.get(2));
        S b = s.get(2).join(s.get(1).join(s.get(0)));
        assertEquals(a, b);
        ByteBuf x = PooledByteBufAllocator.DEFAULT.buffer();
        ByteBuf y = PooledByteBufAllocator.DEFAULT.buffer();
        try {
            binary().encodeCanonical(a, x);
            binary().encodeCanonical(b, y);
            assertEquals(x, y, "canonical bytes depend only on the state");
        } finally {
            x.release();
            y.release();
        }
        if (Objects.equals(hints(a), hints(b))) {
            assertArrayEquals(binary().encodeToBytes(a), binary().encodeToBytes(b));
        }
    }

    @Property
    void decodedValuesJoinLikeTheOriginals(@ForAll("related") List<S> s) {
        S x = roundTrip(binary(), s.get(0));
        S y = json().decode(json().encode(s.get(1)));
        S z = s.get(2);
        assertEquals(s.get(0).join(s.get(1)).join(z), x.join(y).join(z));
        assertEquals(z.join(s.get(0)), z.join(x), "joining a decoded delta into a state");
        if (hints(s.get(0)) instanceof HashTrie<?, ?>) {
            assertEquals(true, hints(x) != null, "a decoded keyed delta is still keyed");
        }
    }
}
