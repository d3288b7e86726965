package kvstore.e2e;

import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kubernetes' scale-down (four nodes, RF 3), as the StatefulSet runs it (afterLeaving: idle): after `kvctl
 * decommission` the process stays up, alive (/healthz 200) and not ready (/readyz 503), instead
 * of exiting into a restart; restarted anyway on its LEFT dataDir, it idles again rather than
 * crash-looping, and the cluster goes on without it. Wiped and started again with its old config
 * (one of its own seeds), it joins as a new node and holds every key when it serves; a member
 * that was down all the while it joined again takes it back.
 */
class AfterLeavingIT {
  @TempDir
  Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aDecommissionedNodeIdlesAliveButNotReadyAndJoinsAgainWiped() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 4, (i, cfg) -> cfg.put("afterLeaving", "idle")).start()) {
      for (int k = 0; k < 20; k++) {
        assertTrue(c.client(0).put("k" + k, "v" + k, Kv.Consistency.ALL).getOk());
      }
      KvctlRun decommission = KvctlRun.of(120, "decommission", "--node", c.grpcAddress(2));
      assertEquals(0, decommission.exit(), decommission.out());
      int http = c.config(2).getInteger("httpPort");
      Await.until("node3 to idle after leaving", Duration.ofSeconds(60), () -> c.log(2).contains("afterLeaving: idle"));
      assertTrue(c.process(2).isAlive(), "the process stays up");
      assertEquals(200, Http.send("GET", http, "/healthz", null, null).status());
      Http.Reply ready = Http.send("GET", http, "/readyz", null, null);
      assertEquals(503, ready.status());
      assertTrue(ready.body().contains("left the cluster"), ready.body());

      // restarted on its LEFT dataDir (a pod restart before the scale-down): idle again, no crash loop
      c.kill(2);
      c.start(2);
      assertTrue(c.process(2).isAlive());
      assertEquals(503, Http.send("GET", http, "/readyz", null, null).status());
      for (int k = 0; k < 20; k++) {
        assertEquals("v" + k, c.client(0).get("k" + k, Kv.Consistency.QUORUM).getValue(), "k" + k + " after node3 left");
      }

      // wiped and started with its old config, in which it is one of its own seeds: it joins again
      // as a new node and streams its ranges before it serves (NORMAL would be refused, or serve nothing)
      for (int k = 20; k < 40; k++) {
        assertTrue(c.client(0).put("k" + k, "v" + k, Kv.Consistency.QUORUM).getOk());
      }
      c.kill(2);
      c.wipe(2);
      c.start(2);
      Await.until("node3 NORMAL again", Duration.ofSeconds(90), () -> "NORMAL".equals(c.stateSeenBy(2, "node3"))
          && "NORMAL".equals(c.stateSeenBy(0, "node3")));
      assertTrue(c.log(2).contains("knows node3 as a member that left"), c.log(2));
      for (int k = 0; k < 40; k++) {
        assertEquals("v" + k, c.client(2).get("k" + k, Kv.Consistency.ONE).getValue(), "k" + k + " at ONE through node3 after it joined again");
      }
    }
  }

  /**
   * node4 is removed, wiped and joins again while node3 is down for longer than a join waits for a
   * silent member (downMemberGossipAfterMs): node3 comes back remembering node4 as LEFT and only
   * ever hears it NORMAL. It must take node4 back (else its ring lacks node4 for good, and what it
   * coordinates goes to other replicas than the rest of the cluster reads).
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aMemberDownWhileARemovedNodeJoinedAgainTakesItBack() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 4, (i, cfg) -> cfg.put("downMemberGossipAfterMs", 3000)).start()) {
      for (int k = 0; k < 20; k++) {
        assertTrue(c.client(0).put("k" + k, "v" + k, Kv.Consistency.ALL).getOk());
      }
      c.kill(3);
      Await.until("node4 DOWN everywhere", Duration.ofSeconds(30), () ->
          java.util.stream.IntStream.of(0, 1, 2).allMatch(o -> c.statusSeenBy(o, "node4").equals("DOWN")));
      KvctlRun remove = KvctlRun.of(120, "removenode", "node4", "--node", c.grpcAddress(0));
      assertEquals(0, remove.exit(), remove.out());
      Await.until("node4 LEFT everywhere", Duration.ofSeconds(30), () ->
          java.util.stream.IntStream.of(0, 1, 2).allMatch(o -> c.statusSeenBy(o, "node4").equals("LEFT")));
      c.kill(2);
      Await.until("node3 DOWN on node1 and node2", Duration.ofSeconds(30), () ->
          java.util.stream.IntStream.of(0, 1).allMatch(o -> c.statusSeenBy(o, "node3").equals("DOWN")));
      c.wipe(3);
      c.start(3);
      Await.until("node4 NORMAL again on node1, node2 and itself", Duration.ofSeconds(90), () ->
          java.util.stream.IntStream.of(0, 1, 3).allMatch(o -> "NORMAL".equals(c.stateSeenBy(o, "node4"))));
      for (int k = 20; k < 40; k++) {
        assertTrue(c.client(0).put("k" + k, "v" + k, Kv.Consistency.QUORUM).getOk());
      }
      c.start(2);
      Await.until("node3 to take node4 back", Duration.ofSeconds(30), () ->
          "UP".equals(c.statusSeenBy(2, "node4")) && "NORMAL".equals(c.stateSeenBy(2, "node4")));
      assertTrue(!c.log(2).contains("left this cluster"), "node3 refused node4 as a node that left: " + c.log(2));
      for (int k = 0; k < 40; k++) {
        assertEquals("v" + k, c.client(2).get("k" + k, Kv.Consistency.QUORUM).getValue(), "k" + k + " at QUORUM through node3");
      }
    }
  }
}
