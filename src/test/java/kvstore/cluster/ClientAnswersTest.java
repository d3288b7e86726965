package kvstore.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import kv.Kv;
import kvstore.testing.Http;
import kvstore.testing.InProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client of any language reads from the client port when its request is wrong: the raw
 * HTTP/2 answer, as grpc-js sees it before any decoding of ours.
 */
class ClientAnswersTest {
  @TempDir
  Path dir;

  private record Answer(String status, String message) {
  }

  /** One unary call as raw HTTP/2: the gRPC frame around {@code message}, the status from the trailers (or headers). */
  private static Answer call(Vertx vertx, int port, String method, byte[] message) {
    var client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      Buffer frame = Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message);
      return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI("/kv.KeyValue/" + method))
          .compose(req -> req.putHeader("content-type", "application/grpc").putHeader("te", "trailers").send(frame))
          .compose(resp -> resp.body().map(b -> {
            String status = resp.getTrailer("grpc-status") != null ? resp.getTrailer("grpc-status") : resp.getHeader("grpc-status");
            String text = resp.getTrailer("grpc-message") != null ? resp.getTrailer("grpc-message") : resp.getHeader("grpc-message");
            return new Answer(status, text);
          })).await();
    } finally {
      client.close().await();
    }
  }

  /** A PutRequest whose key field holds bytes that are not UTF-8 (the Java builder would refuse to make one). */
  private static byte[] putWithKeyBytes(byte[] key) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    o.writeBytes(Kv.PutRequest.KEY_FIELD_NUMBER, ByteString.copyFrom(key));
    o.writeString(Kv.PutRequest.VALUE_FIELD_NUMBER, "v");
    o.flush();
    return out.toByteArray();
  }

  @Test
  void wrongRequestsAreAnsweredSoAnyClientCanReadWhy() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)).start()) {
      Vertx vertx = c.clientVertx();
      int port = c.config(0).getInteger("grpcPort");

      // a key that is not UTF-8: INVALID_ARGUMENT (3) saying so, not CANCELLED
      Answer notUtf8 = call(vertx, port, "Put", putWithKeyBytes(new byte[] {'k', (byte) 0xC3, (byte) 0x28}));
      assertEquals("3", notUtf8.status(), String.valueOf(notUtf8));
      assertTrue(notUtf8.message().contains("not valid UTF-8"), notUtf8.message());

      // a status message is percent-encoded only where the gRPC spec says: ',', ':', '(' stay readable
      byte[] longKey = Kv.PutRequest.newBuilder().setKey("k".repeat(2000)).setValue("v").build().toByteArray();
      Answer tooLong = call(vertx, port, "Put", longKey);
      assertEquals("3", tooLong.status());
      assertEquals("key is 2000 bytes; the limit (maxKeyBytes) is 1024", tooLong.message());
      // the node still answers a well-formed request on the same port
      assertTrue(c.client(0).put("k", "v", Kv.Consistency.ONE).getOk());

      // what is not gRPC on the client port: 404 for gossip (it has the peer port), 415 for the rest
      Http.Reply gossip = Http.post(port, "/gossip", "application/json", "{}");
      assertEquals(404, gossip.status(), gossip.body());
      assertTrue(gossip.body().contains("peer port"), gossip.body());
      Http.Reply other = Http.send("GET", port, "/v1/kv/k", null, null);
      assertEquals(415, other.status(), other.body());
    }
  }

  /**
   * HTTP bodies share the node's byte budget: unfinished 2 MB PUT bodies beyond it are dropped for
   * newcomers (their connections closed), so at most the budget is held, and a whole request still
   * goes through.
   */
  @Test
  void unfinishedHttpBodiesBeyondTheBudgetAreDropped() throws Exception {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)
        .put("maxRequestBytesInFlight", 1L)).start()) {
      int http = c.config(0).getInteger("httpPort");
      // the budget is at least one connection's: twice the gRPC message limit, about 8.5 MB
      java.util.List<java.net.Socket> held = new java.util.ArrayList<>();
      for (int k = 0; k < 8; k++) {
        java.net.Socket s = new java.net.Socket("127.0.0.1", http);
        s.getOutputStream().write(("PUT /v1/kv/big" + k + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2000000\r\n\r\nabc")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        held.add(s);
      }
      kvstore.testing.Await.until("the oldest unfinished bodies to be dropped", java.time.Duration.ofSeconds(10), () -> {
        int closed = 0;
        for (java.net.Socket s : held) {
          try {
            s.setSoTimeout(50);
            if (s.getInputStream().read() < 0) {
              closed++;
            }
          } catch (java.net.SocketTimeoutException e) {
            // still open
          } catch (java.io.IOException e) {
            closed++;
          }
        }
        return closed >= 4;
      });
      assertEquals(200, Http.send("PUT", http, "/v1/kv/small", "text/plain", "v".getBytes(java.nio.charset.StandardCharsets.UTF_8)).status());
      for (java.net.Socket s : held) {
        s.close();
      }
    }
  }

  /** Kubernetes' case: the advertised name does not resolve yet, the node listens anyway on listenHost. */
  @Test
  void aNodeBindsListenHostAndAdvertisesHost() {
    try (InProcessCluster c = new InProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)
        .put("host", "kv-0.kvstore-peers.not-yet.invalid").put("listenHost", "127.0.0.1")
        .put("seeds", new io.vertx.core.json.JsonArray().add("kv-0.kvstore-peers.not-yet.invalid:" + cfg.getInteger("peerPort")))).start()) {
      int http = c.config(0).getInteger("httpPort");
      assertEquals(200, Http.send("GET", http, "/healthz", null, null).status());
      io.vertx.core.json.JsonObject self = c.membership(0).getJsonArray("nodes").getJsonObject(0);
      assertEquals("kv-0.kvstore-peers.not-yet.invalid:" + c.config(0).getInteger("grpcPort"), self.getString("grpcAddress"));
      String failure = c.client(0).putStatusMessage(Kv.PutRequest.newBuilder().setKey("k").setValue("v").setConsistency(Kv.Consistency.ONE).build());
      assertTrue(failure == null || failure.isEmpty(), failure);
    }
  }
}
