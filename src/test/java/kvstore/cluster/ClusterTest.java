package kvstore.cluster;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.client.InvalidStatusException;
import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.InProcessCluster;
import kvstore.testing.KvClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Three nodes in one JVM on real ports: the API, quorums, deletes, restarts and discovery. */
class ClusterTest {
  @TempDir
  Path dir;

  /** A node without seeds is a cluster of one: it serves at once, without waiting to join anyone (perf.sh runs nodes so). */
  @Test
  void aNodeWithoutSeedsServesAsAClusterOfOne() {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("seeds", new io.vertx.core.json.JsonArray())
        .put("replicationFactor", 1)).start()) {
      assertTrue(c.client(0).put("alone", "yes", Kv.Consistency.ALL).getOk());
      assertEquals("yes", c.client(0).get("alone").getValue());
      assertEquals("NORMAL", c.stateSeenBy(0, "node1"));
    }
  }

  @Test
  void writeOnOneNodeReadsBackFromEveryNode() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      assertTrue(c.client(0).put("greeting", "hello").getOk());
      for (int i = 0; i < 3; i++) {
        Kv.GetResponse r = c.client(i).get("greeting");
        assertTrue(r.getFound());
        assertEquals("hello", r.getValue());
        assertEquals("node" + (i + 1), r.getOwnId());
        assertTrue(Math.abs(r.getModifiedAt() - System.currentTimeMillis()) < 60_000, "modified_at is epoch millis");
      }
      assertFalse(c.client(1).get("missing").getFound());
      // every replica holds it: each node answers at ONE from its own copy
      for (int i = 0; i < 3; i++) {
        int idx = i;
        Await.until("replica " + i + " to hold the write", Duration.ofSeconds(5),
            () -> c.client(idx).get("greeting", Kv.Consistency.ONE).getFound());
      }
    }
  }

  @Test
  void clientSuppliedVersionsFollowLastWriteWins() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      KvClient a = c.client(0);
      long now = System.currentTimeMillis();
      a.put(Kv.PutRequest.newBuilder().setKey("k").setValue("newer").setModifiedAt(now - 1_000).build());
      a.put(Kv.PutRequest.newBuilder().setKey("k").setValue("older").setModifiedAt(now - 1_000_000).build());
      Kv.GetResponse r = c.client(2).get("k", Kv.Consistency.ALL);
      assertEquals("newer", r.getValue());
      assertEquals(now - 1_000, r.getModifiedAt());
    }
  }

  @Test
  void quorumFailsWithUnavailableWhenReplicasAreDownAndOneStillWorks() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      KvClient a = c.client(0);
      assertTrue(a.put("before", "x", Kv.Consistency.ALL).getOk());
      c.stop(1);
      assertTrue(a.put("one-down", "v", Kv.Consistency.QUORUM).getOk(), "QUORUM (2 of 3) survives one node down");
      InvalidStatusException all = assertThrows(InvalidStatusException.class, () -> a.put("k", "v", Kv.Consistency.ALL));
      assertEquals(GrpcStatus.UNAVAILABLE, all.actualStatus());
      c.stop(2);
      InvalidStatusException quorum = assertThrows(InvalidStatusException.class, () -> a.put("k2", "v", Kv.Consistency.QUORUM));
      assertEquals(GrpcStatus.UNAVAILABLE, quorum.actualStatus());
      assertTrue(a.put("k3", "v", Kv.Consistency.ONE).getOk(), "ONE needs only the coordinator's own replica");
      assertEquals(GrpcStatus.UNAVAILABLE, KvClient.statusOf(() -> a.get("before", Kv.Consistency.QUORUM)));
      assertEquals("x", a.get("before", Kv.Consistency.ONE).getValue());
    }
  }

  @Test
  void unavailableMessageSaysHowManyReplicasAcked() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      c.stop(1);
      c.stop(2);
      try {
        c.client(0).put("k", "v", Kv.Consistency.QUORUM);
        throw new AssertionError("write must fail");
      } catch (InvalidStatusException e) {
        assertEquals(GrpcStatus.UNAVAILABLE, e.actualStatus());
      }
      String msg = c.client(0).putStatusMessage(Kv.PutRequest.newBuilder().setKey("k").setValue("v").build());
      assertTrue(msg.contains("acknowledged by 1 of 2 required replicas"), msg);
    }
  }

  @Test
  void deleteWritesATombstoneThatReadsAsNotFound() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      c.client(0).put("doomed", "v", Kv.Consistency.ALL);
      assertTrue(c.client(1).delete("doomed", Kv.Consistency.ALL).getOk());
      for (int i = 0; i < 3; i++) {
        assertFalse(c.client(i).get("doomed", Kv.Consistency.ONE).getFound());
      }
      assertTrue(c.client(2).put("doomed", "again").getOk(), "a later write resurrects it legitimately");
      assertEquals("again", c.client(0).get("doomed").getValue());
    }
  }

  @Test
  void aRestartedNodeKeepsItsData() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      for (int i = 0; i < 50; i++) {
        c.client(0).put("key" + i, "value" + i, Kv.Consistency.ALL);
      }
      c.stop(2);
      c.start(2);
      for (int i = 0; i < 50; i++) {
        assertEquals("value" + i, c.client(2).get("key" + i, Kv.Consistency.ONE).getValue());
      }
    }
  }

  @Test
  void nodesAreDiscoveredTransitively() {
    // node1 knows nobody, node2 knows node1, node3 knows node2: all three must learn each other
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { })) {
      JsonArray all = c.config(0).getJsonArray("seeds");
      c.config(0).put("seeds", new JsonArray());
      c.config(1).put("seeds", new JsonArray().add(all.getString(0)));
      c.config(2).put("seeds", new JsonArray().add(all.getString(1)));
      c.start();
      for (int i = 0; i < 3; i++) {
        Set<String> ids = new HashSet<>();
        c.membership(i).getJsonArray("nodes").forEach(o -> ids.add(((JsonObject) o).getString("nodeId")));
        assertEquals(Set.of("node1", "node2", "node3"), ids);
      }
    }
  }

  @Test
  void badRequestsGetInvalidArgumentNamingTheLimit() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> cfg.put("maxKeyBytes", 16).put("maxValueBytes", 300_000)).start()) {
      KvClient a = c.client(0);
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.put("", "v")));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.get("")));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.delete("", Kv.Consistency.DEFAULT)));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.put("k".repeat(17), "v")));
      // 16 bytes in UTF-8 but only 8 chars: the limit counts bytes
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.put("é".repeat(9), "v")));
      assertEquals(GrpcStatus.OK, KvClient.statusOf(() -> a.put("é".repeat(8), "v")));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.get("k".repeat(17))));
      String exact = "v".repeat(300_000);
      assertTrue(a.put("big", exact).getOk(), "a value of exactly maxValueBytes is stored (above gRPC's 256 KiB default)");
      assertEquals(exact, c.client(2).get("big").getValue());
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.put("big", exact + "x")));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.put("big", "v".repeat(4 * 300_000))));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() ->
          a.put(Kv.PutRequest.newBuilder().setKey("k").setValue("v").setModifiedAt(-5).build())));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.chunkHash(16)));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> a.fetchRange(-1)));
      assertEquals(exact, a.get("big").getValue(), "nothing above changed the stored value");
    }
  }

  @Test
  void chunkHashesAgreeAcrossReplicasAndFetchRangeStreamsLiveValues() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      for (int i = 0; i < 200; i++) {
        c.client(i % 3).put("key" + i, "value" + i, Kv.Consistency.ALL);
      }
      c.client(0).delete("key7", Kv.Consistency.ALL);
      int chunk7 = kvstore.ring.Chunks.of("key7");
      for (int chunk = 0; chunk < 16; chunk++) {
        byte[] h0 = c.client(0).chunkHash(chunk);
        assertEquals(32, h0.length);
        assertArrayEquals(h0, c.client(1).chunkHash(chunk), "chunk " + chunk);
        assertArrayEquals(h0, c.client(2).chunkHash(chunk), "chunk " + chunk);
      }
      List<Kv.KeyValuePair> rows = c.client(1).fetchRange(chunk7);
      assertFalse(rows.isEmpty());
      assertTrue(rows.stream().noneMatch(p -> p.getKey().equals("key7")), "tombstones are not streamed");
      int total = 0;
      for (int chunk = 0; chunk < 16; chunk++) {
        total += c.client(2).fetchRange(chunk).size();
      }
      assertEquals(199, total);
    }
  }

  @Test
  void antiEntropyHealsAReplicaThatMissedWrites() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> cfg.put("antiEntropyIntervalMs", 500)).start()) {
      c.stop(2);
      for (int i = 0; i < 100; i++) {
        c.client(0).put("missed" + i, "v" + i, Kv.Consistency.QUORUM);
      }
      c.client(0).delete("missed5", Kv.Consistency.QUORUM);
      c.start(2);
      Await.until("node3's chunks to match node1's", Duration.ofSeconds(20), () -> {
        for (int chunk = 0; chunk < 16; chunk++) {
          if (!Arrays.equals(c.client(0).chunkHash(chunk), c.client(2).chunkHash(chunk))) {
            return false;
          }
        }
        return true;
      });
      assertEquals("v42", c.client(2).get("missed42", Kv.Consistency.ONE).getValue());
      assertFalse(c.client(2).get("missed5", Kv.Consistency.ONE).getFound());
    }
  }

  @Test
  void writesThroughASlowClockNodeAfterAFastOneStillWin() {
    // node1's clock runs 5 s ahead; a write through node2 that follows node1's must still win
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> {
      if (i == 0) {
        cfg.put("clockOffsetMs", 5000);
      }
    }).start()) {
      for (int round = 0; round < 20; round++) {
        c.client(0).put("skewed", "fast-" + round);
        c.client(1).put("skewed", "slow-" + round);
        assertEquals("slow-" + round, c.client(2).get("skewed").getValue());
      }
    }
  }

  @Test
  void gossipRejectsMalformedAndOversizedBodiesWithoutChangingAnything() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> cfg.put("maxGossipBodyBytes", 4096)).start()) {
      int port = c.config(0).getInteger("peerPort");
      JsonObject before = c.membership(0);
      Http.Reply array = Http.call(c.clientVertx(), HttpMethod.POST, port, "/gossip", Buffer.buffer("[]"));
      assertEquals(400, array.status());
      assertEquals("malformed gossip digest: the body must be a JSON object\n", array.body(), "no exception class or module names");
      assertEquals(415, Http.post(port, "/gossip", "text/plain", "{\"nodes\":[]}").status(), "no cross-site simple POSTs");
      assertEquals(404, Http.call(c.clientVertx(), HttpMethod.POST, c.config(0).getInteger("httpPort"), "/gossip",
          Buffer.buffer("{\"nodes\":[]}")).status(), "the operators' HTTP port takes no gossip");
      assertEquals(400, Http.call(c.clientVertx(), HttpMethod.POST, port, "/gossip", Buffer.buffer("{not json")).status());
      assertEquals(400, Http.call(c.clientVertx(), HttpMethod.POST, port, "/gossip", Buffer.buffer("{\"nodes\": 5}")).status());
      assertEquals(400, Http.call(c.clientVertx(), HttpMethod.POST, port, "/gossip",
          Buffer.buffer("{\"nodes\": [{\"nodeId\": \"evil\"}]}")).status());
      assertEquals(413, Http.call(c.clientVertx(), HttpMethod.POST, port, "/gossip", Buffer.buffer("x".repeat(100_000))).status());
      assertEquals(200, Http.call(c.clientVertx(), HttpMethod.GET, c.config(0).getInteger("httpPort"), "/healthz", null).status());
      assertEquals(before.getJsonArray("nodes").size(), c.membership(0).getJsonArray("nodes").size());
      assertTrue(c.client(0).put("still", "works").getOk());
    }
  }

  /** Replica writes are coalesced per peer under load: every row must still get its own answer. */
  @Test
  void manyConcurrentWritesThroughOneCoordinatorReachEveryReplica() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      KvClient a = c.client(0);
      java.util.List<io.vertx.core.Future<Kv.PutResponse>> puts = new java.util.ArrayList<>();
      for (int i = 0; i < 600; i++) {
        puts.add(a.stub().put(Kv.PutRequest.newBuilder().setKey("burst" + i).setValue("v" + i)
            .setConsistency(Kv.Consistency.ALL).build()));
      }
      io.vertx.core.Future.all(puts).await();
      puts.forEach(f -> assertTrue(f.result().getOk()));
      for (int node = 0; node < 3; node++) {
        for (int i = 0; i < 600; i += 7) {
          assertEquals("v" + i, c.client(node).get("burst" + i, Kv.Consistency.ONE).getValue(), "burst" + i + " on node" + (node + 1));
        }
      }
    }
  }
}
