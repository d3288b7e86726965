package kvstore.ops;

import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.grpc.reflection.v1.ServiceResponse;
import kv.Kv;
import kvstore.testing.Http;
import kvstore.testing.InProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /metrics, gRPC health checking and server reflection on a running cluster. */
class ObservabilityTest {
  @TempDir
  Path dir;

  @Test
  void metricsHealthAndReflection() {
    try (InProcessCluster c = new InProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      c.client(0).put("m", "v", Kv.Consistency.ALL);
      c.client(0).get("m");
      assertEquals(io.vertx.grpc.common.GrpcStatus.INVALID_ARGUMENT, kvstore.testing.KvClient.statusOf(() -> c.client(0).put("", "v")));
      Http.Reply r = Http.call(c.clientVertx(), io.vertx.core.http.HttpMethod.GET, c.config(0).getInteger("httpPort"), "/metrics", null);
      assertEquals(200, r.status());
      String text = r.body();
      for (String expected : List.of(
          "kv_rpc_requests_total{method=\"Put\",node=\"node1\",status=\"OK\"} 1.0",
          "kv_rpc_requests_total{method=\"Get\",node=\"node1\",status=\"OK\"} 1.0",
          "kv_rpc_requests_total{method=\"Put\",node=\"node1\",status=\"INVALID_ARGUMENT\"} 1.0",
          "kv_rpc_latency_seconds_bucket{method=\"Put\"",
          "kv_replica_writes_total{node=\"node1\",outcome=\"ok\"} 3.0",
          "kv_storage_commit_rows_count", "kv_storage_commit_seconds_bucket", "kv_gossip_rounds_total",
          "kv_hints_stored_total", "kv_hints_replayed_total", "kv_read_repairs_total", "kv_anti_entropy_rows_total",
          "kv_event_loop_lag_seconds_count", "vertx_sql_processing_time_seconds_count", "jvm_memory_used_bytes", "kv_row_cache_entries{node=\"node1\"}",
          "kv_merkle_ready{node=\"node1\"}", "kv_anti_entropy_bytes_total",
          // the ALL put sent one Write to each of the two peers and one request to its own storage, the get one read to a peer
          "kv_replica_batch_items_count{kind=\"write\",node=\"node1\"} 2\n",
          "kv_replica_batch_items_count{kind=\"local_write\",node=\"node1\"} 1\n",
          "kv_replica_batch_items_count{kind=\"read\",node=\"node1\"} 1\n")) {
        assertTrue(text.contains(expected), "/metrics lacks " + expected);
      }

      SocketAddress addr = SocketAddress.inetSocketAddress(c.config(0).getInteger("grpcPort"), "127.0.0.1");
      GrpcClient grpc = GrpcClient.client(c.clientVertx());
      ServiceMethod<HealthCheckResponse, HealthCheckRequest> check = ServiceMethod.client(ServiceName.create("grpc.health.v1.Health"),
          "Check", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));
      for (String service : List.of("", "kv.KeyValue")) {
        HealthCheckResponse h = grpc.request(addr, check)
            .compose(req -> req.send(HealthCheckRequest.newBuilder().setService(service).build()))
            .compose(resp -> resp.last()).await();
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus(), "health of '" + service + "'");
      }

      ServiceMethod<ServerReflectionResponse, ServerReflectionRequest> info = ServiceMethod.client(
          ServiceName.create("grpc.reflection.v1.ServerReflection"), "ServerReflectionInfo",
          GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(ServerReflectionResponse.newBuilder()));
      ServerReflectionResponse listed = grpc.request(addr, info)
          .compose(req -> req.send(ServerReflectionRequest.newBuilder().setListServices("").build()))
          .compose(resp -> resp.last()).await();
      List<String> services = listed.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList();
      assertTrue(services.containsAll(List.of("kv.KeyValue", "kvreplica.Replica", "grpc.health.v1.Health")), services.toString());
      grpc.close().await();
    }
  }
}
