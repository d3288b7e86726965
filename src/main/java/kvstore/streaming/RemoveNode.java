package kvstore.streaming;

import io.vertx.core.Future;
import kvstore.log.EventLog;
import kvstore.membership.ClusterView;
import kvstore.membership.GossipVerticle;

import java.util.ArrayList;
import java.util.List;

/**
 * A dead node leaves the ring ({@code kvctl removenode}): this node announces it LEAVING on its
 * behalf (peers take that only because they, too, judge it DOWN), streams each of its ranges from
 * enough surviving replicas ({@link RangeMoves#sourcesNeeded}) to the next owner, then announces it
 * LEFT; every node then drops its hints for it.
 */
final class RemoveNode {
  private final MoveSteps steps;
  private final String nodeId;

  RemoveNode(MoveSteps steps, String nodeId) {
    this.steps = steps;
    this.nodeId = nodeId;
  }

  Future<String> run(MoveStats stats) {
    ClusterView v = steps.view.get();
    int rf = steps.config.replicationFactor();
    if (v.member(nodeId) == null) {
      return Future.failedFuture(new IllegalArgumentException("no member " + EventLog.quote(nodeId) + " in this cluster"));
    }
    if (!v.ring().nodes().contains(nodeId)) {
      if (v.member(nodeId).state() == kvstore.membership.RingState.JOINING) {
        // a join that died before it finished: it owns nothing, so nothing streams; it only leaves
        steps.log.info("[REMOVENODE] " + nodeId + " never finished its join; announcing it LEFT");
        return steps.request(GossipVerticle.REMOVE, nodeId).map(x -> "node " + nodeId + " (a join that never finished) is LEFT");
      }
      return Future.failedFuture(new IllegalArgumentException("node " + nodeId + " is not in the ring"));
    }
    if (v.ring().nodes().size() - 1 < rf) {
      return Future.failedFuture(new IllegalStateException("removing " + nodeId + " would leave " + (v.ring().nodes().size() - 1)
          + " node(s) for replicationFactor " + rf));
    }
    return steps.confirmed("[REMOVENODE]", nodeId, () -> announceAndStream(rf, stats), 1)
        .compose(x -> steps.request(GossipVerticle.REMOVE, nodeId))
        .map(x -> "node " + nodeId + " is LEFT; its ranges have their replicas again");
  }

  private Future<Void> announceAndStream(int rf, MoveStats stats) {
    steps.log.info("[REMOVENODE] announcing " + nodeId + " LEAVING");
    return steps.request(GossipVerticle.REMOVING, nodeId)
        .compose(x -> steps.delay(steps.config.requestTimeoutMs()))
        .compose(x -> {
          ClusterView now = steps.view.get();
          List<RangeMoves.Transfer> moves = new ArrayList<>();
          for (RangeMoves.Transfer t : RangeMoves.between(now.ring(), now.futureRing(), rf)) {
            List<String> survivors = new ArrayList<>(t.sources());
            survivors.remove(nodeId);
            moves.add(new RangeMoves.Transfer(t.first(), t.last(), survivors, t.targets()));
          }
          int needed = RangeMoves.sourcesNeeded(rf, steps.config.writeConsistency().required(rf));
          steps.log.info("[REMOVENODE] streaming " + moves.size() + " token ranges of " + nodeId + " from " + needed
              + " surviving replicas each");
          return steps.stream(moves, needed, stats);
        });
  }
}
