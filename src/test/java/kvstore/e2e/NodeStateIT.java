package kvstore.e2e;

import io.vertx.core.json.JsonObject;
import kv.Kv;
import kvstore.ring.Ring;
import kvstore.testing.Await;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a data directory says of itself, on real processes: another node's or cluster's directory
 * and data older than the tombstone grace period are refused with one line; a node restarted with
 * its clock a minute in the past stamps and expires above what it did before; a restarted node
 * coordinates over the ring of every member it knew, not only those it has reached since.
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

  /**
   * The fault campaign's finding (seed 20261207): node3, restarted while two members were down,
   * built its ring from the one member it had reached, and acknowledged QUORUM writes with that
   * member, which was not a replica of the key; a QUORUM read through a true replica missed them.
   */
  @Test
  void aRestartedNodeWritesToTheKeysTrueReplicasBeforeItHasReachedThemAll() throws Exception {
    List<String> ids = List.of("node1", "node2", "node3", "node4");
    try (ProcessCluster c = new ProcessCluster(dir, 4, (i, cfg) -> cfg.put("hintedHandoff", false)).start()) {
      c.awaitUp(4);
      Path stateFile = Path.of(c.config(2).getString("dataDir"), "node-state.json");
      Await.until("node3 to record the other members", Duration.ofSeconds(30),
          () -> new JsonObject(read(stateFile)).getJsonArray("members", new io.vertx.core.json.JsonArray()).size() == 3);
      c.kill(1);
      c.kill(3);
      c.kill(2);
      c.start(2);
      // node3 knows node2 and node4 from its disk: members, DOWN, before it has heard them
      JsonObject view = c.membership(2);
      for (String id : List.of("node2", "node4")) {
        assertTrue(view.getJsonArray("nodes").stream().map(o -> (JsonObject) o)
            .anyMatch(n -> n.getString("nodeId").equals(id) && n.getString("status").equals("DOWN")), id + " in " + view.encode());
      }
      Ring ring = Ring.of(ids, 128);
      List<String> acked = new ArrayList<>();
      int refused = 0;
      for (int k = 0; k < 120; k++) {
        String key = "r" + k;
        boolean ok;
        try {
          ok = c.client(2).put(key, "v" + k, Kv.Consistency.QUORUM).getOk();
        } catch (RuntimeException e) {
          ok = false;
        }
        List<String> replicas = ring.preferenceList(key, 3);
        if (ok) {
          acked.add(key);
        } else if (replicas.contains("node1") && replicas.contains("node3")) {
          fail(key + " has node1 and node3 among its replicas " + replicas + ": its QUORUM write through node3 must succeed");
        } else {
          refused++;
        }
      }
      assertTrue(refused > 0 && !acked.isEmpty(), "acknowledged " + acked.size() + ", refused " + refused);
      c.start(1);
      c.start(3);
      c.awaitUp(4);
      for (String key : acked) {
        List<String> replicas = ring.preferenceList(key, 3);
        List<String> holders = new ArrayList<>();
        for (String r : replicas) {
          // a ONE read through a replica answers from that replica's own copy
          if (c.client(ids.indexOf(r)).get(key, Kv.Consistency.ONE).getFound()) {
            holders.add(r);
          }
        }
        assertTrue(holders.size() >= 2, key + " acknowledged at QUORUM is on " + holders + " of its replicas " + replicas);
      }
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
