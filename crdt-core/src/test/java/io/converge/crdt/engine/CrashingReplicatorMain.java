package io.converge.crdt.engine;

import io.converge.crdt.ORSet;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CodecRegistry;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.codec.ValueCodec;
import io.converge.crdt.store.FsyncPolicy;
import io.converge.crdt.store.StoreConfig;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child of {@link ReplicatorCrashTest}: a durable replicator that adds {@code e<i>} for
 * i = start, start+1, … and prints {@code ack <i>} once each update is acknowledged, until
 * killed. With a third argument {@code concurrent}, four threads write at once, each with up to
 * 32 updates in flight, so updates are applied and made durable in groups; acks then come in
 * any order.
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

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[0]);
        int start = Integer.parseInt(args[1]);
        Replicator r = Replicator.start(config(dir));
        if (args.length > 2 && args[2].equals("concurrent")) {
            AtomicInteger next = new AtomicInteger(start);
            for (int w = 0; w < 4; w++) {
                Thread t = new Thread(() -> {
                    Semaphore window = new Semaphore(32);
                    while (true) {
                        window.acquireUninterruptibly();
                        int i = next.getAndIncrement();
                        String e = "e" + i;
                        r.updateAsync(SET, (s, ctx) -> s.add(ctx.self(), e)).whenComplete((s, err) -> {
                            if (err == null) {
                                ack(i);
                            }
                            window.release();
                        });
                    }
                }, "writer-" + w);
                t.start();
            }
            Thread.currentThread().join();
        }
        for (int i = start; ; i++) {
            String e = "e" + i;
            r.update(SET, (s, ctx) -> s.add(ctx.self(), e));
            ack(i);
        }
    }

    private static synchronized void ack(int i) {
        System.out.println("ack " + i);
        System.out.flush();
    }
}
