package kvstore.e2e;

import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snapshots and restore on real processes (3 nodes, RF 3, QUORUM): a snapshot taken under a write
 * load; then overwrites, deletes and new keys; one node restored from the snapshot while the others
 * run (no deleted key comes back, it catches up by repair); a damaged snapshot and another node's
 * snapshot refused with nothing written; then the whole cluster restored from the snapshot reads
 * exactly as it did when the snapshot was taken.
 */
class BackupIT {
  private static final int KEYS = 300;
  @TempDir
  Path dir;

  private static KvctlRun kvctl(String... args) {
    return KvctlRun.of(120, args);
  }

  /** {@code java -jar node.jar restore ...} as an operator runs it. */
  private static KvctlRun restore(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("restore"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(KvctlRun.command(cmd.toArray(new String[0]))).redirectErrorStream(true).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "restore finishes");
    return new KvctlRun(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private static String valueOf(ProcessCluster c, int via, String key, Kv.Consistency cl) {
    Kv.GetResponse r = c.client(via).get(key, cl);
    return r.getFound() ? r.getValue() : null;
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void aSnapshotRestoresOneNodeWithoutResurrectionAndTheWholeClusterAsItWas() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      Map<String, String> atSnapshot = new ConcurrentHashMap<>();
      for (int i = 0; i < KEYS; i++) {
        assertTrue(c.client(i % 3).put("key" + i, "v" + i, Kv.Consistency.QUORUM).getOk());
        atSnapshot.put("key" + i, "v" + i);
      }
      // a write load on other keys all through the snapshot
      AtomicBoolean running = new AtomicBoolean(true);
      Map<String, String> loadAcked = new ConcurrentHashMap<>();
      Thread load = new Thread(() -> {
        for (int n = 0; running.get(); n++) {
          try {
            if (c.client(n % 3).put("load" + (n % 500), "l" + n, Kv.Consistency.QUORUM).getOk()) {
              loadAcked.put("load" + (n % 500), "l" + n);
            }
          } catch (RuntimeException e) {
            // counted below: the load must keep going through the snapshot
          }
        }
      }, "load");
      load.start();
      Await.until("the load under way", Duration.ofSeconds(30), () -> loadAcked.size() > 50);
      Map<String, String> loadBefore = Map.copyOf(loadAcked);
      KvctlRun create = kvctl("snapshot", "create", "nightly", "--node", c.grpcAddress(0));
      int afterSnapshot = loadAcked.size();
      Await.until("the load goes on after the snapshot", Duration.ofSeconds(30), () -> loadAcked.size() > afterSnapshot + 20);
      running.set(false);
      load.join(10_000);
      assertEquals(0, create.exit(), create.out());
      assertTrue(create.out().contains("snapshot 'nightly' taken on 3 of 3 members"), create.out());
      assertTrue(create.out().lines().filter(l -> l.contains("done:")).count() == 3, create.out());
      KvctlRun again = kvctl("snapshot", "create", "nightly", "--node", c.grpcAddress(0));
      assertEquals(2, again.exit(), again.out());
      assertTrue(again.out().contains("exists"), again.out());
      KvctlRun badName = kvctl("snapshot", "create", "../etc", "--node", c.grpcAddress(0));
      assertTrue(badName.out().contains("snapshot name must be"), badName.out());

      // after the snapshot: overwrites, deletes and new keys
      for (int i = 0; i < 100; i++) {
        assertTrue(c.client(i % 3).put("key" + i, "after" + i, Kv.Consistency.QUORUM).getOk());
      }
      for (int i = 100; i < 150; i++) {
        assertTrue(c.client(i % 3).delete("key" + i, Kv.Consistency.QUORUM).getOk());
      }
      for (int i = 0; i < 50; i++) {
        assertTrue(c.client(i % 3).put("new" + i, "n" + i, Kv.Consistency.QUORUM).getOk());
      }
      KvctlRun list = kvctl("snapshot", "list", "--node", c.grpcAddress(1));
      assertEquals(0, list.exit(), list.out());
      assertEquals(3, list.out().lines().filter(l -> l.contains("nightly")).count(), list.out());
      KvctlRun status = kvctl("status", "--node", c.grpcAddress(0));
      assertTrue(status.out().contains("node2: snapshots take"), status.out());
      // and the console's data: each node's snapshot bytes beside its data
      kvstore.testing.Http.Reply cluster = kvstore.testing.Http.call(c.clientVertxForTools(), io.vertx.core.http.HttpMethod.GET,
          c.config(0).getInteger("httpPort"), "/v1/cluster", null);
      for (Object n : new io.vertx.core.json.JsonObject(cluster.body()).getJsonArray("nodes")) {
        assertTrue(((io.vertx.core.json.JsonObject) n).getJsonObject("stats").getDouble("disk.snapshot_bytes") > 0, cluster.body());
      }

      // one node restored from the snapshot while the others run: refused while it runs, then done
      Path conf2 = dir.resolve("node2.json");
      KvctlRun whileUp = restore("-conf", conf2.toString(), "--snapshot", "nightly");
      assertEquals(1, whileUp.exit(), whileUp.out());
      assertTrue(whileUp.out().contains("is running"), whileUp.out());
      c.terminate(1);
      KvctlRun one = restore("-conf", conf2.toString(), "--snapshot", "nightly");
      assertEquals(0, one.exit(), one.out());
      assertTrue(one.out().contains("restored node node2 from snapshot 'nightly'"), one.out());
      c.start(1);
      c.awaitUp(3);
      KvctlRun repair = kvctl("repair", "--node", c.grpcAddress(1));
      assertEquals(0, repair.exit(), repair.out());
      for (int i = 0; i < KEYS; i++) {
        String expected = i < 100 ? "after" + i : i < 150 ? null : "v" + i;
        for (int via = 0; via < 3; via++) {
          assertEquals(expected, valueOf(c, via, "key" + i, Kv.Consistency.QUORUM), "key" + i + " at QUORUM through node" + (via + 1));
        }
        // repaired: node2 alone answers as the cluster does, deleted keys stay deleted
        assertEquals(expected, valueOf(c, 1, "key" + i, Kv.Consistency.ONE), "key" + i + " at ONE through the restored node2");
      }

      // the whole cluster from the snapshot: first a damaged copy and another node's, refused
      for (int i = 0; i < 3; i++) {
        c.terminate(i);
      }
      Path data1 = Path.of(c.config(0).getString("dataDir"));
      byte[] before = Files.readAllBytes(data1.resolve("kv.db"));
      Path damaged = dir.resolve("damaged");
      Files.createDirectories(damaged);
      for (String f : List.of("kv.db", "manifest.json")) {
        Files.copy(data1.resolve("snapshots/nightly").resolve(f), damaged.resolve(f));
      }
      byte[] b = Files.readAllBytes(damaged.resolve("kv.db"));
      b[b.length / 2] ^= 0x10;
      Files.write(damaged.resolve("kv.db"), b);
      KvctlRun refused = restore("-conf", dir.resolve("node1.json").toString(), "--from", damaged.toString());
      assertEquals(1, refused.exit(), refused.out());
      assertTrue(refused.out().contains("is damaged: kv.db does not match its SHA-256"), refused.out());
      KvctlRun other = restore("-conf", dir.resolve("node1.json").toString(), "--from",
          Path.of(c.config(2).getString("dataDir")).resolve("snapshots/nightly").toString());
      assertEquals(1, other.exit(), other.out());
      assertTrue(other.out().contains("holds the data of node 'node3', not of 'node1'"), other.out());
      assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(data1.resolve("kv.db"))), "nothing written by a refused restore");

      for (int i = 0; i < 3; i++) {
        KvctlRun r = restore("-conf", dir.resolve("node" + (i + 1) + ".json").toString(), "--snapshot", "nightly");
        assertEquals(0, r.exit(), r.out());
      }
      for (int i = 0; i < 3; i++) {
        c.start(i);
      }
      c.awaitUp(3);
      for (Map.Entry<String, String> e : atSnapshot.entrySet()) {
        for (int via = 0; via < 3; via++) {
          assertEquals(e.getValue(), valueOf(c, via, e.getKey(), Kv.Consistency.QUORUM), e.getKey() + " through node" + (via + 1));
        }
      }
      for (int i = 0; i < 50; i++) {
        assertEquals(null, valueOf(c, i % 3, "new" + i, Kv.Consistency.QUORUM), "new" + i + " was written after the snapshot");
      }
      // load keys acknowledged before the snapshot began are there, at least as new as then
      for (Map.Entry<String, String> e : loadBefore.entrySet()) {
        String v = valueOf(c, 0, e.getKey(), Kv.Consistency.QUORUM);
        assertFalse(v == null, e.getKey() + " was acknowledged before the snapshot");
        assertTrue(Long.parseLong(v.substring(1)) >= Long.parseLong(e.getValue().substring(1)), e.getKey() + ": " + v + " < " + e.getValue());
      }

      KvctlRun delete = kvctl("snapshot", "delete", "nightly", "--node", c.grpcAddress(0));
      assertEquals(0, delete.exit(), delete.out());
      assertFalse(Files.exists(data1.resolve("snapshots/nightly")));
    }
  }
}
