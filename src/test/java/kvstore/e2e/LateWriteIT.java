package kvstore.e2e;

import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.KvClient;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import kvstore.testing.ReadAfterWrite;
import kvstore.version.ClientClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A write whose client gave up on it (its coordinator was stopped with the request in its socket),
 * then a later write of the same key acknowledged through another node, then the stopped node runs
 * again and reads the old request: the acknowledged value must stay, through every client of ours
 * (client-stamped) and for a raw client that lets the node stamp (the node refuses what it reads
 * right after a stall).
 */
class LateWriteIT {
  @TempDir
  Path dir;

  private static final int CLIENT_TIMEOUT_MS = 1500;

  @Test
  void aWriteItsClientGaveUpOnNeverOverwritesALaterAcknowledgedOne() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      c.awaitUp(3);
      ClientClock stamps = ClientClock.system();
      List<String> keys = List.of("grpc-stamped", "grpc-raw", "http-stamped", "kvctl");
      for (String k : keys) {
        assertTrue(c.client(0).put(k, "before", Kv.Consistency.ALL).getOk());
      }
      KvClient impatient = connectedClient(c, 2);
      c.pause(2);
      // each late write fails at its client: the client gives up and is told so
      List<String> failures = new ArrayList<>();
      failures.add(failureOf(() -> impatient.put(Kv.PutRequest.newBuilder().setKey("grpc-stamped").setValue("late")
          .setConsistency(Kv.Consistency.QUORUM).setTimestampUs(stamps.next()).build())));
      failures.add(failureOf(() -> impatient.put("grpc-raw", "late", Kv.Consistency.QUORUM)));
      failures.add(failureOf(() -> httpPut(c.config(2).getInteger("httpPort"), "http-stamped", "late", stamps.next())));
      // kvctl opens its connection per run: to a stopped node it cannot finish the HTTP/2 handshake,
      // so its write never leaves it; it must still give up at its deadline
      KvctlRun kvctl = KvctlRun.of(60, "put", "kvctl", "late", "--node", c.grpcAddress(2), "--timeout-ms", "" + CLIENT_TIMEOUT_MS);
      failures.add(kvctl.exit() != 0 ? kvctl.out().trim() : null);
      for (int i = 0; i < failures.size(); i++) {
        assertTrue(failures.get(i) != null, keys.get(i) + ": the write through the stopped node must fail at its client");
      }
      // a later write of each key, acknowledged through a running node
      Map<String, String> acked = new LinkedHashMap<>();
      for (String k : keys) {
        String v = "acked-" + k;
        Kv.PutRequest.Builder req = Kv.PutRequest.newBuilder().setKey(k).setValue(v).setConsistency(Kv.Consistency.QUORUM);
        if (!k.equals("grpc-raw")) {
          req.setTimestampUs(stamps.next());
        }
        assertTrue(c.client(1).put(req.build()).getOk());
        acked.put(k, v);
      }
      c.resume(2);
      // node3 reads the requests it held (gRPC and HTTP both count as Put) and answers each
      Await.until("node3 to answer the three writes it held", Duration.ofSeconds(30), () -> putsAnswered(c, 2) >= 3);
      String metrics = metrics(c, 2);
      assertTrue(metrics.contains("status=\"UNAVAILABLE\""), "the raw write read after the stall was refused:\n" + putLines(metrics));
      for (Map.Entry<String, String> e : acked.entrySet()) {
        for (int n = 0; n < 3; n++) {
          Kv.GetResponse r = c.client(n).get(e.getKey(), Kv.Consistency.ONE);
          assertEquals(e.getValue(), r.getValue(), e.getKey() + " at ONE through node" + (n + 1));
        }
      }
      assertTrue(c.log(2).contains("was stalled for"), "node3 says it was stalled");
      assertFalse(c.log(2).contains("unhandled exception"), "no unhandled error when node3 answers streams its clients gave up on:\n"
          + c.log(2).lines().filter(l -> l.contains("unhandled")).limit(5).toList());
    }
  }

  /** The hazard the rule above closes: with the stall check off, a raw client's late write wins. */
  @Test
  void withoutTheStallCheckARawLateWriteOverwritesTheAcknowledgedOne() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("stallRefuseMs", 0)).start()) {
      c.awaitUp(3);
      KvClient impatient = connectedClient(c, 2);
      c.pause(2);
      assertNotEquals(null, failureOf(() -> impatient.put("k", "late", Kv.Consistency.QUORUM)));
      assertTrue(c.client(1).put("k", "acked", Kv.Consistency.QUORUM).getOk());
      c.resume(2);
      Await.until("node3 to answer the write it held", Duration.ofSeconds(30), () -> putsAnswered(c, 2) >= 1);
      Await.until("the late write on a quorum", Duration.ofSeconds(10),
          () -> c.client(0).get("k", Kv.Consistency.QUORUM).getValue().equals("late"));
    }
  }

  /** A client of node i with a short deadline, its connection open (the deadline runs from the stream's start). */
  static KvClient connectedClient(ProcessCluster c, int i) {
    KvClient k = new KvClient(c.clientVertxForTools(), c.host(i), c.config(i).getInteger("grpcPort"), CLIENT_TIMEOUT_MS);
    k.get("warm-up", Kv.Consistency.ONE);
    return k;
  }

  /**
   * A seeded random schedule of SIGSTOP pauses (one node at a time, 0.3-3 s, the node resumed
   * before the next) while three writers write increasing versions of their own keys through
   * random nodes, client-stamped with a 1.5 s deadline, and two readers check at QUORUM that a read
   * begun after version n was acknowledged returns n or later. KV_SCHEDULE_SEED replays a schedule;
   * KV_SCHEDULE_RAW=true writes without client stamps (the stall check alone guards them), and
   * KV_SCHEDULE_STALL_CHECK=false turns that check off too, to show the hazard (expected to fail).
   */
  @Test
  void aSeededScheduleOfPausesNeverReturnsAnOlderVersionThanOneAcknowledged() throws Exception {
    long seed = Long.parseLong(System.getenv().getOrDefault("KV_SCHEDULE_SEED", Long.toString(System.nanoTime() % 100_000)));
    System.out.println("[LateWriteIT] pause schedule seed " + seed + " (KV_SCHEDULE_SEED=" + seed + " replays it)");
    boolean raw = Boolean.parseBoolean(System.getenv().getOrDefault("KV_SCHEDULE_RAW", "false"));
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("failureDetectorPauseMs", 300)
        .put("failureDetectorMinStdDevMs", 100)
        .put("stallRefuseMs", Boolean.parseBoolean(System.getenv().getOrDefault("KV_SCHEDULE_STALL_CHECK", "true")) ? 1000 : 0)).start()) {
      c.awaitUp(3);
      List<KvClient> clients = new ArrayList<>();
      for (int n = 0; n < 3; n++) {
        clients.add(connectedClient(c, n));
      }
      ReadAfterWrite load = new ReadAfterWrite(clients, seed, !raw).start(3, 2);
      java.util.Random schedule = load.schedule();
      long end = System.nanoTime() + 30_000_000_000L;
      int pauses = 0;
      while (System.nanoTime() < end) {
        int victim = schedule.nextInt(3);
        c.pause(victim);
        Thread.sleep(300 + schedule.nextInt(2700));
        c.resume(victim);
        pauses++;
        Thread.sleep(500 + schedule.nextInt(1500));
      }
      load.stop();
      assertConsistent(c, load, seed, pauses + " pauses");
    }
  }

  /** No stale read during the schedule, and every key at its last acknowledged version or later through every node after it. */
  static void assertConsistent(ProcessCluster c, ReadAfterWrite load, long seed, String schedule) {
    System.out.println("[schedule] seed " + seed + ": " + schedule + ", " + load.ackedWrites() + " acknowledged writes, " + load.reads()
        + " QUORUM reads, " + load.stale().size() + " stale");
    assertTrue(load.ackedWrites() > 50 && load.reads() > 50, "the load ran: " + load.ackedWrites() + " writes, " + load.reads() + " reads");
    List<String> stale = load.stale();
    assertEquals(List.of(), stale.subList(0, Math.min(20, stale.size())), "seed " + seed + ": " + stale.size() + " stale reads");
    for (Map.Entry<String, Long> e : load.acked().entrySet()) {
      for (int n = 0; n < c.size(); n++) {
        Kv.GetResponse g = c.client(n).get(e.getKey(), Kv.Consistency.QUORUM);
        assertTrue(g.getFound() && Long.parseLong(g.getValue()) >= e.getValue(),
            "seed " + seed + ": " + e.getKey() + " through node" + (n + 1) + " read " + g.getValue() + ", acknowledged " + e.getValue());
      }
    }
  }

  private static String failureOf(Runnable call) {
    try {
      call.run();
      return null;
    } catch (RuntimeException e) {
      return String.valueOf(e.getMessage());
    }
  }

  private static void httpPut(int port, String key, String value, long stampUs) {
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/kv/" + key + "?timestampUs=" + stampUs))
          .timeout(Duration.ofMillis(CLIENT_TIMEOUT_MS)).PUT(HttpRequest.BodyPublishers.ofString(value)).build();
      HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + r.statusCode());
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("gave up: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String metrics(ProcessCluster c, int i) {
    return Http.send("GET", c.config(i).getInteger("httpPort"), "/metrics", null, null).body();
  }

  private static String putLines(String metrics) {
    return String.join("\n", metrics.lines().filter(l -> l.startsWith("kv_rpc_requests_total") && l.contains("method=\"Put\"")).toList());
  }

  /** Put requests node i has answered, whatever their status. */
  private static long putsAnswered(ProcessCluster c, int i) {
    return putLines(metrics(c, i)).lines().mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }
}
