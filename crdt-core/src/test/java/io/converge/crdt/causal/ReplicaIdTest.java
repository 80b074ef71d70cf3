package io.converge.crdt.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;

class ReplicaIdTest {
    @Property
    void orderIsTheOrderOfTheBytes(@ForAll @StringLength(min = 1, max = 20) @CharRange(from = '0', to = 'z') String x,
            @ForAll @StringLength(min = 1, max = 20) @CharRange(from = '0', to = 'z') String y) {
        String a = x.replaceAll("[^A-Za-z0-9@:]", "_");
        String b = y.replaceAll("[^A-Za-z0-9@:]", "_");
        int byBytes = Arrays.compare(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
        assertEquals(Integer.signum(byBytes), Integer.signum(ReplicaId.of(a).compareTo(ReplicaId.of(b))));
        assertEquals(a.equals(b), ReplicaId.of(a).equals(ReplicaId.of(b)));
    }

    @Property
    void theBinaryFormRoundTrips(@ForAll @StringLength(min = 1, max = 64) @CharRange(from = 'a', to = 'z') String s) {
        ReplicaId id = ReplicaId.of(s);
        assertEquals(id, ReplicaId.fromBytes(id.toBytes()));
    }

    @Example
    void randomIdsAreDistinctAndValid() {
        ReplicaId a = ReplicaId.random();
        ReplicaId b = ReplicaId.random();
        assertNotEquals(a, b);
        assertEquals(a, ReplicaId.of(a.name()));
        assertTrue(a.name().length() == 22);
    }

    @Example
    void badNamesAreRejectedWithAClearError() {
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of(""));
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of("a b"));
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of("x".repeat(65)));
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.of("é"));
        assertThrows(NullPointerException.class, () -> ReplicaId.of(null));
        assertThrows(IllegalArgumentException.class, () -> ReplicaId.fromBytes(new byte[] {5, 'a'}));
    }

    @Example
    void longIdsSharingAPrefixCompareByTheirTail() {
        assertTrue(ReplicaId.of("node-0000001").compareTo(ReplicaId.of("node-0000002")) < 0);
        assertTrue(ReplicaId.of("node-000000").compareTo(ReplicaId.of("node-0000001")) < 0);
    }

    @Example
    void anIdDecodedFromAPeerIsTheInstanceThisJvmAlreadyHolds() {
        ReplicaId local = ReplicaId.of("node-canonical-" + System.nanoTime());
        assertSame(local, ReplicaId.fromBytes(local.toBytes()), "so that comparing dots is a reference check");
        assertSame(local, ReplicaId.of(new String(local.name().toCharArray())));
        ReplicaId fresh = ReplicaId.random();
        assertSame(fresh, ReplicaId.of(fresh.name()));
    }
}
