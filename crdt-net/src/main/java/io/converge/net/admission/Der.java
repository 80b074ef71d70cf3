package io.converge.net.admission;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The few DER encodings (ITU-T X.690) an X.509 certificate of {@link ClusterTls} needs. The JDK
 * parses and verifies certificates but has no public way to write one; this writer is only ever
 * read back by the JDK's own parser ({@code CertificateFactory}), which rejects anything malformed.
 * Stateless, thread-safe.
 */
final class Der {
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    /** 2050-01-01T00:00:00Z: RFC 5280 §4.1.2.5 writes dates from then on as GeneralizedTime. */
    private static final long GENERALIZED_FROM = 2524608000L;

    private Der() {
    }

    /** One TLV: {@code tag}, definite length, the concatenated {@code parts}. */
    static byte[] tlv(int tag, byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 6);
        out.write(tag);
        if (len < 0x80) {
            out.write(len);
        } else {
            int bytes = len > 0xFFFFFF ? 4 : len > 0xFFFF ? 3 : len > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(len >>> (8 * i));
            }
        }
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... parts) {
        return tlv(SEQUENCE, parts);
    }

    /** A context-specific, constructed, explicit tag {@code [n]}. */
    static byte[] explicit(int n, byte[] inner) {
        return tlv(0xA0 | n, inner);
    }

    static byte[] integer(BigInteger v) {
        return tlv(0x02, v.toByteArray()); // two's complement, minimal: what DER asks
    }

    static byte[] bool(boolean v) {
        return tlv(0x01, new byte[] {(byte) (v ? 0xFF : 0)});
    }

    static byte[] octets(byte[] v) {
        return tlv(0x04, v);
    }

    /** A BIT STRING of whole bytes. */
    static byte[] bits(byte[] v) {
        byte[] b = new byte[v.length + 1];
        System.arraycopy(v, 0, b, 1, v.length);
        return tlv(0x03, b);
    }

    /** A BIT STRING whose first byte holds {@code value}, of which the last {@code unused} bits are zero padding. */
    static byte[] bits(int value, int unused) {
        return tlv(0x03, new byte[] {(byte) unused, (byte) value});
    }

    static byte[] utf8(String s) {
        return tlv(0x0C, s.getBytes(StandardCharsets.UTF_8));
    }

    /** An OBJECT IDENTIFIER written dotted, e.g. {@code "1.3.101.112"}. */
    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            base128(out, Long.parseLong(arcs[i]));
        }
        return tlv(0x06, out.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long v) {
        int groups = 1;
        while (groups < 10 && (v >>> (7 * groups)) != 0) {
            groups++;
        }
        for (int i = groups - 1; i >= 0; i--) {
            out.write((int) ((v >>> (7 * i)) & 0x7F) | (i > 0 ? 0x80 : 0));
        }
    }

    /** UTCTime before 2050, GeneralizedTime from then on (RFC 5280), to the second. */
    static byte[] time(Instant t) {
        return t.getEpochSecond() < GENERALIZED_FROM
                ? tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII))
                : tlv(0x18, GENERALIZED_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    /** A distinguished name with a single common name. */
    static byte[] commonName(String cn) {
        return sequence(tlv(SET, sequence(oid("2.5.4.3"), utf8(cn))));
    }
}
