package kvstore.replication;

import io.vertx.grpc.client.GrpcClient;
import kvstore.membership.ClusterView;
import kvstore.membership.Member;
import kvstore.metrics.NodeMetrics;
import kvstore.rpc.PeerClients;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.version.HybridLogicalClock;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Finds the {@link Replica} for a node id: this node's storage, or one reused gRPC stub per peer
 * (replaced when the peer's address changes). Used from one event loop only.
 */
public final class ReplicaDirectory implements Function<String, Replica> {
  private final Replica local;
  private final GrpcClient client;
  private final HybridLogicalClock clock;
  private final Supplier<ClusterView> view;
  private final long batchBytes;
  private final NodeMetrics metrics;
  private final Map<String, RemoteReplica> remotes = new HashMap<>();
  private final Map<String, String> addresses = new HashMap<>();

  public ReplicaDirectory(Replica local, GrpcClient client, HybridLogicalClock clock, Supplier<ClusterView> view, long batchBytes,
                          NodeMetrics metrics) {
    this.metrics = metrics;
    this.local = local;
    this.batchBytes = batchBytes;
    this.client = client;
    this.clock = clock;
    this.view = view;
  }

  /** A directory of the peers only, for callers that never address this node's own replica (hint replay). */
  public static ReplicaDirectory peers(GrpcClient client, HybridLogicalClock clock, Supplier<ClusterView> view, long batchBytes,
                                       NodeMetrics metrics) {
    return new ReplicaDirectory(null, client, clock, view, batchBytes, metrics);
  }

  @Override
  public Replica apply(String nodeId) {
    if (!nodeId.equals(view.get().selfId())) {
      return remote(nodeId);
    }
    if (local == null) {
      throw new IllegalStateException("this directory reaches peers only");
    }
    return local;
  }

  /** The peer's stub, or null when no address is known for it. */
  public RemoteReplica remote(String nodeId) {
    Member m = view.get().member(nodeId);
    if (m == null) {
      return null;
    }
    RemoteReplica r = remotes.get(nodeId);
    if (r == null || !m.peerAddress().equals(addresses.get(nodeId))) {
      r = new RemoteReplica(nodeId, ReplicaGrpcClient.create(client, PeerClients.address(m.peerAddress())), clock, batchBytes, metrics);
      remotes.put(nodeId, r);
      addresses.put(nodeId, m.peerAddress());
    }
    return r;
  }
}
