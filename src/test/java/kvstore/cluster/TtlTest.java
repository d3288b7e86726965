package kvstore.cluster;

import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.InProcessCluster;
import kvstore.testing.KvClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-key TTL, three nodes in one JVM. The replica that is down while a TTL value is written and
 * expires holds an older, never-expiring value of the key; whichever mechanism brings it up to
 * date (hints, read repair, anti-entropy), the key then reads as not found there too, and the old
 * value never comes back.
 */
class TtlTest {
  @TempDir
  Path dir;

  private static final long TTL_MS = 1500;

  private static void fastDetector(JsonObject cfg) {
    cfg.put("failureDetectorPauseMs", 300).put("failureDetectorMinStdDevMs", 100);
  }

  private static Kv.PutRequest putTtl(String key, String value, long ttlMs) {
    return Kv.PutRequest.newBuilder().setKey(key).setValue(value).setTtlMs(ttlMs).setConsistency(Kv.Consistency.QUORUM).build();
  }

  @Test
  void anExpiredValueReadsAsNotFoundOnEveryNodeAndNeedsNoRepairToDoSo() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      long before = System.currentTimeMillis();
      assertTrue(c.client(0).put(putTtl("session", "s1", TTL_MS)).getOk());
      assertTrue(c.client(0).put("forever", "f", Kv.Consistency.ALL).getOk());
      Kv.GetResponse live = c.client(1).get("session", Kv.Consistency.ALL);
      assertEquals("s1", live.getValue());
      assertTrue(live.getExpiresAt() >= before + TTL_MS && live.getExpiresAt() <= System.currentTimeMillis() + TTL_MS,
          "expires_at is the write's time plus the TTL: " + live.getExpiresAt());
      Await.until("the value to expire", Duration.ofSeconds(10), () -> !c.client(0).get("session", Kv.Consistency.ONE).getFound());
      for (int i = 0; i < 3; i++) {
        assertFalse(c.client(i).get("session", Kv.Consistency.ONE).getFound(), "node" + (i + 1) + " alone");
        assertFalse(c.client(i).get("session", Kv.Consistency.ALL).getFound());
        assertEquals("f", c.client(i).get("forever", Kv.Consistency.ONE).getValue(), "a value without a TTL stays");
      }
      assertTrue(c.client(1).fetchRange(kvstore.ring.Chunks.of("session")).stream().noneMatch(p -> p.getKey().equals("session")),
          "FetchRange streams live values only");
      // a new write of the key lives again, and a put without a TTL clears the expiry
      assertTrue(c.client(2).put("session", "s2", Kv.Consistency.QUORUM).getOk());
      assertEquals(0, c.client(0).get("session", Kv.Consistency.QUORUM).getExpiresAt());
      assertEquals("s2", c.client(0).get("session", Kv.Consistency.QUORUM).getValue());
    }
  }

  @Test
  void aTtlOutsideItsRangeIsRefusedWithTheLimit() {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)).start()) {
      KvClient client = c.client(0);
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> client.put(putTtl("k", "v", -1))));
      String message = client.putStatusMessage(putTtl("k", "v", -1));
      assertTrue(message.contains("ttl_ms must be 0 (never expires) to") && message.contains("got -1"), message);
      assertEquals(GrpcStatus.INVALID_ARGUMENT, KvClient.statusOf(() -> client.put(putTtl("k", "v", Long.MAX_VALUE))));
      assertFalse(client.get("k").getFound(), "nothing was written");
    }
  }

  @Test
  void hintsBringTheExpiredValueNotTheOldOne() {
    replicaDownThroughExpiry(cfg -> cfg.put("maxHintsPerNode", 1_000_000), c -> { });
  }

  @Test
  void readRepairBringsTheExpiredValueNotTheOldOne() {
    // no hints and no anti-entropy: only the ALL read repairs node3
    replicaDownThroughExpiry(cfg -> cfg.put("maxHintsPerNode", 0), c -> {
      for (int i = 0; i < 2; i++) {
        assertFalse(c.client(i).get("cart", Kv.Consistency.ALL).getFound(), "the old value loses to the expired one");
      }
    });
  }

  @Test
  void antiEntropyBringsTheExpiredValueNotTheOldOne() {
    replicaDownThroughExpiry(cfg -> cfg.put("maxHintsPerNode", 0).put("antiEntropyIntervalMs", 500)
        .put("antiEntropyRowsPerSec", 1_000_000), c -> { });
  }

  private void replicaDownThroughExpiry(java.util.function.Consumer<JsonObject> tweak,
                                        java.util.function.Consumer<InProcessCluster> afterReturn) {
    BiConsumer<Integer, JsonObject> cfg = (i, j) -> {
      fastDetector(j);
      tweak.accept(j);
    };
    try (InProcessCluster c = new InProcessCluster(dir, 3, cfg).start()) {
      assertTrue(c.client(0).put("cart", "old", Kv.Consistency.ALL).getOk());
      c.stop(2);
      Await.until("node3 DOWN in node1's view", Duration.ofSeconds(10), () -> c.statusSeenBy(0, "node3").equals("DOWN"));
      assertTrue(c.client(0).put(putTtl("cart", "new", TTL_MS)).getOk());
      assertEquals("new", c.client(1).get("cart", Kv.Consistency.QUORUM).getValue());
      Await.until("the value to expire", Duration.ofSeconds(10), () -> !c.client(0).get("cart", Kv.Consistency.QUORUM).getFound());
      c.start(2);
      Await.until("node3 UP again in node1's view", Duration.ofSeconds(10), () -> c.statusSeenBy(0, "node3").equals("UP"));
      afterReturn.accept(c);
      Await.until("node3 alone to read the key as not found", Duration.ofSeconds(30),
          () -> !c.client(2).get("cart", Kv.Consistency.ONE).getFound());
      for (int i = 0; i < 3; i++) {
        assertFalse(c.client(i).get("cart", Kv.Consistency.ALL).getFound(), "node" + (i + 1) + " coordinating ALL");
        assertFalse(c.client(i).get("cart", Kv.Consistency.ONE).getFound(), "node" + (i + 1) + " alone");
      }
    }
  }
}
