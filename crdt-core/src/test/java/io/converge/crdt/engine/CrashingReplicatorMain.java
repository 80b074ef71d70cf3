package io.converge.crdt.engine;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.store.FsyncPolicy;
import io.converge.crdt.store.StoreConfig;
import java.nio.file.Path;

/**
 * The child of {@link ReplicatorCrashTest}: a durable replicator that adds {@code e<i>} for
 * i = start, start+1, … and prints {@code ack <i>} after each update returns, until killed.
 */
public final class CrashingReplicatorMain {
    static final Key<ORSet<String>> SET = Key.of("set", ORSet.<String>empty(), CrdtCodecs.orSet(ValueCodec.string()));

    private CrashingReplicatorMain() {
    }

    static ReplicatorConfig config(Path dir) {
        return ReplicatorConfig.builder(ReplicaId.of("crashy"))
                .store(StoreConfig.builder(dir).fsyncPolicy(FsyncPolicy.ALWAYS).snapshotEveryRecords(500).build())
                .codecs(CodecRegistry.of(CrdtCodecs.orSet(ValueCodec.string())))
                .build();
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int start = Integer.parseInt(args[1]);
        Replicator r = Replicator.start(config(dir));
        for (int i = start; ; i++) {
            String e = "e" + i;
            r.update(SET, (s, ctx) -> s.add(ctx.self(), e));
            System.out.println("ack " + i);
            System.out.flush();
        }
    }
}
