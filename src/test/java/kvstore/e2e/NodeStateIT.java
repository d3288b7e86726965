package kvstore.e2e;

import io.vertx.core.json.JsonObject;
import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a data directory says of itself, on real processes: another node's or cluster's directory
 * and data older than the tombstone grace period are refused with one line; a node restarted with
 * its clock a minute in the past stamps and expires above what it did before.
 */
class NodeStateIT {
  @TempDir
  Path dir;

  private static void assertExitsWith(ProcessCluster c, int i, String expected) throws InterruptedException {
    Process p = c.launch(i);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "node" + (i + 1) + " must exit by itself");
    assertNotEquals(0, p.exitValue());
    String log = c.log(i);
    assertTrue(log.contains(expected), "the log names the cause (" + expected + "):\n" + log);
  }

  @Test
  void aDataDirOfAnotherNodeOrAnotherClusterIsRefused() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)).start()) {
      c.awaitUp(1);
      assertTrue(c.client(0).put("k", "v").getOk());
      c.terminate(0);
      JsonObject conf = c.config(0);
      conf.put("nodeId", "node9");
      assertExitsWith(c, 0, "holds the data of node 'node1', not of 'node9'");
      conf.put("nodeId", "node1").put("clusterName", "other");
      assertExitsWith(c, 0, "holds data of cluster 'kvstore'");
      conf.put("clusterName", "kvstore");
      c.start(0);
      c.awaitUp(1);
      assertEquals("v", c.client(0).get("k").getValue(), "its own node starts on it and has its data");
    }
  }

  @Test
  void aNodeOutOfTouchLongerThanTheGracePeriodIsRefusedUnlessAllowed() throws Exception {
    // a grace period of 30 s makes the node note its contact with the cluster every 3 s
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("tombstoneGraceMs", 30_000)).start()) {
      c.awaitUp(3);
      Path stateFile = Path.of(c.config(2).getString("dataDir"), "node-state.json");
      Await.until("node3 to record its contact with the cluster", Duration.ofSeconds(30),
          () -> new JsonObject(read(stateFile)).getLong("lastContactMs", 0L) > 0);
      c.kill(2);
      // node3 was last in touch a minute ago: twice the grace period (the record is the node's own)
      JsonObject state = new JsonObject(read(stateFile));
      Files.writeString(stateFile, state.put("lastContactMs", System.currentTimeMillis() - 60_000).encode());
      assertExitsWith(c, 2, "last heard from its cluster");
      assertTrue(c.log(2).contains("\"replaceNode\": \"node3\""), c.log(2));
      c.config(2).put("allowStaleRejoin", true);
      c.start(2);
      c.awaitUp(3);
    }
  }

  @Test
  void aNodeRestartedWithItsClockAMinuteBehindStampsAndExpiresAboveWhatItDidBefore() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)).start()) {
      c.awaitUp(1);
      assertTrue(c.client(0).put("a", "1").getOk());
      long before = c.client(0).get("a").getModifiedAt();
      assertTrue(c.client(0).put(Kv.PutRequest.newBuilder().setKey("ttl").setValue("short").setTtlMs(500).build()).getOk());
      assertTrue(c.client(0).put("d", "old").getOk());
      c.terminate(0);
      c.config(0).put("clockOffsetMs", -60_000);
      c.start(0);
      c.awaitUp(1);
      assertTrue(c.log(0).contains("wall clock is") && c.log(0).contains("behind versions it gave out"), c.log(0));
      assertTrue(c.client(0).put("b", "2").getOk());
      long after = c.client(0).get("b").getModifiedAt();
      assertTrue(after >= before, "a new key's version " + after + " is not below one stamped before the restart " + before);
      assertTrue(c.client(0).delete("a", Kv.Consistency.DEFAULT).getOk());
      assertFalse(c.client(0).get("a").getFound(), "a delete after the restart wins over the put before it");
      assertTrue(c.client(0).put("d", "new").getOk());
      assertEquals("new", c.client(0).get("d").getValue());
      assertFalse(c.client(0).get("ttl").getFound(), "a 500 ms TTL written before the restart has expired");
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "{}";
    }
  }
}
