package kvstore.e2e;

import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failure detection, hinted handoff, tombstones and clock skew with real node processes (gossip every 1 s). */
class FaultInjectionIT {
  @TempDir
  Path dir;

  @Test
  void aKilledNodeIsReportedNotUpWithinTenSecondsAndUpWithinFiveAfterRestart() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("gossipIntervalMs", 1000)).start()) {
      c.kill(2);
      long killed = System.nanoTime();
      Await.until("node1 and node2 to report node3 not UP", Duration.ofSeconds(10),
          () -> !c.statusSeenBy(0, "node3").equals("UP") && !c.statusSeenBy(1, "node3").equals("UP"));
      double detect = (System.nanoTime() - killed) / 1e9;
      Await.until("node1 and node2 to report node3 DOWN", Duration.ofSeconds(15),
          () -> c.statusSeenBy(0, "node3").equals("DOWN") && c.statusSeenBy(1, "node3").equals("DOWN"));
      double down = (System.nanoTime() - killed) / 1e9;
      c.start(2);
      long serving = System.nanoTime();
      Await.until("node3 UP again everywhere", Duration.ofSeconds(5),
          () -> c.statusSeenBy(0, "node3").equals("UP") && c.statusSeenBy(1, "node3").equals("UP"));
      double back = (System.nanoTime() - serving) / 1e9;
      System.out.printf("[FIGURE] not-UP after %.1f s, DOWN after %.1f s, UP again %.1f s after restart%n", detect, down, back);
    }
  }

  @Test
  void aDeleteWhileAReplicaIsDownDoesNotComeBack() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("antiEntropyIntervalMs", 1000)).start()) {
      for (int i = 0; i < 20; i++) {
        c.client(0).put("doomed" + i, "alive", Kv.Consistency.ALL);
      }
      c.kill(2);
      for (int i = 0; i < 20; i++) {
        assertTrue(c.client(i % 2).delete("doomed" + i, Kv.Consistency.QUORUM).getOk());
      }
      c.start(2);
      Await.until("the returning replica to converge", Duration.ofSeconds(30), () -> c.sameChunks(0, 2) && c.sameChunks(1, 2));
      for (int node = 0; node < 3; node++) {
        for (int i = 0; i < 20; i++) {
          assertFalse(c.client(node).get("doomed" + i, Kv.Consistency.ONE).getFound(), "doomed" + i + " on node" + (node + 1));
        }
      }
    }
  }

  @Test
  void writesThroughOtherNodesAfterAWriteThroughAFastClockNodeStillWin() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> {
      if (i == 0) {
        cfg.put("clockOffsetMs", 5000);
      }
    }).start()) {
      for (int round = 0; round < 10; round++) {
        c.client(0).put("skew" + round, "through-fast-node");
        c.client(1 + round % 2).put("skew" + round, "after");
        for (int node = 0; node < 3; node++) {
          assertEquals("after", c.client(node).get("skew" + round).getValue(), "round " + round + " via node" + (node + 1));
        }
      }
    }
  }
}
