package kvstore.experiments;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import kv.Kv;
import kvstore.bench.BenchResult;
import kvstore.bench.BenchSettings;
import kvstore.bench.LoadGenerator;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.storage.SqliteStorage;
import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.ProcessCluster;
import kvstore.version.Versioned;
import kvstore.version.Versions;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The anti-entropy figures of the README, from real processes: N keys with 100-byte values on three
 * nodes (RF 3), node3 missing 1% of them (hints off, anti-entropy timer off). Then, on the same
 * data: the prototype's round (16 chunk hashes from both nodes, whole differing chunks pulled), the
 * Merkle repair of node3 with node1 at each throttle rate given (node3 loses another 1% between
 * them), with the client throughput on node1+node2 before and during each repair, and a last
 * Merkle round between the now identical replicas.
 *
 * <p>Run: {@code mvn -q -DskipTests package test-compile && java -cp target/test-classes:target/node.jar
 * kvstore.experiments.AntiEntropyFigures [keys [rowsPerSec,rowsPerSec...]]}
 */
public final class AntiEntropyFigures {
  public static void main(String[] args) throws Exception {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int missing = keys / 100;
    Path dir = Files.createTempDirectory("kv-ae-figures");
    long t0 = System.nanoTime();
    load(dir.resolve("data1"), keys);
    for (String copy : List.of("data2", "data3")) {
      Files.createDirectories(dir.resolve(copy));
      Files.copy(dir.resolve("data1/kv.db"), dir.resolve(copy + "/kv.db"));
    }
    deleteEvery100th(dir.resolve("data3/kv.db"), keys, 0);
    System.out.printf("data: %d keys x 100-byte values on node1 and node2, node3 missing %d (every 100th); prepared in %.1f s%n",
        keys, missing, (System.nanoTime() - t0) / 1e9);

    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("hintedHandoff", false)
        .put("gossipIntervalMs", 500).put("requestTimeoutMs", 3000)).start()) {
      long started = System.nanoTime();
      Vertx vertx = c.clientVertxForTools();
      GrpcClient grpc = GrpcClient.client(vertx, new GrpcClientOptions().setMaxMessageSize(256L * 1024 * 1024)
          .setTimeout(30).setTimeoutUnit(TimeUnit.MINUTES));
      List<ReplicaGrpcClient> replicas = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        replicas.add(ReplicaGrpcClient.create(grpc, SocketAddress.inetSocketAddress(c.config(i).getInteger("grpcPort"), "127.0.0.1")));
      }
      Await.until("Merkle trees built on every node", Duration.ofMinutes(10), () -> replicas.stream().allMatch(r ->
          r.status(ReplicaProto.StatusRequest.getDefaultInstance()).await().getTreesReady()));
      System.out.printf("startup: trees over %d rows built on all three nodes %.1f s after launch (a background scan; the nodes serve meanwhile)%n",
          keys, (System.nanoTime() - started) / 1e9);

      prototypeRound(c);

      // client load on node1+node2 during each repair, against the same load just before it
      String[] rates = args.length > 1 ? args[1].split(",") : new String[] {"5000", "20000"};
      BenchSettings load = new BenchSettings(List.of(c.grpcAddress(0), c.grpcAddress(1)), "get", 0, 16, 3_600_000, 0, 0,
          keys, "uniform", 100, Kv.Consistency.ONE, false, 1);
      PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
      CompletableFuture<BenchResult> running = CompletableFuture.supplyAsync(() -> new LoadGenerator(load, quiet).run());
      Await.until("load flowing", Duration.ofSeconds(30), () -> gets(c) > 5000);
      // warm-up and baseline window lengths are the measurement's parameters: JIT first, then 15 s steady
      Thread.sleep(20_000);
      for (int round = 0; round < rates.length; round++) {
        if (round > 0) {
          // node3 loses another 1% (other keys) while down, then comes back and rebuilds its trees
          c.kill(2);
          deleteEvery100th(dir.resolve("data3/kv.db"), keys, 50 + round);
          c.start(2);
          Await.until("node3's trees rebuilt", Duration.ofMinutes(10), () ->
              replicas.get(2).status(ReplicaProto.StatusRequest.getDefaultInstance()).await().getTreesReady());
          Thread.sleep(5_000);
        }
        int rate = Integer.parseInt(rates[round].trim());
        double g0 = gets(c);
        long w0 = System.nanoTime();
        Thread.sleep(15_000);
        double baseline = (gets(c) - g0) / ((System.nanoTime() - w0) / 1e9);
        double g1 = gets(c);
        long w1 = System.nanoTime();
        ReplicaProto.RepairProgress repair = repair(replicas.get(2), "node1", rate);
        double during = (gets(c) - g1) / ((System.nanoTime() - w1) / 1e9);
        long rowsAfter = replicas.get(2).status(ReplicaProto.StatusRequest.getDefaultInstance()).await().getRows();
        System.out.printf("merkle repair node3<-node1 at %d rows/s: %d rows pulled, %d pushed, %d of %d ranges and %d leaves differed, "
                + "%.2f MB moved, %.1f s; node3 now holds %d rows%n", rate,
            repair.getRowsPulled(), repair.getRowsPushed(), repair.getRangesDiffering(), repair.getRangesCompared(),
            repair.getLeavesDiffering(), repair.getBytes() / 1e6, repair.getMillis() / 1000.0, rowsAfter);
        System.out.printf("  client gets/s on node1+node2 (ONE, c16): %.0f before, %.0f during the repair (%.0f%% of before)%n",
            baseline, during, 100 * during / baseline);
      }
      ReplicaProto.RepairProgress again = repair(replicas.get(2), "node1", 0);
      System.out.printf("merkle round between identical replicas: %d ranges compared, %d differed, %d bytes, %d ms, %d rows%n",
          again.getRangesCompared(), again.getRangesDiffering(), again.getBytes(), again.getMillis(),
          again.getRowsPulled() + again.getRowsPushed());
      running.cancel(true);
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0);
  }

  private static void deleteEvery100th(Path db, int keys, int offset) throws java.sql.SQLException {
    try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      conn.setAutoCommit(false);
      try (PreparedStatement del = conn.prepareStatement("DELETE FROM kv WHERE token = ? AND key = ?")) {
        for (int i = offset; i < keys; i += 100) {
          del.setLong(1, kvstore.ring.Ring.token(key(i)));
          del.setString(2, key(i));
          del.addBatch();
        }
        del.executeBatch();
      }
      conn.commit();
    }
  }

  private static String key(int i) {
    return String.format("key-%08d", i);
  }

  /** Writes the data set through the node's own storage layer, so its files are exactly a node's. */
  private static void load(Path dataDir, int keys) {
    Vertx vertx = Vertx.vertx();
    try {
      SqliteStorage s = vertx.executeBlocking(() -> { Files.createDirectories(dataDir); return null; })
          .compose(v -> SqliteStorage.open(vertx, dataDir, "NORMAL", 10_000)).await();
      Random rnd = new Random(7);
      long version = Versions.fromMillis(System.currentTimeMillis() - 60_000);
      List<Future<long[]>> inFlight = new ArrayList<>();
      for (int from = 0; from < keys; from += 1000) {
        List<Versioned> rows = new ArrayList<>(1000);
        for (int i = from; i < Math.min(keys, from + 1000); i++) {
          byte[] value = new byte[100];
          for (int b = 0; b < value.length; b++) {
            value[b] = (byte) ('a' + rnd.nextInt(26));
          }
          rows.add(new Versioned(key(i), value, version, false));
        }
        inFlight.add(s.write(rows));
        if (inFlight.size() >= 20) {
          Future.all(inFlight).await();
          inFlight.clear();
        }
      }
      Future.all(inFlight).await();
      s.close().await();
    } finally {
      vertx.close().await();
    }
  }

  /** The prototype's round, node3 against node1: hash all 16 chunks on both, pull each differing chunk whole. */
  private static void prototypeRound(ProcessCluster c) {
    long t0 = System.nanoTime();
    long rows = 0;
    long bytes = 0;
    int differing = 0;
    for (int chunk = 0; chunk < 16; chunk++) {
      byte[] mine = c.client(2).chunkHash(chunk);
      byte[] theirs = c.client(0).chunkHash(chunk);
      bytes += 2L * (4 + 32); // two ChunkHash answers
      if (!Arrays.equals(mine, theirs)) {
        differing++;
        for (Kv.KeyValuePair kv : c.client(0).fetchRange(chunk)) {
          rows++;
          bytes += kv.getSerializedSize();
        }
      }
    }
    System.out.printf("prototype round node3<-node1: %d of 16 chunks differ; %d rows pulled, %.2f MB moved, %.1f s "
        + "(every row of both nodes read and hashed)%n", differing, rows, bytes / 1e6, (System.nanoTime() - t0) / 1e9);
  }

  private static ReplicaProto.RepairProgress repair(ReplicaGrpcClient node, String peer, int rowsPerSec) {
    return node.repair(ReplicaProto.RepairRequest.newBuilder().setPeer(peer).setRowsPerSec(rowsPerSec).build()).compose(stream -> {
      Promise<ReplicaProto.RepairProgress> done = Promise.promise();
      stream.handler(p -> {
        if (p.getDone()) {
          done.tryComplete(p);
        }
      });
      stream.exceptionHandler(done::tryFail);
      stream.endHandler(v -> done.tryFail("repair stream ended without a result"));
      return done.future();
    }).await();
  }

  private static double gets(ProcessCluster c) {
    double total = 0;
    for (int node = 0; node < 2; node++) {
      String text = Http.call(c.clientVertxForTools(), io.vertx.core.http.HttpMethod.GET, c.host(node),
          c.config(node).getInteger("httpPort"), "/metrics", null).body();
      total += text.lines().filter(l -> l.startsWith("kv_rpc_requests_total{") && l.contains("method=\"Get\""))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
    return total;
  }
}
