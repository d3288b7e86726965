package kvstore.membership;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MembershipTableTest {
  private static final long START = 1_000_000;
  private final AtomicLong now = new AtomicLong(START);
  private final List<String> refusals = new ArrayList<>();

  private static Member m(String id, long hb, long gen) {
    return new Member(id, "127.0.0.1:1" + id.length(), "127.0.0.1:2" + id.length(), "127.0.0.1:3" + id.length(), hb, gen, Status.UP);
  }

  private MembershipTable table(String self) {
    return table(self, 512);
  }

  private MembershipTable table(String self, int max) {
    MembershipTable t = new MembershipTable(m(self, 0, 1), now::get, new MembershipTable.DetectorSettings(5, 10, 100, 250, 2000, 1000),
        new MembershipTable.Limits(max, 30_000, 10_000, 5));
    t.onRefusal((id, reason) -> refusals.add(id + ": " + reason));
    return t;
  }

  /** Hearsay, then the node's own answer at its peer address: what a first gossip exchange does. */
  private static void learn(MembershipTable t, Member m) {
    t.merge(List.of(m));
    t.confirm(m, m.peerAddress());
  }

  private static Member find(MembershipTable t, String id) {
    return t.snapshot().stream().filter(x -> x.nodeId().equals(id)).findFirst().orElse(null);
  }

  @Test
  void aMoveWaitsForMembersJudgedDownButNotForSilentOrLeftOnes() {
    MembershipTable t = table("a");
    for (String id : List.of("b", "c", "d", "e", "f")) {
      learn(t, m(id, 1, 1));
    }
    // e leaves for good; f is the one being removed
    t.confirm(m("e", 2, 1).withStatus(Status.LEFT), m("e", 2, 1).peerAddress());
    // one heartbeat a second; d falls silent after 5 s, c after 20 s, b never
    for (int s = 1; s <= 70; s++) {
      now.set(START + s * 1000L);
      List<Member> beats = new ArrayList<>(List.of(m("b", s + 1, 1)));
      if (s <= 20) {
        beats.add(m("c", s + 1, 1));
      }
      if (s <= 5) {
        beats.add(m("d", s + 1, 1));
      }
      t.merge(beats);
    }
    assertEquals(Status.DOWN, find(t, "c").status(), "c has been silent for 50 s");
    assertEquals(Status.DOWN, find(t, "d").status());
    // c may only look dead from here: it heartbeat 50 s ago and may still coordinate writes;
    // d has not been heard for 65 s, longer than the 60 s that count as gone
    assertEquals(List.of("b", "c"), t.mustHear("f", 60_000));
    assertEquals(List.of("b", "c", "d", "f"), t.mustHear(null, 120_000));
    assertEquals(List.of("b"), t.mustHear("f", 0), "an UP member is always waited for");
  }

  @Test
  void aMoveWaitsForANodeKnownOnlyFromOthersGossipWhileItsHeartbeatMoves() {
    MembershipTable t = table("a");
    learn(t, m("b", 1, 1));
    // g and h are only hearsay here: this node has not reached them itself
    t.merge(List.of(m("g", 1, 1), m("h", 1, 1)));
    assertNull(find(t, "g"), "not a member of this node's ring");
    for (int s = 1; s <= 70; s++) {
      now.set(START + s * 1000L);
      List<Member> beats = new ArrayList<>(List.of(m("b", s + 1, 1), m("h", 2, 1)));
      if (s <= 20) {
        beats.add(m("g", s + 1, 1));
      }
      t.merge(beats);
    }
    // g's heartbeat stopped 50 s ago in b's digests, h's 69 s ago
    assertEquals(List.of("b", "g"), t.mustHear(null, 60_000));
    t.merge(List.of(m("g", 30, 1).withStatus(Status.LEFT)));
    assertEquals(List.of("b"), t.mustHear(null, 60_000), "a node others say has left is not waited for");
  }

  @Test
  void mergeKeepsTheHigherGenerationThenHeartbeat() {
    MembershipTable t = table("a");
    learn(t, m("b", 10, 1));
    t.merge(List.of(m("b", 5, 1)));
    assertEquals(10, find(t, "b").heartbeat(), "older heartbeat ignored");
    t.merge(List.of(m("b", 12, 1)));
    assertEquals(12, find(t, "b").heartbeat(), "a newer heartbeat of the same generation is hearsay enough");
    learn(t, m("b", 0, 2));
    assertEquals(2, find(t, "b").generation(), "restarted node (new generation) replaces the old entry once it said so itself");
    assertEquals(0, find(t, "b").heartbeat());
  }

  @Test
  void hearsayAloneNeverMakesAMember() {
    MembershipTable t = table("a");
    assertTrue(t.merge(List.of(m("b", 1, 1))).isEmpty());
    assertNull(find(t, "b"), "not in the snapshot (so not in the ring, nor in the digest gossiped on)");
    assertEquals(1, t.unconfirmedCount());
    assertEquals(List.of("127.0.0.1:31"), t.unconfirmedAddresses(5), "it is probed at its own peer address");
    assertNull(t.confirm(m("b", 1, 1), "127.0.0.1:9999"), "an answer from another address than the node's own confirms nothing");
    assertNull(find(t, "b"));
    Member joined = t.confirm(m("b", 2, 1), "127.0.0.1:31");
    assertEquals("b", joined.nodeId());
    assertEquals(0, t.unconfirmedCount());
    assertEquals(Status.UP, find(t, "b").status());
  }

  @Test
  void aForgedRestartOfAKnownNodeIsNotTakenUntilTheNodeItselfConfirmsIt() {
    MembershipTable t = table("a");
    learn(t, m("b", 3, 1));
    Member forged = new Member("b", "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", 0, 2, Status.LEFT);
    t.merge(List.of(forged));
    assertEquals(Status.UP, find(t, "b").status(), "a LEFT with a higher generation is only hearsay");
    assertEquals(1, find(t, "b").generation());
    t.merge(List.of(m("b", 4, 1)));
    assertEquals(4, find(t, "b").heartbeat(), "the real node's heartbeats still count");
    assertNull(t.confirm(m("b", 5, 1), "127.0.0.1:31"), "the node itself answers with its real generation");
    assertEquals(1, find(t, "b").generation());
    assertEquals(Status.UP, find(t, "b").status());
    assertEquals(0, t.unconfirmedCount(), "and the forged restart is dropped");
    t.merge(List.of(forged));
    now.addAndGet(31_000);
    t.tick();
    assertEquals(0, t.unconfirmedCount(), "unconfirmed entries expire");
  }

  @Test
  void aLeftWithinTheSameGenerationIsOnlyTakenFromTheNodeItself() {
    MembershipTable t = table("a");
    learn(t, m("b", 3, 1));
    Member left = new Member("b", "127.0.0.1:11", "127.0.0.1:21", "127.0.0.1:31", 4, 1, Status.LEFT);
    t.merge(List.of(left));
    assertEquals(Status.UP, find(t, "b").status(), "hearsay of a LEFT does not take the node out of the ring");
    assertEquals(List.of("127.0.0.1:31"), t.unconfirmedAddresses(5), "the node is asked");
    t.confirm(new Member("b", "127.0.0.1:11", "127.0.0.1:21", "127.0.0.1:31", 5, 1, Status.LEFT), "127.0.0.1:31");
    assertEquals(Status.LEFT, find(t, "b").status(), "the node's own LEFT counts");
  }

  /** Insecure mode's hijack: a forged restart names the attacker's address, and the attacker answers there as the node. */
  @Test
  void aLiveMembersAddressDoesNotMoveOnAnAnswerFromTheAddressAMessageNamed() {
    MembershipTable t = table("a");
    learn(t, m("b", 3, 1));
    Member atAttacker = new Member("b", "10.0.0.66:1", "10.0.0.66:2", "10.0.0.66:3", 0, 2, Status.UP);
    t.merge(List.of(atAttacker));
    assertEquals(List.of("10.0.0.66:3"), t.unconfirmedAddresses(5));
    assertNull(t.confirm(atAttacker, "10.0.0.66:3"));
    assertEquals("127.0.0.1:31", find(t, "b").peerAddress(), "b, alive at its address, stays there");
    assertEquals(1, find(t, "b").generation());
    assertTrue(refusals.get(refusals.size() - 1).contains("judged DOWN"), refusals.toString());
    // a real move: b restarted elsewhere, so its old address falls silent and b is judged DOWN there
    silence(t, "b");
    Member restarted = new Member("b", "10.0.0.7:1", "10.0.0.7:2", "10.0.0.7:3", 0, 3, Status.UP);
    t.confirm(restarted, "10.0.0.7:3");
    assertEquals("10.0.0.7:3", find(t, "b").peerAddress());
    assertEquals(3, find(t, "b").generation());
  }

  @Test
  void addressesOfAKnownNodeCannotChangeWithinAGeneration() {
    MembershipTable t = table("a");
    learn(t, m("b", 1, 1));
    Member moved = new Member("b", "10.0.0.9:1", "10.0.0.9:2", "10.0.0.9:3", 2, 1, Status.UP);
    t.merge(List.of(moved));
    assertEquals("127.0.0.1:11", find(t, "b").grpcAddress());
    assertTrue(refusals.get(0).contains("addresses"), refusals.toString());
  }

  @Test
  void implausibleGenerationsAndHeartbeatsAreRefused() {
    MembershipTable t = table("a");
    t.merge(List.of(m("b", 0, START + 3_600_000)));
    t.merge(List.of(m("c", Long.MAX_VALUE / 2, START - 1000)));
    assertEquals(0, t.unconfirmedCount());
    assertEquals(2, refusals.size(), refusals.toString());
    assertTrue(refusals.get(0).contains("generation"), refusals.get(0));
    assertTrue(refusals.get(1).contains("heartbeat"), refusals.get(1));
  }

  @Test
  void aFloodOfForgedMembersIsBounded() {
    MembershipTable t = table("a", 100);
    List<Member> flood = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      flood.add(m("fake" + i, 1, START - 10));
    }
    t.merge(flood);
    assertEquals(100, t.unconfirmedCount());
    assertEquals(1, t.snapshot().size(), "none of them is a member");
    assertEquals(9_900, refusals.size());
  }

  @Test
  void nodesAreLearnedTransitivelyAndNeverAboutThemselves() {
    MembershipTable a = table("a");
    MembershipTable b = table("b");
    learn(b, m("c", 1, 1));
    for (Member x : b.snapshot()) {
      learn(a, x);
    }
    assertEquals(List.of("a", "b", "c"), a.snapshot().stream().map(Member::nodeId).toList());
    a.merge(List.of(m("a", 999, 999)));
    assertNull(a.confirm(m("a", 999, 999), "127.0.0.1:31"));
    assertEquals(0, find(a, "a").heartbeat(), "gossip about me does not change my own entry");
  }

  @Test
  void aSilentNodeTurnsSuspectThenDownAndIsNeverDropped() {
    MembershipTable t = table("a");
    learn(t, m("b", 1, 1));
    assertEquals(Status.UP, find(t, "b").status());
    now.set(START + 2_000);
    assertEquals(Status.UP, find(t, "b").status(), "within the tolerated pause");
    now.set(START + 4_100);
    assertEquals(Status.SUSPECT, find(t, "b").status());
    now.set(START + 10_000);
    assertEquals(Status.DOWN, find(t, "b").status());
    assertEquals(Status.UP, find(t, "a").status(), "a node always lists itself as UP");
    t.merge(List.of(m("b", 2, 1)));
    assertEquals(Status.UP, find(t, "b").status());
    now.set(START + 60_000);
    assertEquals(Status.DOWN, find(t, "b").status());
    learn(t, m("b", 0, 7));
    assertEquals(Status.UP, find(t, "b").status(), "a restarted node (new generation) is UP at its first gossip");
  }

  @Test
  void malformedDigestEntriesAreRejectedWithTheFieldNamed() {
    JsonObject bad = new JsonObject().put("nodes", new JsonArray().add(
        new JsonObject().put("nodeId", "x").put("grpcAddress", "h:1").put("httpAddress", "h:2").put("peerAddress", "h:3")
            .put("heartbeat", "ten").put("generation", 1).put("status", "UP")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GossipVerticle.parseDigest(bad, 512));
    assertTrue(e.getMessage().contains("heartbeat"), e.getMessage());
    JsonObject newline = new JsonObject().put("nodes", new JsonArray().add(
        new JsonObject().put("nodeId", "node2\n[node1] forged").put("grpcAddress", "h:1").put("httpAddress", "h:2")
            .put("peerAddress", "h:3").put("heartbeat", 1).put("generation", 1).put("status", "UP")));
    e = assertThrows(IllegalArgumentException.class, () -> GossipVerticle.parseDigest(newline, 512));
    assertTrue(e.getMessage().contains("nodeId") && !e.getMessage().contains("forged"), e.getMessage());
    JsonObject badAddress = new JsonObject().put("nodes", new JsonArray().add(
        new JsonObject().put("nodeId", "n").put("grpcAddress", "h:1").put("httpAddress", "h:2")
            .put("peerAddress", "evil host\r\n:3").put("heartbeat", 1).put("generation", 1).put("status", "UP")));
    e = assertThrows(IllegalArgumentException.class, () -> GossipVerticle.parseDigest(badAddress, 512));
    assertTrue(e.getMessage().contains("peerAddress"), e.getMessage());
    JsonObject many = new JsonObject().put("nodes", new JsonArray(java.util.Collections.nCopies(513, new JsonObject())));
    e = assertThrows(IllegalArgumentException.class, () -> GossipVerticle.parseDigest(many, 512));
    assertTrue(e.getMessage().contains("maxClusterNodes"), e.getMessage());
  }

  /** Lets node b go silent until the detector says DOWN. */
  private void silence(MembershipTable t, String id) {
    now.addAndGet(120_000);
    assertEquals(Status.DOWN, find(t, id).status());
  }

  @Test
  void removenodeSpeaksForADeadNodeOnlyAndLeavingIsForGood() {
    MembershipTable t = table("a");
    learn(t, m("b", 10, 1));
    assertNull(t.markLeaving("b"), "a live node is not removed: it decommissions itself");
    assertNull(t.remove("b"));
    silence(t, "b");
    Member leaving = t.markLeaving("b");
    assertEquals(RingState.LEAVING, leaving.state());
    assertEquals(11, leaving.heartbeat(), "the announcement supersedes what peers know of b");
    Member left = t.remove("b");
    assertEquals(Status.LEFT, left.status());
    assertEquals(Status.LEFT, find(t, "b").status());
    // b comes back as it was (its old data, a new generation): refused; as a new, empty node: taken
    t.merge(List.of(m("b", 0, 5)));
    t.confirm(m("b", 0, 5), m("b", 0, 5).peerAddress());
    assertEquals(Status.LEFT, find(t, "b").status());
    assertTrue(t.returnsAfterLeaving(m("b", 0, 5)));
    assertTrue(refusals.stream().anyMatch(r -> r.contains("left the cluster")), refusals.toString());
    Member fresh = m("b", 0, 6).withState(RingState.JOINING);
    assertTrue(!t.returnsAfterLeaving(fresh));
    t.merge(List.of(fresh));
    t.confirm(fresh, fresh.peerAddress());
    assertEquals(Status.UP, find(t, "b").status());
    assertEquals(RingState.JOINING, find(t, "b").state());
  }

  @Test
  void peersHearARemovalOfANodeTheyJudgeDownButNotOfALiveOne() {
    MembershipTable t = table("a");
    learn(t, m("b", 10, 1));
    Member forgedLeft = m("b", 11, 1).withStatus(Status.LEFT);
    t.merge(List.of(forgedLeft));
    assertEquals(Status.UP, find(t, "b").status(), "LEFT for a live node waits for its own word");
    silence(t, "b");
    t.merge(List.of(m("b", 11, 1).withState(RingState.LEAVING)));
    assertEquals(RingState.LEAVING, find(t, "b").state());
    assertEquals(Status.DOWN, find(t, "b").status(), "news of a dead node is no sign of life");
    t.merge(List.of(m("b", 12, 1).withStatus(Status.LEFT)));
    assertEquals(Status.LEFT, find(t, "b").status());
  }

  @Test
  void aNodeThatDecommissionsAnnouncesItselfLeft() {
    MembershipTable t = table("a");
    t.announce(RingState.LEAVING);
    t.tick();
    assertEquals(RingState.LEAVING, find(t, "a").state());
    t.leave();
    t.tick();
    assertEquals(Status.LEFT, find(t, "a").status(), "the heartbeat goes on, the LEFT stays");
  }

  @Test
  void oneMoveAtATimeTheEarliestAnnouncementFirst() {
    Member j1 = m("j1", 0, 50).withState(RingState.JOINING);
    Member j2 = m("j2", 0, 40).withState(RingState.JOINING);
    Member gone = m("x", 0, 10).withState(RingState.LEAVING).withStatus(Status.LEFT);
    assertEquals("j2", ActiveMove.of(List.of(m("a", 0, 1), j1, j2, gone)).orElseThrow().nodeId());
    assertTrue(ActiveMove.of(List.of(m("a", 0, 1), m("r", 0, 2).withState(RingState.REPLACING))).isEmpty(),
        "a replacement keeps the ring as it is");
  }

  @Test
  void aRestartedNodeStartsFromTheMembersItRememberedDownUntilHeard() {
    MembershipTable t = table("a");
    t.remember(List.of(m("a", 9, 1), m("b", 40, 1), m("c", 40, 1), m("d", 40, 1).withStatus(Status.LEFT)));
    // in the table (so in the ring) at once, judged DOWN: no write waits on them, reads try them last
    assertEquals(Status.DOWN, find(t, "b").status());
    assertEquals(Status.DOWN, find(t, "c").status());
    assertEquals(Status.LEFT, find(t, "d").status());
    assertEquals(List.of("a", "b", "c", "d"), t.snapshot().stream().map(Member::nodeId).toList());
    assertTrue(!t.heardAnyone(), "a remembered member is not one heard");
    // digests carry b's and c's last heartbeats, newer than those remembered: not yet a sign of life
    now.addAndGet(1000);
    t.merge(List.of(m("b", 45, 1), m("c", 45, 1)));
    assertEquals(Status.DOWN, find(t, "b").status());
    assertEquals(Status.DOWN, find(t, "c").status());
    // b's heartbeat moves between two digests: b is UP; c's does not and it stays DOWN
    now.addAndGet(1000);
    t.merge(List.of(m("b", 47, 1), m("c", 45, 1)));
    assertEquals(Status.UP, find(t, "b").status());
    assertEquals(Status.DOWN, find(t, "c").status());
    assertTrue(t.heardAnyone());
  }

  /**
   * d was removed (generation 4), wiped, and joined again while this node was down for longer than
   * a join waits for it: back, this node remembers d as LEFT and hears it only NORMAL. Its data
   * directory begun after it left (joined 9) makes it the new member it is; a d whose data
   * directory is the one it left with (joined 2) is still refused, NORMAL or not.
   */
  @Test
  void aNodeThatJoinedAgainWhileThisOneWasDownIsTakenBackNormal() {
    MembershipTable t = table("a");
    t.remember(List.of(m("b", 40, 1), m("d", 40, 4).withStatus(Status.LEFT)));
    Member asItWas = new Member("d", m("d", 0, 0).grpcAddress(), m("d", 0, 0).httpAddress(), m("d", 0, 0).peerAddress(), 3, 11, Status.UP,
        RingState.NORMAL, 2);
    t.merge(List.of(asItWas));
    t.confirm(asItWas, asItWas.peerAddress());
    assertEquals(Status.LEFT, find(t, "d").status(), "back with the data it left with");
    assertTrue(t.returnsAfterLeaving(asItWas));
    Member again = new Member("d", asItWas.grpcAddress(), asItWas.httpAddress(), asItWas.peerAddress(), 30, 12, Status.UP,
        RingState.NORMAL, 9);
    assertTrue(!t.returnsAfterLeaving(again));
    t.merge(List.of(again));
    assertEquals(Status.LEFT, find(t, "d").status(), "hearsay waits for d itself");
    t.confirm(again, again.peerAddress());
    assertEquals(Status.UP, find(t, "d").status());
    assertEquals(RingState.NORMAL, find(t, "d").state());
    assertEquals(9, find(t, "d").joined());
    assertEquals(again, Member.fromJson(again.toJson()), "joined travels in gossip");
    assertThrows(IllegalArgumentException.class, () -> Member.fromJson(again.toJson().put("joined", 13)));
  }

  @Test
  void aRememberedMemberThatLeftMeanwhileLeavesTheRingOnTheClustersWord() {
    MembershipTable t = table("a");
    t.remember(List.of(m("c", 40, 1), m("e", 40, 1)));
    // c was decommissioned while this node was stopped, after a restart of its own (generation 2); it is gone
    t.merge(List.of(m("c", 3, 2).withStatus(Status.LEFT)));
    assertEquals(Status.LEFT, find(t, "c").status());
    // e restarted (generation 2) and is a member: hearsay of its new run waits for e itself; the remembered entry stays
    t.merge(List.of(m("e", 3, 2)));
    assertEquals(1, find(t, "e").generation());
    assertEquals(Status.DOWN, find(t, "e").status());
    assertEquals(1, t.unconfirmedCount());
    t.confirm(m("e", 4, 2), m("e", 4, 2).peerAddress());
    assertEquals(2, find(t, "e").generation());
    assertEquals(Status.UP, find(t, "e").status());
  }

  @Test
  void aRememberedMemberStillTalkedAboutIsWaitedForByAMove() {
    MembershipTable t = table("a");
    t.remember(List.of(m("b", 40, 1), m("c", 40, 1)));
    // others' digests show b's heartbeat moving; c's not at all
    t.merge(List.of(m("b", 40, 1), m("c", 40, 1)));
    now.addAndGet(500);
    assertEquals(List.of("b", "c"), t.mustHear("none", 10_000));
    now.addAndGet(20_000);
    assertEquals(List.of(), t.mustHear("none", 10_000), "silent for longer than the bound: taken for dead");
  }
}
