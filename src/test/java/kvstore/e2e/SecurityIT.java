package kvstore.e2e;

import com.google.protobuf.ByteString;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import kv.KeyValueGrpcClient;
import kv.Kv;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.ring.Ring;
import kvstore.testing.Attacker;
import kvstore.testing.Http;
import kvstore.testing.KvClient;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A secure 3-node cluster of real processes, certificates made by the project's own {@code certs}
 * command, attacked from this process as someone on the same network would: without a
 * certificate, and with a certificate of another CA, against every port each node opens (client
 * gRPC, operators' HTTP, peer). Each forged-gossip and internal-RPC attack of issue 16 must be
 * refused, and membership, ring and data must be as before.
 */
class SecurityIT {
  @TempDir
  Path dir;

  private static final long FAR_FUTURE = Long.MAX_VALUE - 1;

  /** Everything issue 16 found an outsider could do, as calls on one node's gRPC port. */
  private static Map<String, Function<SocketAddress, io.vertx.core.Future<?>>> grpcAttacks(GrpcClient client) {
    Map<String, Function<SocketAddress, io.vertx.core.Future<?>>> a = new LinkedHashMap<>();
    ReplicaProto.Row frozen = ReplicaProto.Row.newBuilder().setKey("acct").setValue(ByteString.copyFromUtf8("mine"))
        .setVersion(Long.MAX_VALUE).build();
    a.put("Replica/Write version Long.MAX", to -> ReplicaGrpcClient.create(client, to)
        .write(ReplicaProto.WriteBatch.newBuilder().addRows(frozen).build()));
    a.put("Replica/Read", to -> ReplicaGrpcClient.create(client, to).read(ReplicaProto.ReadRequest.newBuilder().setKey("acct").build()));
    a.put("Replica/FetchRows", to -> ReplicaGrpcClient.create(client, to)
        .fetchRows(ReplicaProto.FetchRowsRequest.newBuilder().addKeys("acct").addKeys("k1").build()));
    a.put("Replica/Status", to -> ReplicaGrpcClient.create(client, to).status(ReplicaProto.StatusRequest.getDefaultInstance()));
    a.put("Replica/Repair rows_per_sec=MAX", to -> ReplicaGrpcClient.create(client, to)
        .repair(ReplicaProto.RepairRequest.newBuilder().setRowsPerSec(Integer.MAX_VALUE).build()));
    a.put("Replica/ScanRange (dump every row)", to -> ReplicaGrpcClient.create(client, to)
        .scanRange(ReplicaProto.ScanRangeRequest.newBuilder().setFirst(Long.MIN_VALUE).setLast(Long.MAX_VALUE).setLimit(1024).build()));
    a.put("Replica/Snapshot create", to -> ReplicaGrpcClient.create(client, to)
        .snapshot(ReplicaProto.SnapshotRequest.newBuilder().setAction("create").setName("stolen").build()));
    a.put("Replica/ImportRows", to -> ReplicaGrpcClient.create(client, to)
        .importRows(ReplicaProto.WriteBatch.newBuilder().addRows(ReplicaProto.Row.newBuilder().setKey("acct")
            .setValue(com.google.protobuf.ByteString.copyFromUtf8("forged")).setVersion(1)).build()));
    a.put("Replica/Paxos commit (forged CAS)", to -> ReplicaGrpcClient.create(client, to)
        .paxos(ReplicaProto.PaxosBatch.newBuilder().addCalls(ReplicaProto.PaxosCall.newBuilder().setPhase(3).setKey("acct")
            .setBallot(ReplicaProto.Ballot.newBuilder().setMicros(System.currentTimeMillis() * 1000).setNode("mallory"))
            .setRow(ReplicaProto.Row.newBuilder().setKey("acct").setValue(ByteString.copyFromUtf8("forged by CAS"))
                .setVersion(System.currentTimeMillis() * 1000 + 5_000_000))).build()));
    a.put("Replica/Decommission", to -> ReplicaGrpcClient.create(client, to)
        .decommission(ReplicaProto.DecommissionRequest.getDefaultInstance()));
    a.put("Replica/RemoveNode node2", to -> ReplicaGrpcClient.create(client, to)
        .removeNode(ReplicaProto.RemoveNodeRequest.newBuilder().setNodeId("node2").build()));
    a.put("Replica/MerkleNodes", to -> ReplicaGrpcClient.create(client, to)
        .merkleNodes(ReplicaProto.MerkleNodesRequest.newBuilder().build()));
    a.put("KeyValue/Replicate", to -> KeyValueGrpcClient.create(client, to).replicate(Kv.PutRequest.newBuilder()
        .setKey("acct").setValue("mine").setModifiedAt(9223372036854775L).build()));
    a.put("KeyValue/FetchRange", to -> KeyValueGrpcClient.create(client, to).fetchRange(Kv.RangeRequest.newBuilder().setChunkId(3).build()));
    a.put("KeyValue/GetChunkHash", to -> KeyValueGrpcClient.create(client, to).getChunkHash(Kv.ChunkRequest.newBuilder().setChunkId(3).build()));
    return a;
  }

  /** The cluster settings a forger copies from any digest it has seen. */
  private static final JsonObject CLUSTER = new JsonObject().put("name", "kvstore").put("replicationFactor", 3).put("vnodes", 128);

  /** Forged digests: node2 taken out (higher generation, DOWN/LEFT), re-addressed, a far-future clock, 600 fake members. */
  private static List<String> forgedDigests(JsonObject membership) {
    JsonObject node2 = membership.getJsonArray("nodes").stream().map(o -> (JsonObject) o)
        .filter(n -> n.getString("nodeId").equals("node2")).findFirst().orElseThrow();
    List<String> out = new ArrayList<>();
    for (String status : List.of("DOWN", "LEFT")) {
      out.add(new JsonObject().put("nodes", new JsonArray().add(node2.copy().put("generation", node2.getLong("generation") + 1)
          .put("status", status))).put("clock", FAR_FUTURE).put("cluster", CLUSTER).encode());
    }
    out.add(new JsonObject().put("nodes", new JsonArray().add(node2.copy().put("heartbeat", node2.getLong("heartbeat") + 1)
        .put("grpcAddress", "127.0.0.1:1").put("peerAddress", "127.0.0.1:1"))).put("cluster", CLUSTER).encode());
    JsonArray fake = new JsonArray();
    for (int i = 0; i < 600; i++) {
      fake.add(new JsonObject().put("nodeId", "fake" + i).put("grpcAddress", "127.0.0.1:1").put("httpAddress", "127.0.0.1:1")
          .put("peerAddress", "127.0.0.1:1").put("heartbeat", 1).put("generation", 1).put("status", "UP"));
    }
    out.add(new JsonObject().put("nodes", fake).put("cluster", CLUSTER).encode());
    return out;
  }

  private static Map<String, Long> generations(ProcessCluster c, int i) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Object o : c.membership(i).getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      assertEquals("UP", n.getString("status"), "node" + (i + 1) + " sees " + n);
      out.put(n.getString("nodeId") + "@" + n.getString("peerAddress") + "/" + n.getString("grpcAddress"), n.getLong("generation"));
    }
    return out;
  }

  private static long ringFingerprint(ProcessCluster c, int i) {
    List<String> ids = c.membership(i).getJsonArray("nodes").stream().map(o -> ((JsonObject) o).getString("nodeId")).toList();
    return Ring.of(ids, 128).fingerprint();
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
  void outsidersCannotChangeTheClusterOrReadItsDataOnAnyPort() throws Exception {
    Path certs = dir.resolve("certs");
    Path foreign = dir.resolve("foreign");
    ProcessCluster.runCerts(dir.resolve("foreign.log"), "certs", "--dir", foreign.toString(), "mallory");
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).secure(certs).start()) {
      KvClient client = c.client(0);
      Map<String, String> written = new LinkedHashMap<>();
      for (int k = 0; k < 50; k++) {
        assertTrue(client.put("k" + k, "v" + k, Kv.Consistency.ALL).getOk());
        written.put("k" + k, "v" + k);
      }
      assertTrue(client.put("acct", "100", Kv.Consistency.ALL).getOk());
      List<Map<String, Long>> before = new ArrayList<>();
      List<Long> ringsBefore = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        before.add(generations(c, i));
        ringsBefore.add(ringFingerprint(c, i));
      }
      List<String> forged = forgedDigests(c.membership(0));

      List<String> failures = new ArrayList<>();
      for (Attacker.Mode mode : List.of(Attacker.Mode.PLAINTEXT, Attacker.Mode.TLS_NO_CERT, Attacker.Mode.TLS_FOREIGN_CERT)) {
        Attacker attacker = new Attacker(c.clientVertxForTools(), mode, foreign.resolve("mallory.pem"), foreign.resolve("mallory-key.pem"));
        GrpcClient grpc = attacker.grpc();
        for (int i = 0; i < 3; i++) {
          JsonObject cfg = c.config(i);
          String host = c.host(i);
          // the client port: plaintext by default, so only the plaintext attacker gets an answer, and it is a refusal
          for (var e : grpcAttacks(grpc).entrySet()) {
            String got = Attacker.outcome(e.getValue(), SocketAddress.inetSocketAddress(cfg.getInteger("grpcPort"), host));
            String expected = mode == Attacker.Mode.PLAINTEXT ? "PERMISSION_DENIED" : "TRANSPORT";
            if (!got.equals(expected)) {
              failures.add(mode + " grpcPort node" + (i + 1) + " " + e.getKey() + ": " + got + " (expected " + expected + ")");
            }
          }
          // the peer port: TLS with a cluster certificate, required at the handshake; without one no call gets through it
          for (var e : grpcAttacks(grpc).entrySet()) {
            String got = Attacker.outcome(e.getValue(), SocketAddress.inetSocketAddress(cfg.getInteger("peerPort"), host));
            String expected = "TRANSPORT";
            if (!got.equals(expected)) {
              failures.add(mode + " peerPort node" + (i + 1) + " " + e.getKey() + ": " + got + " (expected " + expected + ")");
            }
          }
          for (String body : forged) {
            for (String type : List.of("application/json", "text/plain")) {
              int peer = attacker.post(host, cfg.getInteger("peerPort"), "/gossip", type, body);
              int expectedPeer = -1;
              if (peer != expectedPeer) {
                failures.add(mode + " POST /gossip peerPort node" + (i + 1) + " " + type + ": " + peer + " (expected " + expectedPeer + ")");
              }
              int http = attacker.post(host, cfg.getInteger("httpPort"), "/gossip", type, body);
              int expectedHttp = mode == Attacker.Mode.PLAINTEXT ? 404 : -1;
              if (http != expectedHttp) {
                failures.add(mode + " POST /gossip httpPort node" + (i + 1) + ": " + http + " (expected " + expectedHttp + ")");
              }
              // the console's operator actions: refused on a secure node's plaintext HTTP port
              for (String action : List.of("/v1/admin/repair", "/v1/admin/decommission", "/v1/admin/cleanup")) {
                int op = attacker.post(host, cfg.getInteger("httpPort"), action, type, body);
                int expectedOp = mode == Attacker.Mode.PLAINTEXT ? 403 : -1;
                if (op != expectedOp) {
                  failures.add(mode + " POST " + action + " httpPort node" + (i + 1) + ": " + op + " (expected " + expectedOp + ")");
                }
              }
            }
          }
        }
      }
      assertTrue(failures.isEmpty(), String.join("\n", failures));

      // nothing changed: the same members, generations, addresses and ring everywhere, all UP
      for (int i = 0; i < 3; i++) {
        assertEquals(before.get(i), generations(c, i), "membership seen by node" + (i + 1));
        assertEquals(ringsBefore.get(i), ringFingerprint(c, i));
        assertEquals(0, c.membership(i).getInteger("unconfirmed"), "no forged entry reached node" + (i + 1));
      }
      for (int i = 0; i < 3; i++) {
        KvClient reader = c.client(i);
        for (var e : written.entrySet()) {
          assertEquals(e.getValue(), reader.get(e.getKey(), Kv.Consistency.ALL).getValue(), e.getKey() + " through node" + (i + 1));
        }
      }
      // and the key an attacker tried to freeze still takes later writes and deletes
      assertTrue(c.client(1).put("acct", "200", Kv.Consistency.ALL).getOk());
      assertEquals("200", c.client(2).get("acct", Kv.Consistency.ALL).getValue());
      assertTrue(c.client(2).delete("acct", Kv.Consistency.ALL).getOk());
      assertFalse(c.client(0).get("acct", Kv.Consistency.ALL).getFound());

      // the refusals are logged with the caller's address and counted
      for (int i = 0; i < 3; i++) {
        String log = c.log(i);
        assertTrue(log.contains("refused a TLS connection on the peerPort from 127.0.0.1:"), "node" + (i + 1) + " logs refused peer callers");
        assertTrue(log.contains("on the client port from 127.0.0.1:"), "node" + (i + 1) + " logs refused internal calls");
        String metrics = Http.call(c.clientVertxForTools(), io.vertx.core.http.HttpMethod.GET, c.host(i),
            c.config(i).getInteger("httpPort"), "/metrics", null).body();
        assertTrue(metrics.contains("kv_security_refused_total{node=\"node" + (i + 1) + "\",reason=\"peer_handshake\"}"), metrics);
        assertTrue(metrics.contains("reason=\"client_port_internal\""));
      }

      // operators with the cluster's kvctl certificate reach the peer port
      Attacker operator = new Attacker(c.clientVertxForTools(), Attacker.Mode.TLS_MEMBER_CERT, certs.resolve("kvctl.pem"), certs.resolve("kvctl-key.pem"));
      ReplicaProto.NodeStatus status = ReplicaGrpcClient.create(operator.grpc(),
          SocketAddress.inetSocketAddress(c.config(0).getInteger("peerPort"), c.host(0))).status(ReplicaProto.StatusRequest.getDefaultInstance()).await();
      assertEquals(3, status.getMembersCount());
      // and so does kvctl, as an operator runs it; without the certificate the client port says where to go
      String peer = c.host(0) + ":" + c.config(0).getInteger("peerPort");
      Path out = dir.resolve("kvctl-status.log");
      Process kvctl = ProcessCluster.launch(out, "kvctl", "status", "--node", peer, "--tls-dir", certs.toString());
      assertTrue(kvctl.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
      String printed = java.nio.file.Files.readString(out);
      assertEquals(0, kvctl.exitValue(), printed);
      assertTrue(printed.contains("3 nodes") && printed.contains("node3"), printed);
      Path denied = dir.resolve("kvctl-denied.log");
      Process plain = ProcessCluster.launch(denied, "kvctl", "status", "--node", c.grpcAddress(0));
      assertTrue(plain.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
      String refusal = java.nio.file.Files.readString(denied);
      assertEquals(1, plain.exitValue(), refusal);
      assertTrue(refusal.contains("PERMISSION_DENIED") && refusal.contains("peer port (" + peer + ")"), refusal);

      // a node's certificate reaches the peer port but drives no operator action
      Path nodeAsKvctl = dir.resolve("node-as-kvctl");
      java.nio.file.Files.createDirectories(nodeAsKvctl);
      java.nio.file.Files.copy(certs.resolve("node2.pem"), nodeAsKvctl.resolve("kvctl.pem"));
      java.nio.file.Files.copy(certs.resolve("node2-key.pem"), nodeAsKvctl.resolve("kvctl-key.pem"));
      java.nio.file.Files.copy(certs.resolve("ca.pem"), nodeAsKvctl.resolve("ca.pem"));
      Attacker node2 = new Attacker(c.clientVertxForTools(), Attacker.Mode.TLS_MEMBER_CERT, certs.resolve("node2.pem"), certs.resolve("node2-key.pem"));
      SocketAddress peerOf1 = SocketAddress.inetSocketAddress(c.config(0).getInteger("peerPort"), c.host(0));
      assertEquals("OK", Attacker.outcome(grpcAttacks(node2.grpc()).get("Replica/Status"), peerOf1), "a node's certificate reads Status");
      for (String action : List.of("Replica/Repair rows_per_sec=MAX", "Replica/Decommission", "Replica/RemoveNode node2",
          "Replica/Snapshot create", "Replica/ImportRows")) {
        assertEquals("PERMISSION_DENIED", Attacker.outcome(grpcAttacks(node2.grpc()).get(action), peerOf1), action + " with node2's certificate");
      }
      kvstore.testing.KvctlRun cleanup = kvstore.testing.KvctlRun.of(60, "cleanup", "--node", peer, "--tls-dir", nodeAsKvctl.toString());
      assertEquals(1, cleanup.exit(), cleanup.out());
      assertTrue(cleanup.out().contains("PERMISSION_DENIED") && cleanup.out().contains("operator action"), cleanup.out());
      assertEquals(3, c.membership(0).getJsonArray("nodes").size(), "nothing left or was removed");

      // every TLS mismatch an operator can make says what to do
      Path foreignDir = dir.resolve("foreign-kvctl");
      Path wrongCa = dir.resolve("wrong-ca");
      java.nio.file.Files.createDirectories(foreignDir);
      java.nio.file.Files.createDirectories(wrongCa);
      java.nio.file.Files.copy(foreign.resolve("mallory.pem"), foreignDir.resolve("kvctl.pem"));
      java.nio.file.Files.copy(foreign.resolve("mallory-key.pem"), foreignDir.resolve("kvctl-key.pem"));
      java.nio.file.Files.copy(certs.resolve("ca.pem"), foreignDir.resolve("ca.pem"));
      java.nio.file.Files.copy(certs.resolve("kvctl.pem"), wrongCa.resolve("kvctl.pem"));
      java.nio.file.Files.copy(certs.resolve("kvctl-key.pem"), wrongCa.resolve("kvctl-key.pem"));
      java.nio.file.Files.copy(foreign.resolve("ca.pem"), wrongCa.resolve("ca.pem"));
      Map<String, List<String>> mistakes = new LinkedHashMap<>();
      mistakes.put("--tls-dir DIR", List.of("status", "--node", peer));
      mistakes.put("not one (another cluster's", List.of("status", "--node", peer, "--tls-dir", foreignDir.toString()));
      mistakes.put("not signed by the CA in --tls-dir", List.of("status", "--node", peer, "--tls-dir", wrongCa.toString()));
      mistakes.put("does not speak TLS", List.of("ring", "--node", c.grpcAddress(0), "--tls-dir", certs.toString()));
      for (var m : mistakes.entrySet()) {
        kvstore.testing.KvctlRun run = kvstore.testing.KvctlRun.of(60, m.getValue().toArray(new String[0]));
        assertEquals(1, run.exit(), run.out());
        assertTrue(run.out().contains(m.getKey()) && !run.out().contains("Exception"), m.getValue() + ": " + run.out());
      }
    }
  }

  /**
   * With httpTls the HTTP port is HTTPS and asks for a client certificate: the console's operator
   * actions then run for the holder of the operator certificate only (401 without one, 403 with a
   * certificate from another CA), while the key API needs none.
   */
  @Test
  void theConsolesOperatorActionsNeedTheOperatorCertificateOverHttps() throws Exception {
    Path certs = dir.resolve("certs");
    Path foreign = dir.resolve("foreign");
    ProcessCluster.runCerts(dir.resolve("foreign.log"), "certs", "--dir", foreign.toString(), "mallory");
    try (ProcessCluster c = new ProcessCluster(dir, 1, (i, cfg) -> cfg.put("replicationFactor", 1)).secure(certs).start()) {
      String host = c.host(0);
      int http = c.config(0).getInteger("httpPort");
      c.terminate(0);
      c.config(0).put("httpTls", true);
      c.launch(0);
      Attacker noCert = new Attacker(c.clientVertxForTools(), Attacker.Mode.TLS_NO_CERT, null, null);
      kvstore.testing.Await.until("node1 serving HTTPS", java.time.Duration.ofSeconds(30),
          () -> noCert.post(host, http, "/v1/admin/repair", "application/json", "{}") == 401);
      Attacker mallory = new Attacker(c.clientVertxForTools(), Attacker.Mode.TLS_FOREIGN_CERT, foreign.resolve("mallory.pem"),
          foreign.resolve("mallory-key.pem"));
      Attacker plaintext = new Attacker(c.clientVertxForTools(), Attacker.Mode.PLAINTEXT, null, null);
      Attacker operator = new Attacker(c.clientVertxForTools(), Attacker.Mode.TLS_MEMBER_CERT, certs.resolve("kvctl.pem"),
          certs.resolve("kvctl-key.pem"));
      // a node's certificate is the cluster's, but not an operator's
      Attacker node = new Attacker(c.clientVertxForTools(), Attacker.Mode.TLS_MEMBER_CERT, certs.resolve("node1.pem"), certs.resolve("node1-key.pem"));
      for (String action : List.of("/v1/admin/repair", "/v1/admin/cleanup", "/v1/admin/decommission")) {
        assertEquals(401, noCert.post(host, http, action, "application/json", "{}"), action);
        assertEquals(403, mallory.post(host, http, action, "application/json", "{}"), action);
        assertEquals(403, node.post(host, http, action, "application/json", "{}"), action + " with a node's certificate");
        assertEquals(-1, plaintext.post(host, http, action, "application/json", "{}"), "no plaintext answer on an HTTPS port");
      }
      assertEquals(200, noCert.post(host, http, "/v1/mget", "application/json", "{\"keys\": [\"k\"]}"),
          "the key API follows the client API's rules: no certificate needed");
      assertEquals(200, operator.post(host, http, "/v1/admin/repair", "application/json", "{}"), "the operator runs a repair");
      assertTrue(c.log(0).contains("[CONSOLE] Repair asked from"), "the operator's action is logged");
    }
  }
}
