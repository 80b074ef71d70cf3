package io.converge.net;

import static io.converge.net.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.crdt.causal.ReplicaId;
import io.converge.crdt.codec.CrdtCodecs;
import io.converge.crdt.engine.Key;
import io.converge.crdt.engine.ReservedKeyException;
import io.converge.crdt.engine.Subscription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jgroups.protocols.DISCARD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClusterNode}s over JGroups' in-JVM transport, links cut with {@code DISCARD}. */
class ClusterNodeTest {
    static final Key<GCounter> HITS = Key.of("hits", GCounter.empty(), CrdtCodecs.gCounter());

    final String cluster = "members-" + UUID.randomUUID();
    final ClusterSecret secret = ClusterSecret.random();
    final List<ClusterNode> started = new ArrayList<>();
    final Map<ClusterNode, DISCARD> discards = new HashMap<>();

    ClusterNode start(String id) {
        return start(id, b -> b.replicaId(ReplicaId.of(id)));
    }

    ClusterNode start(String name, Consumer<ClusterNode.Builder> tweak) {
        DISCARD discard = new DISCARD();
        JGroupsTransport.Builder t = JGroupsTransport.builder().clusterName(cluster).secret(secret).inJvm()
                .failureDetectionTimeout(TestCluster.FD).mergeInterval(TestCluster.MERGE)
                .stackCustomizer(stack -> {
                    stack.add(1, discard);
                    return stack;
                });
        ClusterNode.Builder b = ClusterNode.builder().name(name).roles(Set.of("test")).keys(HITS).transport(t)
                .sync(TestCluster.SYNC).shutdownTimeout(Duration.ofSeconds(4));
        tweak.accept(b);
        ClusterNode n = b.start();
        started.add(n);
        discards.put(n, discard);
        return n;
    }

    @AfterEach
    void closeAll() {
        for (ClusterNode n : started) {
            n.close();
        }
    }

    static Optional<Member> member(ClusterNode observer, ClusterNode of) {
        return observer.members().stream().filter(m -> m.id().equals(of.self())).findFirst();
    }

    static void awaitMember(ClusterNode observer, ClusterNode of, Predicate<Member> what, String description) {
        await(() -> member(observer, of).filter(what).isPresent(),
                () -> observer.self() + " sees " + of.self() + " " + description + ": " + observer.members());
    }

    /** The member events {@code node} tells a new subscriber, collected as they come. */
    static List<MemberEvent> watch(ClusterNode node) {
        List<MemberEvent> seen = new CopyOnWriteArrayList<>();
        node.subscribe(seen::add);
        return seen;
    }

    /** Waits until an event {@code seen} by a subscriber matches {@code event}; fails naming {@code what} and the events. */
    static void awaitTold(List<MemberEvent> seen, Predicate<MemberEvent> event, String what) {
        await(() -> seen.stream().anyMatch(event), () -> what + ": " + seen);
    }

    static void awaitAllUp(List<ClusterNode> nodes) {
        for (ClusterNode o : nodes) {
            for (ClusterNode n : nodes) {
                awaitMember(o, n, m -> m.status() == MemberStatus.UP && m.reachable()
                        && m.incarnation() == n.incarnation(), "up and reachable");
            }
        }
    }

    @Test
    void threeNodesComeUpAndSeeEachOthersRecords() {
        ClusterNode a = start("a");
        ClusterNode b = start("b");
        ClusterNode c = start("c");
        List<ClusterNode> all = List.of(a, b, c);
        awaitAllUp(all);
        Member seen = member(a, c).orElseThrow();
        assertEquals("c", seen.name());
        assertEquals(c.transport().localAddress().map(x -> x.getHostString() + ":" + x.getPort()).orElse("in-jvm"),
                seen.address());
        assertEquals(Set.of("test"), seen.roles());
        for (ClusterNode n : all) {
            await(() -> n.memberView().countedPeers().size() == 2 && n.memberView().reachablePeers().size() == 2,
                    () -> n.self() + " counts two peers: " + n.members());
            assertFalse(n.memberView().countedPeers().contains(n.self()));
        }
        a.update(HITS, (g, ctx) -> g.increment(ctx.self(), 1));
        await(() -> c.get(HITS).map(GCounter::value).orElse(0L) == 1, () -> "c holds a's update");
    }

    @Test
    void aCutOffNodeIsUnreachableButCountedThenReachableAndHealed() {
        ClusterNode a = start("a");
        ClusterNode b = start("b");
        ClusterNode c = start("c");
        awaitAllUp(List.of(a, b, c));
        List<MemberEvent> seenByA = watch(a);

        discards.get(c).discardAll(true);
        awaitMember(a, c, m -> !m.reachable(), "unreachable");
        awaitMember(b, c, m -> !m.reachable(), "unreachable");
        Member cut = member(a, c).orElseThrow();
        assertEquals(MemberStatus.UP, cut.status(), "unreachable is a flag, not a status");
        assertTrue(a.memberView().countedPeers().contains(c.self()), "still counted in N");
        assertFalse(a.memberView().reachablePeers().contains(c.self()));
        awaitTold(seenByA, e -> e instanceof MemberEvent.MemberUnreachable u
                && u.member().id().equals(c.self()), "a told c is unreachable");
        // The minority side still counts the two it cannot reach: N = 3, and it reaches only itself.
        await(() -> c.memberView().reachablePeers().isEmpty(), () -> "c reaches nobody: " + c.members());
        assertEquals(Set.of(a.self(), b.self()), c.memberView().countedPeers());

        discards.get(c).discardAll(false);
        awaitMember(a, c, Member::reachable, "reachable again");
        awaitTold(seenByA, e -> e instanceof MemberEvent.MemberReachable r
                && r.member().id().equals(c.self()), "a told c is reachable");
        awaitTold(seenByA, e -> e instanceof MemberEvent.PartitionHealed h
                && h.returned().contains(c.self()), "a told the partition healed");
        assertTrue(seenByA.get(0) instanceof MemberEvent.CurrentMembers, "the snapshot comes first: " + seenByA);
    }

    @Test
    void aGracefulCloseIsSeenAsLeftAndLeavesN() {
        ClusterNode a = start("a");
        ClusterNode b = start("b");
        ClusterNode c = start("c");
        awaitAllUp(List.of(a, b, c));
        List<MemberEvent> seenByA = watch(a);
        c.close();
        awaitMember(a, c, m -> m.status() == MemberStatus.LEFT, "left");
        awaitMember(b, c, m -> m.status() == MemberStatus.LEFT, "left");
        assertEquals(Set.of(b.self()), a.memberView().countedPeers());
        awaitTold(seenByA, e -> e instanceof MemberEvent.MemberLeft l
                && l.member().id().equals(c.self()), "a told c left");
        // The view change after the goodbye is no crash: nobody is told c became unreachable.
        await(() -> !a.transport().admittedPeers().contains(c.self()), () -> "c out of a's view");
        assertTrue(seenByA.stream().noneMatch(e -> e instanceof MemberEvent.MemberUnreachable), seenByA.toString());
    }

    @Test
    void anOperatorDownTakesAnUnreachableMemberOutOfN() {
        ClusterNode a = start("a");
        ClusterNode b = start("b");
        ClusterNode c = start("c");
        awaitAllUp(List.of(a, b, c));
        discards.get(c).discardAll(true);
        awaitMember(a, c, m -> !m.reachable(), "unreachable");
        assertTrue(a.down(c.self()));
        awaitMember(a, c, m -> m.status() == MemberStatus.DOWN, "down");
        awaitMember(b, c, m -> m.status() == MemberStatus.DOWN, "down");
        assertEquals(Set.of(b.self()), a.memberView().countedPeers());
        assertEquals(Set.of(a.self()), b.memberView().countedPeers());
        assertFalse(a.down(c.self()), "already down: nothing changes");
        assertThrows(IllegalArgumentException.class, () -> a.down(ReplicaId.of("nobody")));
        assertThrows(IllegalArgumentException.class, () -> a.down(a.self()));
    }

    @Test
    void autoDownMarksAMemberUnreachableThatLongDown() {
        ClusterNode a = start("a", b -> b.replicaId(ReplicaId.of("a")).autoDownAfter(Duration.ofMillis(300)));
        ClusterNode b = start("b");
        awaitAllUp(List.of(a, b));
        discards.get(b).discardAll(true);
        awaitMember(a, b, m -> m.status() == MemberStatus.DOWN, "auto-downed");
        assertEquals(Set.of(), a.memberView().countedPeers());
    }

    @Test
    void aRestartOnItsDataDirectoryKeepsTheIdWithANewIncarnation(@TempDir Path dir) {
        ClusterNode a = start("a");
        ClusterNode b = start("b", x -> x.dataDirectory(dir));
        awaitAllUp(List.of(a, b));
        ReplicaId id = b.self();
        long first = b.incarnation();
        b.close();
        awaitMember(a, b, m -> m.status() == MemberStatus.LEFT, "left");
        ClusterNode again = start("b", x -> x.dataDirectory(dir));
        assertEquals(id, again.self());
        assertTrue(again.incarnation() > first);
        awaitAllUp(List.of(a, again));
        assertEquals(1, a.members().stream().filter(m -> m.id().equals(id)).count(), "one entry per replica");
        assertEquals(Set.of(id), a.memberView().countedPeers());
    }

    @Test
    void usersCannotWriteTheReservedNamespace() {
        ClusterNode a = start("a");
        awaitAllUp(List.of(a));
        Key<GCounter> sneaky = Key.of("$converge.members", GCounter.empty(), CrdtCodecs.gCounter());
        Key<GCounter> other = Key.of("$mine", GCounter.empty(), CrdtCodecs.gCounter());
        List<Member> before = a.members();
        assertThrows(ReservedKeyException.class, () -> a.update(sneaky, (g, ctx) -> g.increment(ctx.self(), 1)));
        assertThrows(ReservedKeyException.class, () -> a.update(other, (g, ctx) -> g.increment(ctx.self(), 1)));
        assertThrows(ReservedKeyException.class,
                () -> a.replicator().updateAsync(other, (g, ctx) -> g.increment(ctx.self(), 1)));
        assertEquals(Optional.empty(), a.get(other));
        assertEquals(before, a.members());
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.builder().keys(other));
    }

    @Test
    void aSubscriberGetsTheCurrentMembersFirst() {
        ClusterNode a = start("a");
        ClusterNode b = start("b");
        awaitAllUp(List.of(a, b));
        List<MemberEvent> events = new CopyOnWriteArrayList<>();
        try (Subscription s = a.subscribe(events::add)) {
            await(() -> !events.isEmpty(), () -> "the snapshot");
            MemberEvent.CurrentMembers first = (MemberEvent.CurrentMembers) events.get(0);
            assertEquals(Set.of(a.self(), b.self()),
                    first.members().stream().map(Member::id).collect(java.util.stream.Collectors.toSet()));
            ClusterNode c = start("c");
            awaitTold(events, e -> e instanceof MemberEvent.MemberUp u
                    && u.member().id().equals(c.self()), "c up");
        }
    }

    @Test
    void aNodeWithTheWrongSecretIsReportedAsRefused() {
        ClusterNode a = start("a");
        List<MemberEvent> events = watch(a);
        JGroupsTransport.Builder wrong = JGroupsTransport.builder().clusterName(cluster)
                .secret(ClusterSecret.random()).inJvm();
        try (ClusterNode w = ClusterNode.builder().replicaId(ReplicaId.of("w")).transport(wrong).start()) {
            awaitTold(events, e -> e instanceof MemberEvent.AdmissionRefused, "a refusal");
            assertTrue(a.members().stream().noneMatch(m -> m.id().equals(w.self())));
        }
    }

    @Test
    void aWriteOverAPeersStampFarAheadIsReportedAsClockSkew() {
        Key<io.converge.crdt.LWWRegister<String>> reg = Key.of("reg", io.converge.crdt.LWWRegister.<String>empty(),
                CrdtCodecs.lwwRegister(io.converge.crdt.codec.ValueCodec.string()));
        ClusterNode a = start("a", b -> b.replicaId(ReplicaId.of("a")).keys(reg));
        List<MemberEvent> events = watch(a);
        io.converge.crdt.causal.HlcTimestamp ahead = io.converge.crdt.causal.HlcTimestamp.of(
                System.currentTimeMillis() + 3_600_000, 0);
        // As if a peer whose clock runs an hour ahead had written it.
        a.update(reg, (r, ctx) -> io.converge.crdt.LWWRegister.of(ahead, ReplicaId.of("skewed"), "theirs"));
        a.update(reg, (r, ctx) -> r.write(ctx.self(), ctx.clock(), "mine"));
        awaitTold(events, e -> e instanceof MemberEvent.ClockSkewDetected s
                && s.remote().equals(ahead) && s.aheadMillis() > 3_000_000, "clock skew told");
    }

    @Test
    void aThrowingListenerKeepsReceivingAndOthersStillHearEverything() {
        ClusterNode a = start("a");
        List<MemberEvent> thrower = new CopyOnWriteArrayList<>();
        List<MemberEvent> calm = new CopyOnWriteArrayList<>();
        a.subscribe(e -> {
            thrower.add(e);
            throw new IllegalStateException("boom (expected by the test)");
        });
        a.subscribe(calm::add);
        ClusterNode b = start("b");
        awaitTold(thrower, e -> e instanceof MemberEvent.MemberUp u
                && u.member().id().equals(b.self()), "the thrower still hears b up");
        awaitTold(calm, e -> e instanceof MemberEvent.MemberUp u
                && u.member().id().equals(b.self()), "the other listener too");
    }
}
