package kvstore.e2e;

import io.vertx.core.json.JsonObject;
import kvstore.testing.Await;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rolling restart (SIGTERM, start, wait until every node sees it UP, next node) of all three
 * nodes of a real cluster while {@code kvctl bench --op mixed} runs at QUORUM against all three:
 * the only errors are those of the node being restarted (its connection refused while it is
 * down, and calls in flight on it when it stopped).
 */
class RollingRestartIT {
  private static final int CONCURRENCY = 16;
  @TempDir
  Path dir;

  /** Seconds the bench has reported so far (one progress line each). */
  private static long seconds(Path out) {
    try {
      return Files.exists(out) ? Files.readString(out).lines().filter(l -> l.contains("ops/s  errors=")).count() : 0;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aRollingRestartUnderLoadFailsOnlyTheCallsOfTheNodeBeingRestarted() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("failureDetectorPauseMs", 300)
        .put("failureDetectorMinStdDevMs", 100)).start()) {
      Path out = dir.resolve("bench.log");
      Path json = dir.resolve("bench.json");
      List<String> cmd = KvctlRun.command("kvctl", "bench", "--op", "mixed", "--read-ratio", "0.5",
          "--targets", c.grpcAddress(0) + "," + c.grpcAddress(1) + "," + c.grpcAddress(2), "--consistency", "QUORUM",
          "--concurrency", Integer.toString(CONCURRENCY), "--connections", "1", "--keys", "5000", "--warmup", "0s",
          "--duration", "300s", "--json", json.toString());
      Process bench = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      try {
        Await.until("the bench to report its first second", Duration.ofSeconds(30), () -> seconds(out) > 0);
        for (int i = 0; i < 3; i++) {
          c.terminate(i);
          c.start(i);
          c.awaitUp(3);
          int n = i;
          // one more second of load with every node up before the next one goes
          long seen = seconds(out);
          Await.until("a second of load after node" + (n + 1) + " is back", Duration.ofSeconds(30), () -> seconds(out) > seen + 1);
        }
      } finally {
        // SIGTERM ends the bench early; it still writes its result
        bench.destroy();
        assertTrue(bench.waitFor(60, TimeUnit.SECONDS), "bench stopped");
      }
      assertTrue(Files.exists(json), "bench wrote its result: " + Files.readString(out));
      JsonObject result = new JsonObject(Files.readString(json));
      JsonObject errors = result.getJsonObject("errors");
      long refused = 0;
      long inFlight = 0;
      for (String kind : errors.fieldNames()) {
        long n = errors.getLong(kind);
        if (kind.startsWith("unreachable ")) {
          refused += n;
        } else {
          inFlight += n;
        }
      }
      System.out.printf("rolling restart under bench: %d ok, %d refused while a node was down, %d other errors %s%n",
          result.getLong("ok"), refused, inFlight, errors.encode());
      assertTrue(result.getLong("ok") > 1000, result.encode());
      // each restart can fail at most the calls in flight on that node's connection when it stopped
      assertTrue(inFlight <= 3L * CONCURRENCY, "errors other than the restarted node's refused connections: " + errors.encode());
    }
  }
}
