package kvstore.e2e;

import io.vertx.grpc.client.GrpcClient;
import kv.Kv;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.rpc.PeerClients;
import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One replica's dataDir on a 24 MB tmpfs under QUORUM writes of 48 KB values: it fills, the node
 * stays up and says so once, writes are acknowledged by the other two and hinted, reads go on,
 * a kill -9 and a restart while full work, and once the tmpfs grows it catches up by itself.
 */
class DiskFullIT {
  @TempDir
  Path dir;

  private static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    int rc = p.waitFor();
    if (rc != 0) {
      System.out.println(String.join(" ", cmd) + ": " + out.trim());
    }
    return rc;
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aFullDiskOnOneReplicaLosesNoAcknowledgedWriteAndRecoversByItself() throws Exception {
    Path small = dir.resolve("small");
    Files.createDirectories(small);
    boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", small.toString()) == 0;
    if (!mounted) {
      System.out.println("DiskFullIT skipped: cannot mount a tmpfs at " + small + " (needs root and mount)");
    }
    Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here (needs root)");
    try {
      check(small);
    } finally {
      run("umount", "-l", small.toString());
    }
  }

  private void check(Path small) throws Exception {
    // anti-entropy on: a write the full node coordinated itself could not be hinted there, and
    // anti-entropy is what brings it back
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> {
      cfg.put("antiEntropyIntervalMs", 3000);
      if (i == 2) {
        cfg.put("dataDir", small.resolve("data3").toString());
      }
    }).start()) {
      String value = "x".repeat(48 * 1024);
      Map<String, String> acked = new LinkedHashMap<>();
      int extra = -1;
      for (int i = 0; i < 3000 && extra < 100; i++) {
        String k = "key" + i;
        String v = i + value;
        assertTrue(c.client(i % 2).put(k, v, Kv.Consistency.QUORUM).getOk(), "a QUORUM write with one replica full");
        acked.put(k, v);
        if (extra >= 0) {
          extra++;
        } else if (i % 20 == 0 && diskFull(c, 2)) {
          extra = 0;
        }
      }
      assertTrue(extra >= 0, "node3's disk filled: " + metricLines(c, 2));
      long t0 = System.nanoTime();
      // reads go on through the full node, and its own write fails with a status that names the disk
      for (String k : acked.keySet().stream().limit(50).toList()) {
        assertEquals(acked.get(k), c.client(2).get(k, Kv.Consistency.QUORUM).getValue());
      }
      assertTrue(c.client(2).put("through-node3", value, Kv.Consistency.QUORUM).getOk(), "QUORUM through the full node");
      acked.put("through-node3", value);
      // on a full disk SQLite still fits a commit now and then into pages freed inside its file, so
      // an ALL write may succeed; of a few large ones, one fails, naming the disk
      String allFailure = null;
      for (int i = 0; i < 50 && allFailure == null; i++) {
        Kv.PutRequest all = Kv.PutRequest.newBuilder().setKey("all-through-node3-" + i).setValue(value).setConsistency(Kv.Consistency.ALL).build();
        String message = c.client(2).putStatusMessage(all);
        if (message == null || message.isEmpty()) {
          acked.put(all.getKey(), value);
        } else {
          allFailure = message;
        }
      }
      assertTrue(allFailure != null && allFailure.contains("is full"), "ALL through the full node fails naming its disk: " + allFailure);
      KvctlRun status = KvctlRun.of(60, "status", "--node", c.grpcAddress(0));
      assertTrue(status.out().contains("node3: DISK FULL"), status.out());
      String log = c.log(2);
      assertTrue(log.contains("is full ("), log);
      long fullLines = log.lines().filter(l -> l.contains("ERROR") && l.contains("is full")).count();
      long seconds = Math.max(1, (System.nanoTime() - t0) / 1_000_000_000L);
      long checkpointWarns = log.lines().filter(l -> l.contains("WAL checkpoint failed")).count();
      assertTrue(fullLines <= 3, "one ERROR when the disk fills, not one per write: " + fullLines);
      assertTrue(checkpointWarns <= seconds / 10 + 20, checkpointWarns + " checkpoint warnings in about " + seconds + " s");
      assertTrue(!log.contains("RECIPIENT_FAILURE") && !log.contains("unhandled exception"), log);

      // a kill -9 and a restart while the disk is still full; writes go on and find it full again
      c.kill(2);
      c.start(2);
      c.awaitUp(3);
      for (int i = 0; i < 400 && !diskFull(c, 2); i++) {
        String k = "after-restart" + i;
        assertTrue(c.client(i % 2).put(k, value, Kv.Consistency.QUORUM).getOk());
        acked.put(k, value);
      }
      assertTrue(diskFull(c, 2), "the restarted node finds its disk full: " + metricLines(c, 2));
      // room again: the node resumes by itself, the hints kept for it are delivered
      assertEquals(0, run("mount", "-o", "remount,size=1g", small.toString()));
      Await.until("node3 to say its disk has room again", Duration.ofSeconds(60), () -> c.log(2).contains("has room again"));
      awaitNoHints(c);
      GrpcClient peers = GrpcClient.client(c.clientVertxForTools());
      try {
        ReplicaGrpcClient node3 = ReplicaGrpcClient.create(peers, PeerClients.address("127.0.0.1:" + c.config(2).getInteger("peerPort")));
        List<String> missing = new ArrayList<>();
        Await.until("node3 to hold every acknowledged key (hints, then anti-entropy)", Duration.ofSeconds(120), () -> {
          missing.clear();
          for (Map.Entry<String, String> e : acked.entrySet()) {
            ReplicaProto.ReadResult r = node3.read(ReplicaProto.ReadRequest.newBuilder().setKey(e.getKey()).build()).await();
            if (!r.getPresent() || !r.getRow().getValue().toStringUtf8().equals(e.getValue())) {
              missing.add(e.getKey());
            }
          }
          return missing.isEmpty();
        }, () -> "node3 misses " + missing.size() + " of " + acked.size() + " keys, e.g. "
            + missing.subList(0, Math.min(10, missing.size())) + "\nnode3's log:\n" + c.log(2).lines()
            .filter(l -> !l.contains("DEBUG")).skip(Math.max(0, c.log(2).lines().count() - 60)).collect(java.util.stream.Collectors.joining("\n")));
      } finally {
        peers.close().await();
      }
      for (Map.Entry<String, String> e : acked.entrySet()) {
        assertEquals(e.getValue(), c.client(0).get(e.getKey(), Kv.Consistency.ALL).getValue(), e.getKey());
      }
    }
  }

  private static String metricLines(ProcessCluster c, int i) {
    String body = Http.send("GET", c.config(i).getInteger("httpPort"), "/metrics", null, null).body();
    return String.join("\n", body.lines().filter(l -> l.startsWith("kv_storage_disk_full")).toList());
  }

  private static boolean diskFull(ProcessCluster c, int i) {
    return metricLines(c, i).lines().anyMatch(l -> l.endsWith(" 1.0"));
  }

  private static void awaitNoHints(ProcessCluster c) {
    GrpcClient peers = GrpcClient.client(c.clientVertxForTools());
    try {
      for (int i : new int[] {0, 1}) {
        ReplicaGrpcClient r = ReplicaGrpcClient.create(peers, PeerClients.address("127.0.0.1:" + c.config(i).getInteger("peerPort")));
        Await.until("node" + (i + 1) + " to deliver its hints to node3", Duration.ofSeconds(120), () ->
            r.status(ReplicaProto.StatusRequest.getDefaultInstance()).await().getHintsPendingMap().getOrDefault("node3", 0L) == 0);
      }
    } finally {
      peers.close().await();
    }
  }
}
