package kvstore.streaming;

import io.vertx.core.Future;
import kvstore.membership.ClusterView;
import kvstore.membership.RingState;
import kvstore.membership.Status;
import kvstore.storage.Hint;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * This node leaves the cluster for good ({@code kvctl decommission}): LEAVING (its ranges are still
 * its own while coordinators also write them to their next owners), every range streamed to the
 * nodes that take it over, its hints handed off, LEFT, and the process exits. A restart is not a
 * leave: SIGTERM never gets here.
 */
final class Decommission {
  private final MoveSteps steps;
  private final Consumer<String> exit;

  /** {@code exit}: called with a last line once this node has left. */
  Decommission(MoveSteps steps, Consumer<String> exit) {
    this.steps = steps;
    this.exit = exit;
  }

  Future<String> run(MoveStats stats) {
    ClusterView v = steps.view.get();
    int after = v.ring().nodes().size() - 1;
    int rf = steps.config.replicationFactor();
    if (after < rf) {
      return Future.failedFuture(new IllegalStateException("decommission would leave " + after + " node(s) for replicationFactor "
          + rf + "; add a node first"));
    }
    return steps.confirmed("[DECOMMISSION]", v.selfId(), () -> announceAndStream(rf, stats), 1)
        .compose(x -> handOffHints())
        .compose(n -> {
          steps.log.info("[DECOMMISSION] handed off " + n + " hints; announcing LEFT");
          return steps.announce(Status.LEFT.name());
        })
        .compose(x -> RingStateFile.write(steps.vertx, steps.config, "LEFT"))
        .map(x -> {
          // the answer to kvctl goes out first
          steps.vertx.setTimer(500, t -> exit.accept("node " + steps.config.nodeId() + " has left the cluster (decommissioned); "
              + "its dataDir can be wiped"));
          return "node " + steps.config.nodeId() + " has left the cluster and stops";
        });
  }

  private Future<Void> announceAndStream(int rf, MoveStats stats) {
    steps.log.info("[DECOMMISSION] announcing LEAVING to the cluster");
    return steps.announce(RingState.LEAVING.name())
        .compose(x -> steps.delay(steps.config.requestTimeoutMs()))
        .compose(x -> {
          ClusterView now = steps.view.get();
          List<RangeMoves.Transfer> mine = new ArrayList<>();
          for (RangeMoves.Transfer t : RangeMoves.between(now.ring(), now.futureRing(), rf)) {
            if (t.sources().contains(now.selfId())) {
              mine.add(new RangeMoves.Transfer(t.first(), t.last(), List.of(now.selfId()), t.targets()));
            }
          }
          steps.log.info("[DECOMMISSION] streaming " + mine.size() + " token ranges to their next owners");
          // from this node's own copy alone: every write this node acknowledged goes with it, and one
          // it missed is on W of the replicas that stay, so each stays on W replicas of the new ring
          return steps.stream(mine, 1, stats);
        });
  }

  /**
   * Hints this node keeps for others go to their target when it is UP, else to the key's other
   * replicas after the move, as ordinary writes; either way they do not leave with this node.
   */
  private Future<Long> handOffHints() {
    return steps.storage.hintCounts().compose(counts -> {
      Future<Long> chain = Future.succeededFuture(0L);
      for (String target : counts.keySet()) {
        chain = chain.compose(sum -> handOff(target).map(n -> sum + n));
      }
      return chain;
    });
  }

  private Future<Long> handOff(String target) {
    return steps.storage.hintsFor(target, MoveSteps.PAGE_ROWS).compose(hints -> {
      if (hints.isEmpty()) {
        return Future.succeededFuture(0L);
      }
      ClusterView v = steps.view.get();
      List<Future<Void>> writes = new ArrayList<>();
      List<Long> ids = new ArrayList<>();
      for (Hint h : hints) {
        ids.add(h.id());
        List<String> to = new ArrayList<>();
        if (v.isUp(target)) {
          to.add(target);
        } else {
          for (String n : v.futureRing().preferenceList(h.row().key(), steps.config.replicationFactor())) {
            if (!n.equals(target) && !n.equals(v.selfId()) && v.isUp(n)) {
              to.add(n);
            }
          }
        }
        for (String n : to) {
          writes.add(steps.sink(n).write(List.of(h.row())));
        }
      }
      return Future.all(writes).compose(x -> steps.storage.dropHints(target, ids))
          .compose(x -> handOff(target).map(n -> n + hints.size()));
    });
  }
}
