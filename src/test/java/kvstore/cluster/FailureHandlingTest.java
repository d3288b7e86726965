package kvstore.cluster;

import io.vertx.core.json.JsonObject;
import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.InProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failure detection and hinted handoff, three nodes in one JVM (anti-entropy off, so only hints can heal). */
class FailureHandlingTest {
  @TempDir
  Path dir;

  private static void fastDetector(int i, JsonObject cfg) {
    cfg.put("failureDetectorPauseMs", 300).put("failureDetectorMinStdDevMs", 100);
  }

  @Test
  void stoppedReplicaIsMarkedDownAndCatchesUpThroughHints() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, FailureHandlingTest::fastDetector).start()) {
      c.stop(2);
      Await.until("node3 DOWN in node1's view", Duration.ofSeconds(10), () -> c.statusSeenBy(0, "node3").equals("DOWN"));
      for (int i = 0; i < 200; i++) {
        assertTrue(c.client(i % 2).put("hinted" + i, "v" + i, Kv.Consistency.QUORUM).getOk());
      }
      c.client(0).delete("hinted7", Kv.Consistency.QUORUM);
      c.start(2);
      Await.until("node3 UP again in node1's view", Duration.ofSeconds(10), () -> c.statusSeenBy(0, "node3").equals("UP"));
      Await.until("node3 to hold every hinted write", Duration.ofSeconds(20), () -> c.sameChunks(0, 2) && c.sameChunks(1, 2));
      assertEquals("v199", c.client(2).get("hinted199", Kv.Consistency.ONE).getValue());
      assertFalse(c.client(2).get("hinted7", Kv.Consistency.ONE).getFound());
    }
  }

  @Test
  void hintsDoNotCountTowardTheQuorumAndAllFailsWithAReplicaDown() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, FailureHandlingTest::fastDetector).start()) {
      c.stop(1);
      c.stop(2);
      Await.until("both peers DOWN", Duration.ofSeconds(10),
          () -> c.statusSeenBy(0, "node2").equals("DOWN") && c.statusSeenBy(0, "node3").equals("DOWN"));
      assertEquals(io.vertx.grpc.common.GrpcStatus.UNAVAILABLE,
          kvstore.testing.KvClient.statusOf(() -> c.client(0).put("k", "v", Kv.Consistency.QUORUM)));
      c.start(1);
      // node2 is back and answers: QUORUM works again, ALL still fails on node3 alone
      Await.until("node2 UP in node1's view", Duration.ofSeconds(10), () -> c.statusSeenBy(0, "node2").equals("UP"));
      Await.until("a QUORUM write through node1", Duration.ofSeconds(10),
          () -> kvstore.testing.KvClient.statusOf(() -> c.client(0).put("k", "v", Kv.Consistency.QUORUM)) == io.vertx.grpc.common.GrpcStatus.OK);
      assertEquals(io.vertx.grpc.common.GrpcStatus.UNAVAILABLE,
          kvstore.testing.KvClient.statusOf(() -> c.client(0).put("k", "v", Kv.Consistency.ALL)));
      String message = c.client(0).putStatusMessage(Kv.PutRequest.newBuilder().setKey("k").setValue("v").setConsistency(Kv.Consistency.ALL).build());
      assertTrue(message.contains("acknowledged by 2 of 3 required replicas"), "only node3 is missing: " + message);
    }
  }

  /** Replay streams its batches no faster than hintReplayRowsPerSec: 300 hints at 100 rows/s take about 3 s. */
  @Test
  void hintReplayIsPacedToItsRate() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> {
      fastDetector(i, cfg);
      cfg.put("hintReplayRowsPerSec", 100);
    }).start()) {
      c.stop(2);
      Await.until("node3 DOWN in node1's view", Duration.ofSeconds(10), () -> c.statusSeenBy(0, "node3").equals("DOWN"));
      for (int i = 0; i < 300; i++) {
        assertTrue(c.client(0).put("paced" + i, "v" + i, Kv.Consistency.QUORUM).getOk());
      }
      c.start(2);
      long t0 = System.nanoTime();
      Await.until("node3 to hold every hinted write", Duration.ofSeconds(30), () -> c.sameChunks(0, 2));
      double secs = (System.nanoTime() - t0) / 1e9;
      assertTrue(secs >= 1.8, "300 hints at 100 rows/s (batches of 100, each paced) came in " + secs + " s");
      assertEquals("v299", c.client(2).get("paced299", Kv.Consistency.ONE).getValue());
    }
  }
}
