package kvstore.streaming;

import io.vertx.core.Future;
import kvstore.membership.RingState;

/**
 * A fresh node under a dead node's id ({@code replaceNode}): once every member has heard its
 * new generation as REPLACING (they write to it but do not read from it), it streams every range
 * of the dead node from enough of the other replicas of that range ({@link RangeMoves#sourcesNeeded})
 * - the dead node's copies are gone, so a write acknowledged at QUORUM may be on one of the others
 * only - then announces NORMAL.
 */
final class Replace {
  private final MoveSteps steps;

  Replace(MoveSteps steps) {
    this.steps = steps;
  }

  Future<String> run(MoveStats stats) {
    int rf = steps.config.replicationFactor();
    return steps.enter("[REPLACE]", RingState.REPLACING, now -> RangeMoves.replicatedBy(now.ring(), now.selfId(), rf),
        RangeMoves.sourcesNeeded(rf, steps.config.writeConsistency().required(rf)), stats);
  }
}
