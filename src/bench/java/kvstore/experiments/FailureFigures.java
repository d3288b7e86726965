package kvstore.experiments;

import io.vertx.core.json.JsonObject;
import kv.Kv;
import kvstore.bench.BenchResult;
import kvstore.bench.BenchSettings;
import kvstore.bench.LoadGenerator;
import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.ProcessCluster;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The failure figures of the README, from real processes (gossip every 1 s, anti-entropy off so
 * only hints can heal): detection time of a kill -9, then a node down for DOWN_SECONDS under a put
 * load, restarted; time until it holds every write it missed, hints it received, replay rate.
 *
 * <p>Run: {@code mvn -q -DskipTests package test-compile && java -cp target/test-classes:target/node.jar kvstore.experiments.FailureFigures [downSeconds]}
 */
public final class FailureFigures {
  public static void main(String[] args) throws Exception {
    int downSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    Path dir = Files.createTempDirectory("kv-failure-figures");
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("gossipIntervalMs", 1000)).start()) {
      List<String> targets = List.of(c.grpcAddress(0), c.grpcAddress(1));
      BenchSettings load = new BenchSettings(targets, "put", 0, 16, (downSeconds + 25) * 1000L, 0, 0, 1_000_000,
          "uniform", 100, Kv.Consistency.QUORUM, false, 2);
      PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
      CompletableFuture<BenchResult> running = CompletableFuture.supplyAsync(() -> new LoadGenerator(load, quiet).run());
      Await.until("the load to be flowing", Duration.ofSeconds(30),
          () -> counter(c, 0, "kv_rpc_requests_total") >= 2000);

      c.kill(2);
      long killed = System.nanoTime();
      Await.until("node3 not UP", Duration.ofSeconds(30), () -> !c.statusSeenBy(0, "node3").equals("UP"));
      double notUp = seconds(killed);
      Await.until("node3 DOWN", Duration.ofSeconds(30), () -> c.statusSeenBy(0, "node3").equals("DOWN"));
      double down = seconds(killed);
      System.out.printf("kill -9 of node3: not UP after %.1f s, DOWN after %.1f s (seen by node1)%n", notUp, down);

      // the outage itself is the experiment's parameter: node3 stays down for downSeconds in all
      Thread.sleep(Math.max(0, downSeconds * 1000L - (long) (down * 1000)));
      double hintsStored = counter(c, 0, "kv_hints_stored_total") + counter(c, 1, "kv_hints_stored_total");
      c.start(2);
      long restarted = System.nanoTime();
      Await.until("node3 UP", Duration.ofSeconds(30), () -> c.statusSeenBy(0, "node3").equals("UP"));
      double up = seconds(restarted);
      Await.until("hints delivered", Duration.ofMinutes(10), () ->
          counter(c, 0, "kv_hints_replayed_total") + counter(c, 1, "kv_hints_replayed_total")
              >= counter(c, 0, "kv_hints_stored_total") + counter(c, 1, "kv_hints_stored_total"));
      double delivered = seconds(restarted);
      BenchResult r = running.get();
      Await.until("node3's chunks equal to node1's and node2's", Duration.ofMinutes(5), () -> c.sameChunks(0, 2) && c.sameChunks(1, 2));
      double replayed = counter(c, 0, "kv_hints_replayed_total") + counter(c, 1, "kv_hints_replayed_total");
      System.out.printf("load: %.0f puts/s at QUORUM over the run, %d errors %s%n", r.opsPerSec(), r.errorCount(), r.errors());
      System.out.printf("node3 down %d s: %.0f hints stored for it by node1+node2 while it was down%n", downSeconds, hintsStored);
      System.out.printf("restart: UP everywhere %.1f s after the process started; all %.0f hints delivered %.1f s after restart"
          + " (%.0f hints/s on average, replay throttle %s rows/s per coordinator)%n", up, replayed, delivered,
          replayed / Math.max(delivered, 0.001), "5000");
      System.out.println("chunk hashes of node3 equal to node1's and node2's after the load stopped: yes");
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static double counter(ProcessCluster c, int node, String name) {
    String text = Http.call(c.clientVertxForTools(), io.vertx.core.http.HttpMethod.GET, c.host(node),
        c.config(node).getInteger("httpPort"), "/metrics", null).body();
    return text.lines().filter(l -> l.startsWith(name + "{")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }
}
