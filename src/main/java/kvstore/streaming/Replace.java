package kvstore.streaming;

import io.vertx.core.Future;
import kvstore.membership.ClusterView;
import kvstore.membership.RingState;

import java.util.List;

/**
 * A fresh node under a dead node's id ({@code replaceNode}): once every live member has heard its
 * new generation as REPLACING (they write to it but do not read from it), it streams every range
 * of the dead node from all the other replicas of that range - the dead node's copies are gone,
 * so a write acknowledged at QUORUM may be on one of them only - then announces NORMAL.
 */
final class Replace {
  private final MoveSteps steps;

  Replace(MoveSteps steps) {
    this.steps = steps;
  }

  Future<String> run(MoveStats stats) {
    return steps.meetCluster("[REPLACE]", 0).compose(x -> {
      steps.log.info("[REPLACE] announcing REPLACING: this node takes the place of the dead " + steps.config.nodeId());
      return steps.announce(RingState.REPLACING.name());
    })
        .compose(x -> steps.delay(steps.config.requestTimeoutMs()))
        .compose(x -> {
          ClusterView now = steps.view.get();
          List<RangeMoves.Transfer> mine = RangeMoves.replicatedBy(now.ring(), now.selfId(), steps.config.replicationFactor());
          steps.log.info("[REPLACE] streaming " + mine.size() + " token ranges from their other replicas");
          return steps.stream(mine, Integer.MAX_VALUE, stats);
        })
        .compose(x -> steps.announce(RingState.NORMAL.name()))
        .compose(x -> RingStateFile.write(steps.vertx, steps.config, "NORMAL"))
        .map(x -> "this node is NORMAL and serves reads");
  }
}
