package kvstore.cluster;

import com.google.protobuf.ByteString;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.client.InvalidStatusException;
import kv.Kv;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.testing.Await;
import kvstore.testing.Http;
import kvstore.testing.InProcessCluster;
import kvstore.testing.KvClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parts of the trust boundary that hold without certificates too, on insecure in-process
 * nodes: no clock from the network can run ahead of the skew bound (so no key can be frozen), a
 * flood of forged members stays bounded and never reaches the ring, and every listener caps its
 * connections and closes idle ones.
 */
class TrustBoundaryTest {
  /** The cluster settings a forger copies from any digest it has seen. */
  private static final JsonObject CLUSTER = new JsonObject().put("name", "kvstore").put("replicationFactor", 3).put("vnodes", 128);

  @TempDir
  Path dir;

  private static final long NINE_QUINTILLION_MILLIS = 9223372036854775L;

  private static GrpcStatus status(Runnable r) {
    return KvClient.statusOf(r);
  }

  @Test
  void noClockFromTheNetworkCanFreezeAKey() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      KvClient node1 = c.client(0);
      assertTrue(node1.put("acct", "100", Kv.Consistency.ALL).getOk());

      // 1. a gossip digest with a clock near Long.MAX: answered, but its clock is not observed
      Http.Reply r = Http.post(c.config(0).getInteger("peerPort"), "/gossip", "application/json",
          new JsonObject().put("nodes", new JsonArray()).put("clock", Long.MAX_VALUE - 1).put("cluster", CLUSTER).encode());
      assertEquals(200, r.status());
      assertTrue(node1.put("acct", "101", Kv.Consistency.ALL).getOk());
      long stamped = c.client(1).get("acct", Kv.Consistency.ALL).getModifiedAt();
      assertTrue(Math.abs(stamped - System.currentTimeMillis()) < 60_000, "the node's clock stayed near wall time: " + stamped);

      // 2. a client modified_at far ahead (or in microseconds by mistake): INVALID_ARGUMENT naming the bound
      for (long ahead : List.of(NINE_QUINTILLION_MILLIS, System.currentTimeMillis() * 1000, System.currentTimeMillis() + 3_600_000)) {
        Kv.PutRequest bad = Kv.PutRequest.newBuilder().setKey("acct").setValue("frozen").setModifiedAt(ahead).build();
        assertEquals(GrpcStatus.INVALID_ARGUMENT, status(() -> node1.put(bad)));
        String message = node1.putStatusMessage(bad);
        assertTrue(message.contains("maxClockSkewMs (10000 ms)"), message);
        assertEquals(GrpcStatus.INVALID_ARGUMENT, status(() -> node1.stub().delete(Kv.DeleteRequest.newBuilder().setKey("acct")
            .setModifiedAt(ahead).build()).await()));
        assertEquals(GrpcStatus.INVALID_ARGUMENT, status(() -> node1.stub().replicate(bad).await()));
      }
      // a client clock a few seconds ahead is within the bound, as the skew tests need
      assertTrue(node1.put(Kv.PutRequest.newBuilder().setKey("skewed-client").setValue("x")
          .setModifiedAt(System.currentTimeMillis() + 5_000).build()).getOk());

      // 3. replica rows from outside: far-future versions, values that are not UTF-8
      GrpcClient raw = GrpcClient.client(c.clientVertx());
      ReplicaGrpcClient replica = ReplicaGrpcClient.create(raw, SocketAddress.inetSocketAddress(c.config(1).getInteger("grpcPort"), "127.0.0.1"));
      for (long version : List.of(Long.MAX_VALUE, (System.currentTimeMillis() + 3_600_000) * 1000)) {
        ReplicaProto.WriteBatch b = ReplicaProto.WriteBatch.newBuilder().addRows(ReplicaProto.Row.newBuilder().setKey("acct")
            .setValue(ByteString.copyFromUtf8("frozen")).setVersion(version).setClockStamped(true)).build();
        InvalidStatusException e = assertThrows(InvalidStatusException.class, () -> replica.write(b).await());
        assertEquals(GrpcStatus.INVALID_ARGUMENT, e.actualStatus());
      }
      ReplicaProto.WriteBatch notUtf8 = ReplicaProto.WriteBatch.newBuilder().addRows(ReplicaProto.Row.newBuilder().setKey("bin")
          .setValue(ByteString.copyFrom(new byte[] {(byte) 0xC3, (byte) 0x28})).setVersion(System.currentTimeMillis() * 1000)).build();
      assertEquals(GrpcStatus.INVALID_ARGUMENT, status(() -> replica.write(notUtf8).await()));
      assertFalse(c.client(1).get("bin", Kv.Consistency.ALL).getFound(), "nothing stored, and Get still answers");
      for (int chunk = 0; chunk < 16; chunk++) {
        c.client(1).fetchRange(chunk); // completes: no row the API cannot encode
      }

      // every later acknowledged update and delete lands, through every node
      Map<Integer, String> expected = new LinkedHashMap<>();
      for (int round = 0; round < 60; round++) {
        KvClient via = c.client(round % 3);
        if (round % 2 == 0) {
          assertTrue(via.put("acct", "v" + round, Kv.Consistency.QUORUM).getOk());
          expected.put(round, "v" + round);
        } else {
          assertTrue(via.delete("acct", Kv.Consistency.QUORUM).getOk());
          expected.put(round, null);
        }
        Kv.GetResponse got = c.client((round + 1) % 3).get("acct", Kv.Consistency.QUORUM);
        assertEquals(expected.get(round), got.getFound() ? got.getValue() : null, "round " + round);
      }
      String metrics = Http.call(c.clientVertx(), io.vertx.core.http.HttpMethod.GET, c.config(0).getInteger("httpPort"), "/metrics", null).body();
      assertTrue(metrics.contains("reason=\"clock_skew\""), "refused clocks are counted");
    }
  }

  @Test
  void tenThousandForgedMembersStayBoundedAndQuorumTrafficGoesOn() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      int peerPort = c.config(0).getInteger("peerPort");
      Runtime rt = Runtime.getRuntime();
      int ok = 0;
      for (int batch = 0; batch < 20; batch++) {
        JsonArray fake = new JsonArray();
        for (int i = 0; i < 500; i++) {
          int id = batch * 500 + i;
          fake.add(new JsonObject().put("nodeId", "fake" + id).put("grpcAddress", "127.0.0.1:1").put("httpAddress", "127.0.0.1:1")
              .put("peerAddress", "127.0.0.1:" + (1 + id % 1000)).put("heartbeat", 1)
              .put("generation", System.currentTimeMillis() - 1000).put("status", "UP"));
        }
        assertEquals(200, Http.post(peerPort, "/gossip", "application/json", new JsonObject().put("nodes", fake).put("cluster", CLUSTER).encode()).status());
        KvClient client = c.client(batch % 3);
        if (client.put("q" + batch, "v" + batch, Kv.Consistency.QUORUM).getOk()
            && ("v" + batch).equals(c.client((batch + 1) % 3).get("q" + batch, Kv.Consistency.QUORUM).getValue())) {
          ok++;
        }
      }
      assertEquals(20, ok, "QUORUM writes and reads all succeeded during the flood");
      JsonObject m = c.membership(0);
      assertEquals(3, m.getJsonArray("nodes").size(), "no forged entry became a member: " + m.getJsonArray("nodes").size());
      assertTrue(m.getInteger("unconfirmed") <= 512, "unconfirmed entries are capped at maxClusterNodes: " + m.getInteger("unconfirmed"));
      for (int i = 1; i < 3; i++) {
        assertEquals(3, c.membership(i).getJsonArray("nodes").size(), "forged entries did not spread to node" + (i + 1));
      }
      for (int k = 0; k < 30; k++) {
        assertTrue(c.client(k % 3).put("after" + k, "x", Kv.Consistency.QUORUM).getOk());
        assertEquals("x", c.client((k + 2) % 3).get("after" + k, Kv.Consistency.QUORUM).getValue());
      }
      assertTrue(rt.totalMemory() > 0);
    }
  }

  /** One slow or idle socket: it sent {@code hello} and nothing more. */
  private static Socket open(int port, byte[] hello) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(20);
    s.getOutputStream().write(hello);
    s.getOutputStream().flush();
    return s;
  }

  private static boolean closedByServer(Socket s) {
    if (s.isClosed()) {
      return true;
    }
    try {
      InputStream in = s.getInputStream();
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  @Test
  void connectionsBeyondEachListenersCapAreClosedAndIdleOnesTimeOut() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)
        .put("maxHttpConnections", 10).put("maxClientConnections", 10).put("maxPeerConnections", 10).put("idleTimeoutMs", 4000)).start()) {
      byte[] slowloris = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-a: ".getBytes(StandardCharsets.US_ASCII);
      byte[] h2Preface = new byte[24 + 9];
      System.arraycopy("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0, h2Preface, 0, 24);
      h2Preface[27] = 4; // an empty SETTINGS frame
      Map<String, Integer> listeners = Map.of("httpPort", c.config(0).getInteger("httpPort"), "grpcPort", c.config(0).getInteger("grpcPort"),
          "peerPort", c.config(0).getInteger("peerPort"));
      for (var listener : listeners.entrySet()) {
        List<Socket> sockets = new ArrayList<>();
        byte[] hello = listener.getKey().equals("httpPort") ? slowloris : h2Preface;
        for (int i = 0; i < 25; i++) {
          sockets.add(open(listener.getValue(), hello));
        }
        List<Socket> closed = new ArrayList<>();
        Await.until("the connections over the " + listener.getKey() + " cap to close", Duration.ofSeconds(3), () -> {
          sockets.stream().filter(s -> !closed.contains(s) && closedByServer(s)).forEach(closed::add);
          return closed.size() >= 15;
        });
        List<Socket> kept = sockets.stream().filter(s -> !closed.contains(s)).toList();
        assertTrue(kept.size() <= 10, listener.getKey() + " kept " + kept.size() + " connections over its cap of 10");
        assertTrue(kept.size() >= 5, listener.getKey() + " kept only " + kept.size() + " of its cap of 10");
        // idle or slow, the ones inside the cap are closed after idleTimeoutMs, and the node serves
        Await.until("idle connections on " + listener.getKey() + " to time out", Duration.ofSeconds(10),
            () -> kept.stream().allMatch(TrustBoundaryTest::closedByServer));
        for (Socket s : sockets) {
          s.close();
        }
        assertEquals(200, Http.call(c.clientVertx(), io.vertx.core.http.HttpMethod.GET, c.config(0).getInteger("httpPort"), "/healthz", null).status());
        assertTrue(c.client(0).put("serving-" + listener.getKey(), "yes").getOk());
      }
      String metrics = Http.call(c.clientVertx(), io.vertx.core.http.HttpMethod.GET, c.config(0).getInteger("httpPort"), "/metrics", null).body();
      // a newcomer at the cap closes an unproven connection (the slowloris ones) or is itself closed
      assertTrue(metrics.contains("reason=\"connection_cap\"") || metrics.contains("reason=\"evicted_unproven\""), "closed connections are counted");
    }
  }

  /** Slowloris: headers trickled a byte at a time, never idle long enough for the idle timeout. */
  @Test
  void aConnectionThatTricklesItsFirstRequestIsClosedAtTheDeadline() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)
        .put("firstRequestTimeoutMs", 1500).put("idleTimeoutMs", 60_000)).start()) {
      for (String port : List.of("httpPort", "grpcPort", "peerPort")) {
        Socket s = open(c.config(0).getInteger(port), "GET /healthz HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        // the attacker's pace: one byte, then up to 200 ms watching for the server to close
        s.setSoTimeout(200);
        long t0 = System.nanoTime();
        boolean closed = false;
        while (!closed && System.nanoTime() - t0 < 6_000_000_000L) {
          try {
            s.getOutputStream().write('X');
            s.getOutputStream().flush();
          } catch (IOException e) {
            closed = true;
            break;
          }
          closed = closedByServer(s);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(closed, port + ": a trickling first request must be cut off");
        assertTrue(ms >= 1000 && ms < 4000, port + " closed it after " + ms + " ms (deadline 1500)");
        s.close();
      }
      assertTrue(c.client(0).put("still", "serving").getOk());
      String metrics = Http.call(c.clientVertx(), io.vertx.core.http.HttpMethod.GET, c.config(0).getInteger("httpPort"), "/metrics", null).body();
      assertTrue(metrics.contains("reason=\"first_request_timeout\""), metrics);
    }
  }
}
