package kvstore.e2e;

import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Moves that fail half-way: a decommission whose target dies is aborted (the node is NORMAL again)
 * or retried once the target is back; a node killed while it joins resumes its join on restart, or
 * is removed at once if it never comes back. Nothing acknowledged is lost on the way.
 */
class MoveRecoveryIT {
  private static final int KEYS = 3000;
  @TempDir
  Path dir;

  private static ProcessCluster cluster(Path dir, int n) {
    return new ProcessCluster(dir, n, (i, cfg) -> cfg.put("failureDetectorPauseMs", 300).put("failureDetectorMinStdDevMs", 100)
        .put("streamRowsPerSec", 300));
  }

  private static void writeKeys(ProcessCluster c, int nodes) {
    for (int i = 0; i < KEYS; i++) {
      assertTrue(c.client(i % nodes).put("key" + i, "v" + i, Kv.Consistency.QUORUM).getOk());
    }
  }

  private static void allReadable(ProcessCluster c, List<Integer> through) {
    for (int i = 0; i < KEYS; i++) {
      assertEquals("v" + i, c.client(through.get(i % through.size())).get("key" + i, Kv.Consistency.QUORUM).getValue(), "key" + i);
    }
  }

  /** Starts kvctl decommission of node i, waits until it streams, kills node3, and returns the failed attempt's output. */
  private static String decommissionThatLosesItsTarget(ProcessCluster c, int i) throws Exception {
    Process kvctl = new ProcessBuilder(KvctlRun.command("kvctl", "decommission", "--node", c.grpcAddress(i))).redirectErrorStream(true).start();
    int before = (int) c.log(i).lines().filter(l -> l.contains("[DECOMMISSION] streaming")).count();
    Await.until("node" + (i + 1) + " to stream", Duration.ofSeconds(60),
        () -> c.log(i).lines().filter(l -> l.contains("[DECOMMISSION] streaming")).count() > before);
    c.kill(2);
    assertTrue(kvctl.waitFor(120, TimeUnit.SECONDS), "the decommission ends once its target is gone");
    String out = new String(kvctl.getInputStream().readAllBytes());
    assertNotEquals(0, kvctl.exitValue(), out);
    return out;
  }

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void aDecommissionWhoseTargetDiesIsAbortedOrRetried() throws Exception {
    try (ProcessCluster c = cluster(dir, 4).start()) {
      writeKeys(c, 4);
      decommissionThatLosesItsTarget(c, 3);
      KvctlRun status = KvctlRun.of(60, "status", "--node", c.grpcAddress(0));
      assertTrue(status.out().contains("node4 is LEAVING and its decommission failed"), status.out());
      // another change is refused, and says how to end this one
      KvctlRun other = KvctlRun.of(60, "cleanup", "--node", c.grpcAddress(0));
      assertNotEquals(0, other.exit());
      assertTrue(other.out().contains("node4 is LEAVING") && other.out().contains("--abort"), other.out());

      KvctlRun abort = KvctlRun.of(60, "decommission", "--abort", "--node", c.grpcAddress(3));
      assertEquals(0, abort.exit(), abort.out());
      Await.until("node4 NORMAL again", Duration.ofSeconds(30), () ->
          List.of(0, 1, 3).stream().allMatch(o -> c.stateSeenBy(o, "node4").equals("NORMAL")));
      allReadable(c, List.of(0, 1, 3));

      // again, and this time retried once the target is back
      c.start(2);
      c.awaitUp(4);
      decommissionThatLosesItsTarget(c, 3);
      c.start(2);
      c.awaitUp(4);
      KvctlRun retry = KvctlRun.of(300, "decommission", "--node", c.grpcAddress(3));
      assertEquals(0, retry.exit(), retry.out());
      Await.until("node4 LEFT", Duration.ofSeconds(30), () ->
          List.of(0, 1, 2).stream().allMatch(o -> c.statusSeenBy(o, "node4").equals("LEFT")));
      allReadable(c, List.of(0, 1, 2));
    }
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aNodeKilledWhileJoiningResumesOnRestartOrIsRemovedAtOnce() throws Exception {
    try (ProcessCluster c = cluster(dir, 5).seedsFirst(3)) {
      for (int i = 0; i < 3; i++) {
        c.start(i);
      }
      c.awaitUp(3);
      writeKeys(c, 3);
      c.launch(3);
      Await.until("node4 to stream", Duration.ofSeconds(60), () -> c.log(3).contains("[BOOTSTRAP] streaming"));
      c.kill(3);
      c.launch(3);
      Await.until("node4 to finish its join after the restart", Duration.ofSeconds(180), () -> c.log(3).contains("[BOOTSTRAP] done"));
      Await.until("node4 NORMAL everywhere", Duration.ofSeconds(30), () ->
          List.of(0, 1, 2, 3).stream().allMatch(o -> c.stateSeenBy(o, "node4").equals("NORMAL")));
      allReadable(c, List.of(3));

      // node5 dies while joining and never comes back: removing it takes no streaming
      c.launch(4);
      Await.until("node5 to stream", Duration.ofSeconds(60), () -> c.log(4).contains("[BOOTSTRAP] streaming"));
      c.kill(4);
      Await.until("node5 DOWN", Duration.ofSeconds(30), () -> c.statusSeenBy(0, "node5").equals("DOWN"));
      KvctlRun remove = KvctlRun.of(120, "removenode", "node5", "--node", c.grpcAddress(0));
      assertEquals(0, remove.exit(), remove.out());
      assertTrue(remove.out().contains("never finished"), remove.out());
      KvctlRun cleanup = KvctlRun.of(120, "cleanup", "--node", c.grpcAddress(0));
      assertEquals(0, cleanup.exit(), "no move blocks the next change: " + cleanup.out());
      allReadable(c, List.of(0, 1, 2, 3));
    }
  }
}
