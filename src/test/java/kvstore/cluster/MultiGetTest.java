package kvstore.cluster;

import io.vertx.core.http.HttpMethod;
import io.vertx.grpc.common.GrpcStatus;
import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.InProcessCluster;
import kvstore.testing.KvClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MultiGet on three nodes in one JVM: each key answered as Get would, in one round per replica. */
class MultiGetTest {
  @TempDir
  Path dir;

  private static final Pattern READ_BATCHES = Pattern.compile("kv_replica_batch_items_count\\{[^}]*kind=\"read\"[^}]*} (\\S+)");

  /** Read batches this node has sent its replicas (peers and its own storage), from its /metrics. */
  private static double readBatches(InProcessCluster c, int i) {
    Http.Reply r = Http.call(c.clientVertx(), HttpMethod.GET, c.config(i).getInteger("httpPort"), "/metrics", null);
    Matcher m = READ_BATCHES.matcher(r.body());
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  @Test
  void mixedKeysAreAnsweredInOrderEachAsGetWouldInOneRoundPerReplica() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> cfg.put("maxMultiGetKeys", 100)
        .put("failureDetectorPauseMs", 300).put("failureDetectorMinStdDevMs", 100)).start()) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        String key = i % 6 == 5 ? "missing-" + i : "key-" + i + "-ключ";
        if (!key.startsWith("missing")) {
          assertTrue(c.client(i % 3).put(key, "value-" + i, Kv.Consistency.ALL).getOk());
        }
        keys.add(key);
      }
      assertTrue(c.client(0).delete("key-0-ключ", Kv.Consistency.ALL).getOk());
      keys.add("key-1-ключ");
      keys.add("");

      double before = readBatches(c, 1);
      Kv.MultiGetResponse r = c.client(1).multiGet(keys, Kv.Consistency.QUORUM);
      double batches = readBatches(c, 1) - before;
      assertEquals("node2", r.getOwnId());
      assertEquals(keys.size(), r.getResultsCount());
      for (int i = 0; i < keys.size(); i++) {
        Kv.KeyResult k = r.getResults(i);
        String key = keys.get(i);
        assertEquals(key, k.getKey(), "results in the request's order");
        if (key.isEmpty()) {
          assertEquals(GrpcStatus.INVALID_ARGUMENT.code, k.getStatus());
          assertEquals("key must not be empty", k.getError());
        } else if (key.startsWith("missing") || key.equals("key-0-ключ")) {
          assertEquals(0, k.getStatus(), k.getError());
          assertFalse(k.getFound(), key);
        } else {
          assertEquals(0, k.getStatus(), k.getError());
          assertTrue(k.getFound(), key);
          int n = Integer.parseInt(key.split("-")[1]);
          assertEquals("value-" + n, k.getValue());
          assertEquals(c.client(0).get(key, Kv.Consistency.ONE).getModifiedAt(), k.getModifiedAt());
        }
      }
      // 61 distinct keys at QUORUM on RF 3: one batch to this node's storage and one per peer
      // asked, not one per key
      assertTrue(batches >= 2 && batches <= 3, "read batches sent for one MultiGet of 61 keys: " + batches);

      c.stop(2);
      Await.until("node3 DOWN in node1's view", Duration.ofSeconds(10), () -> c.statusSeenBy(0, "node3").equals("DOWN"));
      Kv.MultiGetResponse quorum = c.client(0).multiGet(keys.subList(0, 10), Kv.Consistency.QUORUM);
      assertTrue(quorum.getResultsList().stream().allMatch(k -> k.getStatus() == 0), quorum.toString());
      assertEquals("value-1", quorum.getResults(1).getValue());
      Kv.MultiGetResponse all = c.client(0).multiGet(keys.subList(0, 10), Kv.Consistency.ALL);
      for (Kv.KeyResult k : all.getResultsList()) {
        assertEquals(GrpcStatus.UNAVAILABLE.code, k.getStatus(), k.getKey());
        assertTrue(k.getError().contains("of 3 required"), k.getError());
      }
    }
  }

  @Test
  void theKeyLimitAndAnEmptyRequestAreRefusedNamingTheLimit() {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1).put("maxMultiGetKeys", 5)).start()) {
      KvClient client = c.client(0);
      List<String> six = List.of("a", "b", "c", "d", "e", "f");
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> client.multiGet(six, Kv.Consistency.ONE)));
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> client.multiGet(List.of(), Kv.Consistency.ONE)));
      assertEquals(5, client.multiGet(six.subList(0, 5), Kv.Consistency.ONE).getResultsCount());
      String message = client.statusMessage(kv.KeyValueGrpcClient.MultiGet, Kv.MultiGetRequest.newBuilder().addAllKeys(six).build());
      assertTrue(message.contains("asks for 6 keys; the limit (maxMultiGetKeys) is 5"), message);
    }
  }
}
