package kvstore.membership;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MembershipTableTest {
  private final AtomicLong now = new AtomicLong(0);

  private static Member m(String id, long hb, long gen) {
    return new Member(id, "127.0.0.1:1" + id.length(), "127.0.0.1:2" + id.length(), hb, gen, Status.UP);
  }

  private MembershipTable table(String self) {
    return new MembershipTable(m(self, 0, 1), now::get, new MembershipTable.DetectorSettings(5, 10, 100, 250, 2000, 1000));
  }

  private static Member find(MembershipTable t, String id) {
    return t.snapshot().stream().filter(x -> x.nodeId().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void mergeKeepsTheHigherGenerationThenHeartbeat() {
    MembershipTable t = table("a");
    assertEquals(1, t.merge(List.of(m("b", 10, 1))).size());
    t.merge(List.of(m("b", 5, 1)));
    assertEquals(10, find(t, "b").heartbeat(), "older heartbeat ignored");
    t.merge(List.of(m("b", 0, 2)));
    assertEquals(2, find(t, "b").generation(), "restarted node (new generation) replaces the old entry");
    assertEquals(0, find(t, "b").heartbeat());
    assertTrue(t.merge(List.of(m("b", 1, 2))).isEmpty(), "not reported as new again");
  }

  @Test
  void nodesAreLearnedTransitivelyAndNeverAboutThemselves() {
    MembershipTable a = table("a");
    MembershipTable b = table("b");
    MembershipTable c = table("c");
    b.merge(c.snapshot());
    a.merge(b.snapshot());
    assertEquals(List.of("a", "b", "c"), a.snapshot().stream().map(Member::nodeId).toList());
    a.merge(List.of(m("a", 999, 999)));
    assertEquals(0, find(a, "a").heartbeat(), "gossip about me does not change my own entry");
  }

  @Test
  void aSilentNodeTurnsSuspectThenDownAndIsNeverDropped() {
    MembershipTable t = table("a");
    t.merge(List.of(m("b", 1, 1)));
    assertEquals(Status.UP, find(t, "b").status());
    now.set(2_000);
    assertEquals(Status.UP, find(t, "b").status(), "within the tolerated pause");
    now.set(4_100);
    assertEquals(Status.SUSPECT, find(t, "b").status());
    now.set(10_000);
    assertEquals(Status.DOWN, find(t, "b").status());
    assertEquals(Status.UP, find(t, "a").status(), "a node always lists itself as UP");
    t.merge(List.of(m("b", 2, 1)));
    assertEquals(Status.UP, find(t, "b").status());
    now.set(60_000);
    assertEquals(Status.DOWN, find(t, "b").status());
    t.merge(List.of(m("b", 0, 7)));
    assertEquals(Status.UP, find(t, "b").status(), "a restarted node (new generation) is UP at its first gossip");
  }

  @Test
  void malformedDigestEntriesAreRejectedWithTheFieldNamed() {
    var bad = new io.vertx.core.json.JsonObject().put("nodes", new io.vertx.core.json.JsonArray().add(
        new io.vertx.core.json.JsonObject().put("nodeId", "x").put("grpcAddress", "h:1").put("gossipAddress", "h:2")
            .put("heartbeat", "ten").put("generation", 1).put("status", "UP")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GossipVerticle.parseDigest(bad));
    assertTrue(e.getMessage().contains("heartbeat"), e.getMessage());
  }
}
