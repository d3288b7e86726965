package kvstore.cli;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import kvstore.bench.BenchResult;
import kvstore.bench.BenchSettings;
import kvstore.bench.LoadGenerator;
import kvstore.config.NodeConfig;
import kvstore.metrics.NodeMetrics;
import kvstore.node.Node;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -XX:AOTCacheOutput=node.aot -jar node.jar train}: a training run for Java 25's
 * ahead-of-time cache. Three nodes (RF 3, QUORUM) start in this JVM on free loopback ports, in a
 * temporary directory, and serve a short mixed load of puts, gets, deletes and compare-and-sets;
 * then they stop and the directory goes. The JVM writes the cache as it exits: the classes a node
 * loads and links and the profiles of the methods it runs hot, so a node started with
 * {@code -XX:AOTCache=node.aot} skips most of its warm-up. Insecure on purpose: nothing it serves
 * leaves 127.0.0.1 and nothing outlives it.
 */
final class TrainCommand {
  private TrainCommand() {
  }

  static int run(String[] args, PrintStream out) {
    long seconds = 20;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--seconds") && i + 1 < args.length) {
        try {
          seconds = Long.parseLong(args[++i]);
        } catch (NumberFormatException e) {
          seconds = -1;
        }
        if (seconds < 1 || seconds > 3600) {
          out.println("train: --seconds must be 1..3600");
          return Main.EXIT_CONFIG;
        }
      } else {
        out.println("usage: java -XX:AOTCacheOutput=node.aot -jar node.jar train [--seconds 20]\n"
            + "  three nodes in this JVM serve a mixed load for that long, then stop; Java 25 writes the AOT cache at exit,\n"
            + "  and nodes started with -XX:AOTCache=node.aot reach full speed in seconds (docs/operations.md, \"Warm start\")");
        return args[i].equals("--help") || args[i].equals("-h") ? 0 : Main.EXIT_CONFIG;
      }
    }
    Path dir;
    try {
      dir = Files.createTempDirectory("kvstore-train");
    } catch (IOException e) {
      out.println("train: cannot create a temporary directory: " + e.getMessage());
      return Main.EXIT_START;
    }
    List<Vertx> vertxes = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    try {
      int[][] ports = new int[3][3];
      JsonArray seeds = new JsonArray();
      for (int i = 0; i < 3; i++) {
        for (int p = 0; p < 3; p++) {
          ports[i][p] = freePort();
        }
        seeds.add("127.0.0.1:" + ports[i][2]);
      }
      List<String> targets = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        JsonObject conf = new JsonObject().put("nodeId", "train" + (i + 1)).put("host", "127.0.0.1").put("grpcPort", ports[i][0])
            .put("httpPort", ports[i][1]).put("peerPort", ports[i][2]).put("seeds", seeds).put("insecure", true)
            .put("dataDir", dir.resolve("node" + (i + 1)).toString()).put("replicationFactor", 3);
        NodeConfig config = NodeConfig.parse(conf, Map.of());
        NodeMetrics metrics = new NodeMetrics(config.nodeId());
        Vertx vertx = Node.newVertx(metrics, config.eventLoops());
        vertxes.add(vertx);
        nodes.add(Node.start(vertx, config, metrics).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS));
        targets.add("127.0.0.1:" + ports[i][0]);
      }
      awaitMembers(ports);
      out.printf("train: 3 nodes up in %s; %d s of puts, gets and deletes, then compare-and-sets%n", dir, seconds);
      long mixed = Math.max(1, seconds * 3 / 4);
      load(out, new BenchSettings(targets, "mixed", 0.7, 64, mixed * 1000, 0, 0, 5_000, "uniform", 100, kv.Kv.Consistency.QUORUM, true, 2));
      load(out, new BenchSettings(targets, "delete", 0, 16, 1000, 0, 0, 5_000, "uniform", 100, kv.Kv.Consistency.QUORUM, false, 1));
      load(out, new BenchSettings(targets, "cas", 0, 16, Math.max(1, seconds - mixed) * 1000, 0, 0, 500, "uniform", 100, kv.Kv.Consistency.QUORUM, true, 1));
      return 0;
    } catch (Exception e) {
      out.println("train: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
      return Main.EXIT_START;
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        try {
          nodes.get(i).stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // exiting anyway
        }
      }
      for (Vertx v : vertxes) {
        try {
          v.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // exiting anyway
        }
      }
      delete(dir);
    }
  }

  private static void load(PrintStream out, BenchSettings s) {
    BenchResult r = new LoadGenerator(s, new PrintStream(java.io.OutputStream.nullOutputStream())).run();
    out.printf("train: %s: %d ok, %d failed%n", s.op(), r.ok(), r.errors().values().stream().mapToLong(Long::longValue).sum());
  }

  /** Until every node sees all three UP (gossip), so the load's quorums are not refused as too few nodes; 30 s at most. */
  private static void awaitMembers(int[][] ports) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int[] node : ports) {
      java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node[1] + "/v1/membership")).build();
      while (true) {
        String body = http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        long up = new JsonObject(body).getJsonArray("nodes").stream().filter(m -> "UP".equals(((JsonObject) m).getString("status"))).count();
        if (up == 3) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the three training nodes did not see each other UP within 30 s");
        }
        Thread.sleep(100);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void delete(Path dir) {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // a temporary directory: the system cleans it eventually
    }
  }
}
