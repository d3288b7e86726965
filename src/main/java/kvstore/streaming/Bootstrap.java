package kvstore.streaming;

import io.vertx.core.Future;
import kvstore.membership.ClusterView;
import kvstore.membership.RingState;
import kvstore.quorum.Consistency;

import java.util.ArrayList;
import java.util.List;

/**
 * Bootstrap of this node: once it met the cluster and every live member knows it is JOINING (and
 * sees no earlier move), it streams each range it will replicate from a quorum of that range's
 * current replicas (the first that answer, in preference-list order), so no write acknowledged
 * at QUORUM is missed, then announces NORMAL. Until then it is in no preference list for reads,
 * while coordinators already send it the writes of those ranges (CASSANDRA-833).
 */
final class Bootstrap {
  private final MoveSteps steps;

  Bootstrap(MoveSteps steps) {
    this.steps = steps;
  }

  Future<String> run(MoveStats stats) {
    return steps.meetCluster("[BOOTSTRAP]", 0).compose(x -> {
      steps.log.info("[BOOTSTRAP] announcing JOINING to the cluster");
      return steps.announce(RingState.JOINING.name());
    })
        // writes coordinated before a node heard of this one have had their time to finish
        .compose(x -> steps.delay(steps.config.requestTimeoutMs()))
        .compose(x -> {
          ClusterView now = steps.view.get();
          if (!now.futureRing().nodes().contains(now.selfId())) {
            return Future.failedFuture(new IllegalStateException("another move is in progress"));
          }
          List<RangeMoves.Transfer> mine = new ArrayList<>();
          for (RangeMoves.Transfer t : RangeMoves.between(now.ring(), now.futureRing(), steps.config.replicationFactor())) {
            if (t.targets().contains(now.selfId())) {
              mine.add(new RangeMoves.Transfer(t.first(), t.last(), t.sources(), List.of(now.selfId())));
            }
          }
          steps.log.info("[BOOTSTRAP] streaming " + mine.size() + " token ranges from their current replicas");
          return steps.stream(mine, Consistency.QUORUM.required(steps.config.replicationFactor()), stats);
        })
        .compose(x -> steps.announce(RingState.NORMAL.name()))
        .compose(x -> RingStateFile.write(steps.vertx, steps.config, "NORMAL"))
        .map(x -> "this node is NORMAL and serves reads");
  }
}
