package kvstore.e2e;

import io.vertx.grpc.client.GrpcClient;
import kv.Kv;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.rpc.PeerClients;
import kvstore.testing.Await;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member that lost its disk and restarts with its old config (a wiped dataDir; a pod that lost
 * its volume) streams its ranges back before it serves: reads at ONE through it never miss, while
 * it catches up and after.
 */
class LostDiskIT {
  private static final int KEYS = 1500;
  @TempDir
  Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aWipedSeedRestartedUnderItsOldIdStreamsItsRangesBeforeItServes() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      for (int i = 0; i < KEYS; i++) {
        assertTrue(c.client(i % 3).put("key" + i, "v" + i, Kv.Consistency.ALL).getOk());
      }
      c.kill(2);
      wipe(Path.of(c.config(2).getString("dataDir")));
      c.start(2);
      // reads at ONE through the node while it streams, and after
      AtomicBoolean replaced = new AtomicBoolean();
      AtomicLong reads = new AtomicLong();
      List<String> misses = new ArrayList<>();
      Thread reader = new Thread(() -> {
        int k = 0;
        while (!replaced.get()) {
          String key = "key" + (k++ % KEYS);
          try {
            Kv.GetResponse r = c.client(2).get(key, Kv.Consistency.ONE);
            reads.incrementAndGet();
            if (!r.getFound()) {
              synchronized (misses) {
                misses.add(key);
              }
            }
          } catch (RuntimeException e) {
            synchronized (misses) {
              misses.add(key + ": " + e.getMessage());
            }
          }
        }
      }, "reader");
      reader.start();
      Await.until("node3 to stream its ranges back", Duration.ofSeconds(120), () -> c.log(2).contains("[REPLACE] done"));
      replaced.set(true);
      reader.join(30_000);
      assertTrue(c.log(2).contains("this node's dataDir is empty, but"), c.log(2));
      assertTrue(reads.get() > 0, "the reader ran");
      assertEquals(List.of(), misses.subList(0, Math.min(20, misses.size())), misses.size() + " of " + reads.get()
          + " reads at ONE through node3 missed while it streamed");
      Await.until("node3 NORMAL everywhere", Duration.ofSeconds(30), () ->
          List.of(0, 1, 2).stream().allMatch(o -> c.stateSeenBy(o, "node3").equals("NORMAL") && c.statusSeenBy(o, "node3").equals("UP")));
      GrpcClient peers = GrpcClient.client(c.clientVertxForTools());
      try {
        ReplicaGrpcClient node3 = ReplicaGrpcClient.create(peers, PeerClients.address("127.0.0.1:" + c.config(2).getInteger("peerPort")));
        int held = 0;
        for (int i = 0; i < KEYS; i++) {
          if (node3.read(ReplicaProto.ReadRequest.newBuilder().setKey("key" + i).build()).await().getPresent()) {
            held++;
          }
        }
        assertEquals(KEYS, held, "rows node3 holds again");
      } finally {
        peers.close().await();
      }
      for (int i = 0; i < KEYS; i++) {
        assertEquals("v" + i, c.client(2).get("key" + i, Kv.Consistency.ONE).getValue(), "key" + i + " at ONE through node3");
      }
    }
  }

  /**
   * A truncated file, overwritten pages, a write-ahead log lost after a kill -9: the node refuses
   * to start with one line naming the file and the fix, and an empty dataDir rebuilds it.
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aDamagedDatabaseIsRefusedWithOneLineAndAnEmptyDataDirRebuildsIt() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      String value = "x".repeat(1000);
      for (int i = 0; i < KEYS; i++) {
        assertTrue(c.client(i % 3).put("key" + i, value + i, Kv.Consistency.ALL).getOk());
      }
      c.terminate(2);
      Path data = Path.of(c.config(2).getString("dataDir"));
      Path db = data.resolve("kv.db");
      byte[] good = Files.readAllBytes(db);

      Files.write(db, java.util.Arrays.copyOf(good, good.length / 2));
      assertRefused(c, "is damaged");
      byte[] garbage = good.clone();
      byte[] noise = new byte[64 * 1024];
      new java.util.Random(7).nextBytes(noise);
      System.arraycopy(noise, 0, garbage, good.length / 2, Math.min(noise.length, good.length - good.length / 2));
      Files.write(db, garbage);
      assertRefused(c, "is damaged");

      Files.write(db, good);
      c.start(2);
      c.awaitUp(3);
      for (int i = KEYS; i < KEYS + 200; i++) {
        assertTrue(c.client(i % 3).put("key" + i, value + i, Kv.Consistency.ALL).getOk());
      }
      c.kill(2);
      assertTrue(Files.exists(data.resolve("kv.db-shm")), "a killed node leaves its WAL index");
      Files.deleteIfExists(data.resolve("kv.db-wal"));
      assertRefused(c, "write-ahead log");

      wipe(data);
      c.start(2);
      Await.until("node3 rebuilt from its replicas", Duration.ofSeconds(120), () -> c.log(2).contains("[REPLACE] done"));
      for (int i = 0; i < KEYS + 200; i++) {
        assertEquals(value + i, c.client(2).get("key" + i, Kv.Consistency.ONE).getValue(), "key" + i + " at ONE through node3");
      }
    }
  }

  /** Node3 exits by itself, non-zero, with one line that names its database file and the fix. */
  private static void assertRefused(ProcessCluster c, String cause) throws InterruptedException {
    Process p = c.launch(2);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "node3 must exit by itself");
    assertTrue(p.exitValue() != 0);
    // the log keeps every run of node3: this run's refusal is its last line, and one line
    List<String> lines = c.log(2).lines().filter(l -> !l.isBlank()).toList();
    String last = lines.get(lines.size() - 1);
    assertTrue(last.startsWith("cannot start node node3: ") && last.contains(cause) && last.contains("kv.db") && last.contains("empty dataDir"),
        String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
  }

  @Test
  void aNewClustersFirstSeedStartsAtOnce() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { })) {
      long t0 = System.nanoTime();
      c.start(0);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(c.log(0).contains("no other seed is running"), c.log(0));
      assertTrue(ms < 20_000, "the first seed of a new cluster does not wait for the others: " + ms + " ms");
    }
  }

  private static void wipe(Path p) throws IOException {
    try (Stream<Path> all = Files.walk(p)) {
      for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
