package io.converge.net.admission;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** RFC 5869 appendix A, test cases 1 to 3 (the SHA-256 ones). */
class HkdfTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static byte[] range(int from, int to) {
        byte[] b = new byte[to - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    private static byte[] repeat(int v, int n) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    @Test
    void basicVectorMatchesRfc5869CaseOne() {
        byte[] prk = Hkdf.extract(range(0, 13), repeat(0x0b, 22));
        assertArrayEquals(hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"), prk);
        assertArrayEquals(hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
                Hkdf.expand(prk, range(0xf0, 0xfa), 42));
    }

    @Test
    void longInputsMatchRfc5869CaseTwo() {
        byte[] prk = Hkdf.extract(range(0x60, 0xb0), range(0, 0x50));
        assertArrayEquals(hex("06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244"), prk);
        assertArrayEquals(hex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                + "cc30c58179ec3e87c14c01d5c1f3434f1d87"), Hkdf.expand(prk, range(0xb0, 0x100), 82));
    }

    @Test
    void emptySaltAndInfoMatchRfc5869CaseThree() {
        assertArrayEquals(hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
                Hkdf.derive(new byte[0], repeat(0x0b, 22), new byte[0], 42));
        assertArrayEquals(hex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"),
                Hkdf.extract(null, repeat(0x0b, 22)));
    }

    @Test
    void lengthOutsideTheRfcRangeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Hkdf.expand(new byte[32], null, 0));
        assertThrows(IllegalArgumentException.class, () -> Hkdf.expand(new byte[32], null, 255 * 32 + 1));
    }
}
