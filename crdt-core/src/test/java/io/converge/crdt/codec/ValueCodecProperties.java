package io.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ValueCodecProperties {
    @Provide
    Arbitrary<String> wellFormedStrings() {
        // Any code point but unpaired surrogates (which UTF-8 cannot hold).
        return Arbitraries.integers().between(0, 0x10FFFF)
                .filter(cp -> cp < 0xD800 || cp > 0xDFFF)
                .list().ofMaxSize(20)
                .map(cps -> {
                    StringBuilder sb = new StringBuilder();
                    cps.forEach(sb::appendCodePoint);
                    return sb.toString();
                });
    }

    @Property
    void everyWellFormedStringRoundTrips(@ForAll("wellFormedStrings") String s) {
        assertEquals(s, ValueCodecTest.roundTrip(ValueCodec.string(), s));
    }

    @Property
    void everyLongAndIntRoundTrips(@ForAll long l, @ForAll int i) {
        assertEquals(l, ValueCodecTest.roundTrip(ValueCodec.int64(), l));
        assertEquals(i, ValueCodecTest.roundTrip(ValueCodec.int32(), i));
    }

    @Property
    void stringEncodingPreservesNoOrderButIsInjective(@ForAll("wellFormedStrings") String a,
            @ForAll("wellFormedStrings") String b) {
        boolean sameBytes = Arrays.equals(ValueCodecTest.encode(ValueCodec.string(), a),
                ValueCodecTest.encode(ValueCodec.string(), b));
        assertTrue(sameBytes == a.equals(b));
    }
}
