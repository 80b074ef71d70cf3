package io.converge.net;

import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecReader;
import io.converge.crdt.codec.CodecWriter;
import io.converge.crdt.codec.CrdtCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The binary codec of {@link MemberRecord}: a count, then per member in replica id order its id
 * (table index), name, address, incarnation, status rank and sorted roles. Canonical: equal
 * records give equal bytes. Decoding refuses out-of-order or repeated ids and roles, unknown
 * ranks, non-positive incarnations and over-long texts. Immutable and thread-safe.
 */
final class MemberRecordCodec implements CrdtCodec<MemberRecord> {
    static final MemberRecordCodec INSTANCE = new MemberRecordCodec();
    private static final MemberStatus[] STATUSES = MemberStatus.values();

    private MemberRecordCodec() {
    }

    @Override
    public String id() {
        return "converge.MemberRecord/1";
    }

    @Override
    public void encode(MemberRecord value, CodecWriter out) {
        out.writeCount(value.entries().size());
        for (Map.Entry<ReplicaId, MemberRecord.Entry> e : value.entries().entrySet()) {
            MemberRecord.Entry v = e.getValue();
            out.writeReplica(e.getKey());
            out.writeString(v.name());
            out.writeString(v.address());
            out.writeVarLong(v.incarnation());
            out.writeByte(v.status().ordinal());
            out.writeCount(v.roles().size());
            for (String r : v.roles()) {
                out.writeString(r);
            }
        }
    }

    @Override
    public MemberRecord decode(CodecReader in) {
        // Each member takes at least 6 bytes: id index, two lengths, incarnation, rank, role count.
        int n = in.readCount("members", 6);
        TreeMap<ReplicaId, MemberRecord.Entry> out = new TreeMap<>();
        ReplicaId last = null;
        for (int i = 0; i < n; i++) {
            ReplicaId id = in.readReplica();
            if (last != null && last.compareTo(id) >= 0) {
                throw in.malformed("member ids out of order or repeated: " + id);
            }
            last = id;
            String name = text(in);
            String address = text(in);
            long incarnation = in.readNonNegativeLong();
            int rank = in.readUnsignedByte();
            if (rank >= STATUSES.length) {
                throw in.malformed("unknown member status rank " + rank);
            }
            int roles = in.readCount("roles", 1);
            if (roles > MemberRecord.MAX_ROLES) {
                throw in.malformed("more than " + MemberRecord.MAX_ROLES + " roles");
            }
            List<String> rs = new ArrayList<>(roles);
            for (int j = 0; j < roles; j++) {
                String r = text(in);
                if (!rs.isEmpty() && rs.get(rs.size() - 1).compareTo(r) >= 0) {
                    throw in.malformed("roles out of order or repeated");
                }
                rs.add(r);
            }
            if (incarnation <= 0) {
                throw in.malformed("incarnation must be positive");
            }
            out.put(id, new MemberRecord.Entry(name, address, incarnation, STATUSES[rank], rs));
        }
        return MemberRecord.of(out);
    }

    private static String text(CodecReader in) {
        String s = in.readString();
        if (s.length() > MemberRecord.MAX_TEXT) {
            throw in.malformed("member text longer than " + MemberRecord.MAX_TEXT + " characters");
        }
        return s;
    }
}
