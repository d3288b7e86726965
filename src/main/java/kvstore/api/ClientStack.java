package kvstore.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClient;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;
import kvstore.membership.ClusterView;
import kvstore.metrics.NodeMetrics;
import kvstore.replication.Coordinator;
import kvstore.replication.HintSink;
import kvstore.replication.LocalReplica;
import kvstore.replication.PaxosProposer;
import kvstore.replication.ReplicaDirectory;
import kvstore.replication.StorageHintSink;
import kvstore.rpc.PeerClients;
import kvstore.security.ClusterTls;
import kvstore.storage.EventBusStorage;
import kvstore.storage.RowCache;
import kvstore.storage.SplitStorage;
import kvstore.storage.SqliteReader;
import kvstore.version.HybridLogicalClock;
import kvstore.version.StallDetector;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What one verticle serving clients holds, on its own event loop: its storage reader, its peer
 * connections, the replicas and the coordinator over them, and the client API they serve (gRPC
 * and HTTP/JSON alike go through {@link #keyValue}, so both check, count and answer the same way).
 */
public final class ClientStack {
  public final SplitStorage storage;
  public final ReplicaDirectory replicas;
  public final Coordinator coordinator;
  public final RequestLimits limits;
  public final KeyValueApi keyValue;
  public final GrpcClient peers;
  /** This node's own replica (rows and Paxos state). */
  public final LocalReplica local;
  private final SqliteReader reader;

  private ClientStack(LocalReplica local, SplitStorage storage, ReplicaDirectory replicas, Coordinator coordinator, RequestLimits limits, KeyValueApi keyValue,
                      GrpcClient peers, SqliteReader reader) {
    this.local = local;
    this.storage = storage;
    this.replicas = replicas;
    this.coordinator = coordinator;
    this.limits = limits;
    this.keyValue = keyValue;
    this.peers = peers;
    this.reader = reader;
  }

  public static ClientStack create(Vertx vertx, NodeConfig config, ClusterTls tls, HybridLogicalClock clock, StallDetector stalls, NodeMetrics metrics,
                                   EventLog log, RowCache cache, Supplier<ClusterView> view) {
    // this node's replica answers within the same deadline as a remote one: a stalled disk fails it
    // like a slow peer instead of holding an ALL client for a fixed 30 s
    EventBusStorage bus = new EventBusStorage(vertx.eventBus(), config.requestTimeoutMs());
    SqliteReader reader = new SqliteReader(vertx, kvstore.storage.SqliteFile.of(config), 1);
    SplitStorage storage = new SplitStorage(reader, bus, cache);
    LocalReplica local = new LocalReplica(config.nodeId(), storage, clock, config.replicaBatchBytes(),
        metrics.batchSizes(NodeMetrics.BatchKind.LOCAL_WRITE), bus::paxos);
    GrpcClient peers = PeerClients.create(vertx, config, tls);
    ReplicaDirectory directory = new ReplicaDirectory(local, peers, clock, view, config.replicaBatchBytes(), metrics);
    HintSink hints = config.hintedHandoff() ? new StorageHintSink(bus, metrics, log) : HintSink.NONE;
    Coordinator coordinator = new Coordinator(view, directory, clock, config.replicationFactor(), hints, config.hintWindowMs(), metrics, log);
    RequestLimits limits = new RequestLimits(config.maxKeyBytes(), config.maxValueBytes(), config.maxMultiGetKeys(), clock);
    PaxosProposer paxos = new PaxosProposer(view, directory, clock, config.replicationFactor(), config.casTimeoutMs(),
        config.casCommitWait(), System::currentTimeMillis, (ms, task) -> vertx.setTimer(ms, t -> task.run()), metrics, log);
    KeyValueApi keyValue = new KeyValueApi(vertx, config.nodeId(), coordinator, paxos, storage, clock, stalls, limits,
        config.writeConsistency(), config.readConsistency(), metrics, log);
    return new ClientStack(local, storage, directory, coordinator, limits, keyValue, peers, reader);
  }

  /** Closes the peer connections and the reader. */
  public Future<Void> close() {
    return peers.close().eventually(reader::close);
  }
}
