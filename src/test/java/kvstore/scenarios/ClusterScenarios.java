package kvstore.scenarios;

import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.KvClient;
import kvstore.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster's main promises, written once and run on nodes in this JVM
 * ({@link InProcessScenariosTest}) and on real processes ({@link ProcessScenariosIT}).
 */
abstract class ClusterScenarios {
  @TempDir
  Path dir;

  /** A started 3-node cluster, RF 3, anti-entropy off (so only hints heal), every node UP. */
  abstract TestCluster threeNodes(Path dir);

  @Test
  void aWriteThroughAnyNodeReadsBackThroughEveryNode() {
    try (TestCluster c = threeNodes(dir)) {
      for (int i = 0; i < 3; i++) {
        assertTrue(c.client(i).put("from-node" + (i + 1), "v" + i, Kv.Consistency.QUORUM).getOk());
      }
      for (int reader = 0; reader < 3; reader++) {
        for (int i = 0; i < 3; i++) {
          assertEquals("v" + i, c.client(reader).get("from-node" + (i + 1), Kv.Consistency.QUORUM).getValue());
        }
      }
    }
  }

  /** Every acknowledged write is recorded and read back from the replica that missed it. */
  @Test
  void aCrashedReplicaMissesNoAcknowledgedWriteOnceHintsReachIt() {
    try (TestCluster c = threeNodes(dir)) {
      c.crash(2);
      Await.until("node3 not UP on node1 and node2", Duration.ofSeconds(30),
          () -> !c.statusSeenBy(0, "node3").equals("UP") && !c.statusSeenBy(1, "node3").equals("UP"));
      Map<String, String> acknowledged = new LinkedHashMap<>();
      for (int k = 0; k < 200; k++) {
        KvClient via = c.client(k % 2);
        if (via.put("k" + k, "v" + k, Kv.Consistency.QUORUM).getOk()) {
          acknowledged.put("k" + k, "v" + k);
        }
      }
      assertEquals(200, acknowledged.size(), "QUORUM writes go on with one replica of three down");
      c.restart(2);
      c.awaitUp(3);
      Await.until("node3 level with the others through hints", Duration.ofSeconds(30), () -> c.sameChunks(0, 2) && c.sameChunks(1, 2));
      KvClient node3 = c.client(2);
      for (var e : acknowledged.entrySet()) {
        assertEquals(e.getValue(), node3.get(e.getKey(), Kv.Consistency.ONE).getValue(), e.getKey() + " on node3's own replica");
      }
    }
  }
}
