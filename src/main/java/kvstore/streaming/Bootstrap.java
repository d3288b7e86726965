package kvstore.streaming;

import io.vertx.core.Future;
import kvstore.membership.ClusterView;
import kvstore.membership.RingState;

import java.util.ArrayList;
import java.util.List;

/**
 * Bootstrap of this node: once every member knows it is JOINING (and sees no earlier move),
 * it streams each range it will replicate from a quorum of that range's current replicas (the
 * first that answer, in preference-list order), so no write acknowledged at QUORUM is missed, then
 * announces NORMAL. Until then it is in no preference list for reads, while coordinators already
 * send it the writes of those ranges (CASSANDRA-833).
 */
final class Bootstrap {
  private final MoveSteps steps;

  Bootstrap(MoveSteps steps) {
    this.steps = steps;
  }

  Future<String> run(MoveStats stats) {
    int rf = steps.config.replicationFactor();
    return steps.enter("[BOOTSTRAP]", RingState.JOINING, now -> gains(now, rf),
        RangeMoves.sourcesNeeded(rf, steps.config.writeConsistency().required(rf)), stats);
  }

  /** The intervals this node gains in the ring after the move, each from its current replicas. */
  private static List<RangeMoves.Transfer> gains(ClusterView now, int rf) {
    if (!now.futureRing().nodes().contains(now.selfId())) {
      throw new IllegalStateException("another move is in progress");
    }
    List<RangeMoves.Transfer> mine = new ArrayList<>();
    for (RangeMoves.Transfer t : RangeMoves.between(now.ring(), now.futureRing(), rf)) {
      if (t.targets().contains(now.selfId())) {
        mine.add(new RangeMoves.Transfer(t.first(), t.last(), t.sources(), List.of(now.selfId())));
      }
    }
    return mine;
  }
}
