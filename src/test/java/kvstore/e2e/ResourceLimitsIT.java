package kvstore.e2e;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import kv.Kv;
import kvstore.testing.Await;
import kvstore.testing.ConnectionFlood;
import kvstore.testing.Http;
import kvstore.testing.KvClient;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one attacker on the network can take from a node, tried with real processes: connections
 * held on every listener (from several source addresses, 127.0.0.2 and up), unfinished large
 * messages, requests made to write log lines, and in insecure mode a forged restart at the
 * attacker's address. The node keeps serving its members, its other clients, its health checks and
 * its operator; its memory and its log stay bounded.
 */
class ResourceLimitsIT {
  @TempDir
  Path dir;

  private static final byte[] H2_PREFACE;

  static {
    byte[] p = new byte[24 + 9];
    System.arraycopy("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0, p, 0, 24);
    p[27] = 4; // an empty SETTINGS frame
    H2_PREFACE = p;
  }

  private static List<String> sources(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("127.0.0." + (2 + i));
    }
    return out;
  }

  private static String metrics(ProcessCluster c, int i) {
    return Http.send("GET", c.config(i).getInteger("httpPort"), "/metrics", null, null).body();
  }

  private static double counter(String metrics, String reason) {
    return metrics.lines().filter(l -> l.startsWith("kv_security_refused_total") && l.contains("reason=\"" + reason + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /**
   * The secure peer port flooded with more connections than its cap (5 sources x 250, refilled as
   * the node closes them) on node1 and node2 while node3 restarts: node3 rejoins within the
   * detector's time and takes QUORUM writes, because connections without a cluster certificate
   * never hold a member's room.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aRestartedMemberRejoinsWhileThePeerPortsAreFlooded() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).secure(dir.resolve("certs")).start()) {
      List<ConnectionFlood> floods = new ArrayList<>();
      try {
        for (int i : new int[] {0, 1}) {
          floods.add(new ConnectionFlood(c.config(i).getInteger("peerPort"), sources(5), 250, new byte[0]));
        }
        Await.until("the floods to reach the peer ports' cap", Duration.ofSeconds(30),
            () -> floods.stream().allMatch(f -> f.opened() >= 1100));
        c.kill(2);
        long t0 = System.nanoTime();
        c.start(2);
        c.awaitUp(3);
        long rejoinMs = (System.nanoTime() - t0) / 1_000_000;
        KvClient node3 = c.client(2);
        for (int k = 0; k < 30; k++) {
          assertTrue(node3.put("during-flood-" + k, "v" + k, Kv.Consistency.QUORUM).getOk(), "QUORUM write " + k + " through node3");
        }
        for (int k = 0; k < 30; k++) {
          assertEquals("v" + k, c.client(0).get("during-flood-" + k, Kv.Consistency.QUORUM).getValue());
        }
        assertTrue(rejoinMs < 60_000, "node3 back in " + rejoinMs + " ms");
        for (int i : new int[] {0, 1}) {
          assertTrue(counter(metrics(c, i), "evicted_unproven") + counter(metrics(c, i), "per_source_cap") > 0,
              "the flood reached node" + (i + 1) + "'s limits: " + metrics(c, i));
        }
        System.out.println("ResourceLimitsIT: node3 back in " + rejoinMs + " ms with " + floods.get(0).opened() + " and "
            + floods.get(1).opened() + " flood connections opened on node1's and node2's peer ports");
      } finally {
        for (ConnectionFlood f : floods) {
          f.close();
        }
      }
    }
  }

  /**
   * One source holding a thousand connections on each listener (HTTP/2 prefaces on the gRPC port,
   * keep-alive requests on the HTTP port): it gets maxConnectionsPerSource of them, and another
   * client, /healthz and the operator's kvctl keep working.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void oneSourceHoldingAThousandConnectionsLocksNobodyOut() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("maxConnectionsPerSource", 200)).start()) {
      byte[] keepAlive = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      try (ConnectionFlood grpc = new ConnectionFlood(c.config(0).getInteger("grpcPort"), List.of("127.0.0.2"), 1000, H2_PREFACE);
           ConnectionFlood http = new ConnectionFlood(c.config(0).getInteger("httpPort"), List.of("127.0.0.2"), 1000, keepAlive);
           ConnectionFlood peer = new ConnectionFlood(c.config(0).getInteger("peerPort"), List.of("127.0.0.2"), 1000, H2_PREFACE)) {
        Await.until("the hog to try its thousand connections", Duration.ofSeconds(60),
            () -> grpc.opened() >= 1000 && http.opened() >= 1000 && peer.opened() >= 1000);
        for (int k = 0; k < 20; k++) {
          assertTrue(c.client(0).put("hogged-" + k, "v", Kv.Consistency.QUORUM).getOk());
        }
        assertEquals(200, Http.send("GET", c.config(0).getInteger("httpPort"), "/healthz", null, null).status());
        KvctlRun status = KvctlRun.of(60, "status", "--node", c.host(0) + ":" + c.config(0).getInteger("peerPort"));
        assertEquals(0, status.exit(), status.out());
        assertTrue(status.out().contains("node3"), status.out());
        Await.until("the hog to be held to its share", Duration.ofSeconds(10),
            () -> grpc.open() <= 200 && http.open() <= 200 && peer.open() <= 200);
        assertTrue(counter(metrics(c, 0), "per_source_cap") > 0, metrics(c, 0));
      }
    }
  }

  /** A gRPC frame header announcing {@code length} bytes of message. */
  private static Buffer frameHeader(int length) {
    return Buffer.buffer().appendByte((byte) 0).appendInt(length);
  }

  private static long rssKb(Process p) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no VmRSS for " + p.pid());
  }

  /**
   * Eight connections from one source, each starting 20 Put messages of 4 MB and sending 3.9 MB of
   * each, never the rest (625 MB if the node kept them): the node holds at most its byte budget,
   * its RSS stays within budget + 160 MiB of where it was, and another client's writes of 100 KB
   * values go on.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void unfinishedLargeMessagesCannotTakeTheNodesMemory() throws Exception {
    long budget = 64L * 1024 * 1024;
    try (ProcessCluster c = new ProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)
        .put("maxRequestBytesInFlight", budget)).start()) {
      Process node = c.process(0);
      for (int k = 0; k < 50; k++) {
        assertTrue(c.client(0).put("warm-" + k, "x".repeat(100_000), Kv.Consistency.ONE).getOk());
      }
      long before = rssKb(node);
      Vertx vertx = c.clientVertxForTools();
      List<HttpClient> attackers = new ArrayList<>();
      List<Future<?>> sent = new ArrayList<>();
      Buffer chunk = Buffer.buffer(new byte[3_900_000]);
      for (int conn = 0; conn < 8; conn++) {
        HttpClient h = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
            .setLocalAddress("127.0.0.2").setHttp2MultiplexingLimit(100), new PoolOptions().setHttp2MaxSize(1));
        attackers.add(h);
        for (int s = 0; s < 20; s++) {
          sent.add(h.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(c.config(0).getInteger("grpcPort"))
                  .setURI("/kv.KeyValue/Put"))
              .compose(req -> {
                req.putHeader("content-type", "application/grpc").putHeader("te", "trailers").setChunked(true);
                req.exceptionHandler(e -> { });
                return req.write(frameHeader(4_000_000)).compose(v -> req.write(chunk));
              }).recover(e -> Future.succeededFuture()));
        }
      }
      Future.join(sent).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
      long peak = before;
      for (int k = 0; k < 20; k++) {
        assertTrue(c.client(0).put("beside-" + k, "y".repeat(100_000), Kv.Consistency.ONE).getOk(), "another client's write " + k);
        peak = Math.max(peak, rssKb(node));
      }
      long grownMiB = (peak - before) / 1024;
      String m = metrics(c, 0);
      System.out.println("ResourceLimitsIT: RSS " + before / 1024 + " MiB before, " + peak / 1024 + " MiB at most while 160 unfinished"
          + " 4 MB messages were tried; refused " + counter(m, "request_bytes"));
      assertTrue(counter(m, "request_bytes") > 0, "the budget refused requests: " + m);
      assertTrue(grownMiB < budget / 1024 / 1024 + 160, "RSS grew " + grownMiB + " MiB");
      for (HttpClient h : attackers) {
        h.close().await();
      }
    }
  }

  /**
   * Requests whose only effect is a log line, 200 of each kind: aborted HTTP PUTs, paths with a
   * bad escape, non-UTF-8 gRPC keys, TLS connections without a certificate. The log grows by a
   * few rate-limited lines, none with a stack trace.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void anAttackerCannotFloodTheLog() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)).secure(dir.resolve("certs")).start()) {
      long linesBefore = c.log(0).lines().count();
      int http = c.config(0).getInteger("httpPort");
      for (int k = 0; k < 200; k++) {
        try (Socket s = new Socket("127.0.0.1", http, InetAddress.getByName("127.0.0.2"), 0)) {
          OutputStream out = s.getOutputStream();
          out.write("PUT /v1/kv/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nContent-Type: text/plain\r\n\r\nabc"
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
        try (Socket s = new Socket("127.0.0.1", http, InetAddress.getByName("127.0.0.2"), 0)) {
          s.getOutputStream().write("PUT /v1/kv/% HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx".getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          s.setSoTimeout(5000);
          assertTrue(new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII).contains("400"));
        }
        try (Socket s = javax.net.ssl.SSLContext.getDefault().getSocketFactory().createSocket("127.0.0.1", c.config(0).getInteger("peerPort"))) {
          s.setSoTimeout(2000);
          ((javax.net.ssl.SSLSocket) s).startHandshake();
        } catch (java.io.IOException expected) {
          // no certificate of the cluster CA (and a server this JVM does not trust): refused
        }
      }
      Await.until("the aborted requests to be seen", Duration.ofSeconds(10), () -> c.log(0).contains("abandoned"));
      List<String> added = c.log(0).lines().skip(linesBefore).toList();
      assertTrue(added.size() <= 20, added.size() + " lines for 600 attacks:\n" + String.join("\n", added));
      assertTrue(added.stream().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")), String.join("\n", added));
      assertTrue(c.client(0).put("still", "serving", Kv.Consistency.ONE).getOk());
    }
  }

  /**
   * Insecure mode: one forged gossip message says node2 restarted at the attacker's address, and the
   * attacker answers there as node2. Node2, alive at its own address, stays there on node1; writes
   * keep going to the real node2.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void insecureModeALiveMembersAddressDoesNotMoveOnHearsay() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      JsonObject node2 = c.membership(0).getJsonArray("nodes").stream().map(o -> (JsonObject) o)
          .filter(n -> n.getString("nodeId").equals("node2")).findFirst().orElseThrow();
      JsonObject cluster = new JsonObject().put("name", "kvstore").put("replicationFactor", 3).put("vnodes", 128);
      int[] asked = {0};
      // the attacker's own gossip endpoint, answering as node2 at its own address
      com.sun.net.httpserver.HttpServer fake = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 16);
      String attacker = "127.0.0.1:" + fake.getAddress().getPort();
      fake.createContext("/gossip", ex -> {
        ex.getRequestBody().readAllBytes();
        asked[0]++;
        JsonObject entry = node2.copy().put("generation", node2.getLong("generation") + 1).put("heartbeat", 1)
            .put("peerAddress", attacker).put("grpcAddress", attacker).put("httpAddress", attacker);
        byte[] answer = new JsonObject().put("nodes", new JsonArray().add(entry)).put("from", "node2")
            .put("clock", System.currentTimeMillis()).put("cluster", cluster).encode().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("content-type", "application/json");
        ex.sendResponseHeaders(200, answer.length);
        ex.getResponseBody().write(answer);
        ex.close();
      });
      fake.start();
      double refusedBefore = counter(metrics(c, 0), "gossip_entry");
      JsonObject forged = node2.copy().put("generation", node2.getLong("generation") + 1).put("heartbeat", 1)
          .put("peerAddress", attacker).put("grpcAddress", attacker).put("httpAddress", attacker);
      Http.Reply r = Http.post(c.config(0).getInteger("peerPort"), "/gossip", "application/json",
          new JsonObject().put("nodes", new JsonArray().add(forged)).put("cluster", cluster).encode());
      assertEquals(200, r.status(), r.body());
      Await.until("node1 to ask the forged address", Duration.ofSeconds(20), () -> asked[0] > 0);
      // several gossip rounds later node2 is where it was, and it takes writes there
      Await.until("node1 to refuse the move", Duration.ofSeconds(20), () -> counter(metrics(c, 0), "gossip_entry") > refusedBefore,
          () -> "node1's log:\n" + c.log(0));
      JsonObject after = c.membership(0).getJsonArray("nodes").stream().map(o -> (JsonObject) o)
          .filter(n -> n.getString("nodeId").equals("node2")).findFirst().orElseThrow();
      assertEquals(node2.getString("peerAddress"), after.getString("peerAddress"));
      assertEquals(node2.getLong("generation"), after.getLong("generation"));
      for (int k = 0; k < 20; k++) {
        assertTrue(c.client(0).put("after-forgery-" + k, "v", Kv.Consistency.ALL).getOk(), "an ALL write reaches the real node2");
      }
      fake.stop(0);
    }
  }
}
