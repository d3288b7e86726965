package kvstore.ops;

import io.vertx.core.json.JsonObject;
import kvstore.cli.Kvctl;
import kvstore.testing.InProcessCluster;
import org.junit.jupiter.api.Test;

import java.util.List;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kvctl subcommands and bench against a running cluster, as an operator runs them. */
class KvctlTest {
  @TempDir
  Path dir;

  private record Run(int exit, String out, String err) {
  }

  private static synchronized Run kvctl(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true));
      System.setErr(new PrintStream(err, true));
      int exit = Kvctl.run(args);
      return new Run(exit, out.toString(), err.toString());
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void everySubcommandWorksAgainstALiveCluster() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      String node = "127.0.0.1:" + c.config(1).getInteger("grpcPort");
      assertEquals(0, kvctl("put", "user:1", "ada", "--node", node, "--consistency", "ALL").exit());
      Run get = kvctl("get", "user:1", "--node", node, "--verbose");
      assertEquals(0, get.exit());
      assertTrue(get.out().startsWith("ada"), get.out());
      assertTrue(get.out().contains("coordinator=node2"), get.out());

      assertEquals(0, kvctl("put", "session:9", "tok", "--node", node, "--ttl", "1h").exit());
      Run ttl = kvctl("get", "session:9", "--node", node, "--verbose");
      assertTrue(ttl.out().contains("expires_at="), ttl.out());
      Run badTtl = kvctl("put", "session:9", "tok", "--node", node, "--ttl", "soon");
      assertEquals(2, badTtl.exit());
      assertTrue(badTtl.err().contains("'soon' is not a duration"), badTtl.err());
      Run mget = kvctl("mget", "user:1", "nobody", "session:9", "--node", node);
      assertEquals(1, mget.exit(), "one key is not found");
      assertEquals(List.of("user:1\tada", "nobody\t(not found)", "session:9\ttok"), mget.out().lines().toList());

      Run claim = kvctl("cas", "lock:1", "alice", "--expect-absent", "--node", node);
      assertEquals(0, claim.exit(), claim.err());
      assertTrue(claim.out().startsWith("APPLIED modified_at="), claim.out());
      Run taken = kvctl("cas", "lock:1", "bob", "--expect-absent", "--node", node);
      assertEquals(3, taken.exit(), "the condition did not hold");
      assertTrue(taken.out().contains("NOT APPLIED: current value alice"), taken.out());
      String version = claim.out().trim().substring("APPLIED modified_at=".length());
      assertEquals(0, kvctl("cas", "lock:1", "bob", "--expect-version", version, "--node", node).exit());
      assertEquals(0, kvctl("cas", "lock:1", "--delete", "--expect", "bob", "--node", node).exit());
      Run serial = kvctl("get", "lock:1", "--consistency", "serial", "--node", node);
      assertEquals(1, serial.exit(), "deleted, seen at SERIAL");
      Run twoConditions = kvctl("cas", "lock:1", "x", "--expect", "a", "--expect-absent", "--node", node);
      assertEquals(2, twoConditions.exit());
      assertTrue(twoConditions.err().contains("mutually exclusive"), twoConditions.err());

      Run status = kvctl("status", "--node", node);
      assertEquals(0, status.exit(), status.err());
      for (String n : new String[] {"node1", "node2", "node3"}) {
        assertTrue(status.out().lines().anyMatch(l -> l.startsWith(n) && l.contains("UP")), status.out());
      }
      Run ring = kvctl("ring", "--node", node);
      assertEquals(0, ring.exit());
      assertTrue(ring.out().contains("RF 3") && ring.out().contains("100.00%"), ring.out());

      Run where = kvctl("where", "user:1", "--node", node);
      assertEquals(0, where.exit(), where.out());
      assertEquals(3, where.out().lines().filter(l -> l.startsWith("node") && l.contains("false")).count(), where.out());

      Run repair = kvctl("repair", "--node", node);
      assertEquals(0, repair.exit(), repair.err());
      assertTrue(repair.out().contains("rows exchanged"), repair.out());

      assertEquals(0, kvctl("delete", "user:1", "--node", node).exit());
      Run gone = kvctl("get", "user:1", "--node", node);
      assertEquals(1, gone.exit());
      assertTrue(gone.err().contains("not found"));

      // failures carry the server's words, not only a status code
      Run empty = kvctl("put", "", "v", "--node", node);
      assertEquals(1, empty.exit());
      assertTrue(empty.err().contains("INVALID_ARGUMENT: key must not be empty"), empty.err());
      Run stranger = kvctl("repair", "--node", node, "--peer", "nosuch");
      assertEquals(1, stranger.exit());
      assertTrue(stranger.err().contains("unknown peer 'nosuch'"), stranger.err());

      assertNotEquals(0, kvctl("get", "x", "--node", node, "--consistency", "MOST").exit());
      assertNotEquals(0, kvctl("get", "x", "--node", "127.0.0.1:1").exit(), "an unreachable node is a failure");
      assertNotEquals(0, kvctl("frobnicate").exit());
      assertEquals(0, kvctl("bench", "--help").exit());
    }
  }

  @Test
  void benchPrintsProgressAndASummaryAndWritesJson() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      String targets = "127.0.0.1:" + c.config(0).getInteger("grpcPort") + ",127.0.0.1:" + c.config(1).getInteger("grpcPort");
      Path json = dir.resolve("bench.json");
      Run r = kvctl("bench", "--targets", targets, "--op", "mixed", "--read-ratio", "0.5", "--concurrency", "8",
          "--duration", "3s", "--warmup", "0s", "--keys", "500", "--distribution", "zipfian", "--preload", "--json", json.toString());
      assertEquals(0, r.exit(), r.out() + r.err());
      assertTrue(r.out().lines().filter(l -> l.contains("ops/s  errors=")).count() >= 2, "one progress line per second: " + r.out());
      assertTrue(r.out().contains("latency ms: p50="), r.out());
      JsonObject result = new JsonObject(Files.readString(json));
      assertTrue(result.getLong("ok") > 0);
      assertEquals(0, result.getJsonObject("errors").size(), result.encode());
      for (String p : new String[] {"p50", "p90", "p99", "p999", "max"}) {
        assertTrue(result.getJsonObject("latencyMs").getDouble(p) > 0, p);
      }
      assertEquals("mixed", result.getString("op"));
    }
  }

  /**
   * Open loop: requests start on schedule whatever the answers do, and latency counts from the
   * intended start. At a rate one request in flight can keep up with, the achieved rate is the
   * intended one; at a rate it cannot, requests queue behind the cap and the wait shows in the
   * percentiles (a closed-loop run at the same concurrency hides it: coordinated omission).
   */
  @Test
  void openLoopKeepsItsScheduleAndCountsTheWaitBehindASlowServer() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)).start()) {
      String target = "127.0.0.1:" + c.config(0).getInteger("grpcPort");
      Path easy = dir.resolve("easy.json");
      Run r = kvctl("bench", "--targets", target, "--op", "get", "--rate", "200", "--concurrency", "64", "--duration", "3s",
          "--warmup", "1s", "--keys", "100", "--json", easy.toString());
      assertEquals(0, r.exit(), r.out() + r.err());
      assertTrue(r.out().contains("open-loop at 200/s intended"), r.out());
      JsonObject e = new JsonObject(Files.readString(easy));
      assertEquals("open-loop", e.getString("mode"));
      assertEquals(200.0, e.getDouble("intendedOpsPerSec"));
      assertTrue(e.getLong("opsPerSec") >= 180 && e.getLong("opsPerSec") <= 205, "achieved about the intended rate: " + e.encode());

      Path closed = dir.resolve("closed.json");
      assertEquals(0, kvctl("bench", "--targets", target, "--op", "put", "--concurrency", "1", "--duration", "2s", "--warmup", "1s",
          "--keys", "100", "--json", closed.toString()).exit());
      JsonObject cl = new JsonObject(Files.readString(closed));
      double perSec = cl.getDouble("opsPerSec");
      Path over = dir.resolve("over.json");
      // twice what one request in flight achieves: a backlog grows for the whole run
      assertEquals(0, kvctl("bench", "--targets", target, "--op", "put", "--rate", String.valueOf((long) (2 * perSec)),
          "--concurrency", "1", "--duration", "2s", "--warmup", "0s", "--keys", "100", "--json", over.toString()).exit());
      JsonObject o = new JsonObject(Files.readString(over));
      double closedP99 = cl.getJsonObject("latencyMs").getDouble("p99");
      double openP99 = o.getJsonObject("latencyMs").getDouble("p99");
      assertTrue(o.getDouble("opsPerSec") < 0.8 * 2 * perSec, "the server cannot keep up: " + o.encode());
      assertTrue(openP99 > 10 * closedP99 && openP99 > 200, "the queueing shows: open p99 " + openP99 + " ms, closed p99 " + closedP99 + " ms");
      assertTrue(o.getDouble("maxStartLagMs") > 200, o.encode());
    }
  }
}
