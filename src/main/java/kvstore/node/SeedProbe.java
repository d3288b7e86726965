package kvstore.node;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import kvstore.config.NodeConfig;
import kvstore.log.EventLog;
import kvstore.membership.FreshStart;
import kvstore.membership.RingState;
import kvstore.security.ClusterTls;

import java.util.ArrayList;
import java.util.List;

/**
 * Asks the other seeds, once at start, whether they remember this node (for a node whose dataDir is
 * empty); {@link FreshStart} decides from their answers.
 */
final class SeedProbe {
  private SeedProbe() {
  }

  /** How long a fresh node waits for a seed that neither answers nor refuses (paused, or a name not yet resolvable). */
  private static final long FRESH_SEED_WAIT_MS = 10_000;

  /**
   * A node with an empty dataDir asks the other seeds whether they remember it ({@link FreshStart}):
   * a member that lost its disk re-enters REPLACING and streams its ranges before it serves, one
   * that left joins again (JOINING); any other answer is NORMAL here (a new node: it joins or
   * starts a new cluster by the usual rule).
   */
  static Future<RingState> rememberedState(Vertx vertx, NodeConfig config, ClusterTls tls, EventLog log) {
    List<String> others = config.seeds().stream().filter(s -> !s.equals(config.peerAddress())).toList();
    if (others.isEmpty()) {
      return Future.succeededFuture(RingState.NORMAL);
    }
    io.vertx.grpc.client.GrpcClient client = kvstore.rpc.PeerClients.create(vertx, config, tls, 2000);
    long t0 = System.currentTimeMillis();
    return askSeeds(vertx, client, config, others, t0, log).eventually(client::close);
  }

  private static Future<RingState> askSeeds(Vertx vertx, io.vertx.grpc.client.GrpcClient client, NodeConfig config, List<String> others,
                                            long t0, EventLog log) {
    List<Future<FreshStart.Answer>> asked = new ArrayList<>();
    for (String seed : others) {
      asked.add(askSeed(client, seed));
    }
    return Future.join(asked).transform(ar -> {
      List<FreshStart.Answer> answers = asked.stream().map(Future::result).toList();
      FreshStart.Decision d = FreshStart.decide(config.nodeId(), answers, System.currentTimeMillis() - t0, FRESH_SEED_WAIT_MS);
      if (d != null) {
        log.info(d.why());
        return Future.succeededFuture(d.state());
      }
      io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
      vertx.setTimer(1000, t -> later.complete());
      return later.future().compose(x -> askSeeds(vertx, client, config, others, t0, log));
    });
  }

  /** One seed's members and their states (LEFT for a member that left); empty when the connection was refused, null without an answer. */
  private static Future<FreshStart.Answer> askSeed(io.vertx.grpc.client.GrpcClient client, String seed) {
    kvstore.replica.proto.ReplicaGrpcClient replica;
    try {
      replica = kvstore.replica.proto.ReplicaGrpcClient.create(client, kvstore.rpc.PeerClients.address(seed));
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(new FreshStart.Answer(seed, java.util.Map.of()));
    }
    return replica.status(kvstore.replica.proto.ReplicaProto.StatusRequest.getDefaultInstance())
        .timeout(2500, java.util.concurrent.TimeUnit.MILLISECONDS)
        .transform(ar -> {
          if (ar.succeeded()) {
            java.util.Map<String, String> states = new java.util.HashMap<>();
            for (kvstore.replica.proto.ReplicaProto.MemberInfo m : ar.result().getMembersList()) {
              states.put(m.getNodeId(), m.getStatus().equals("LEFT") ? "LEFT" : m.getState());
            }
            return Future.succeededFuture(new FreshStart.Answer(seed, states));
          }
          boolean refused = ar.cause() instanceof java.net.ConnectException || ar.cause() instanceof java.net.UnknownHostException
              || (ar.cause() != null && ar.cause().getCause() instanceof java.net.ConnectException);
          return Future.succeededFuture(new FreshStart.Answer(seed, refused ? java.util.Map.of() : null));
        });
  }

}
