package kvstore.replication;

import kvstore.membership.ClusterView;
import kvstore.metrics.NodeMetrics;
import kvstore.version.Versioned;

import java.util.function.LongSupplier;

/**
 * Hinted handoff's decision, Dynamo section 4.6: a replica that missed a write gets a hint,
 * stored by the coordinator and replayed when the replica is back (HintReplayVerticle), unless it
 * has been silent longer than the hint window; then anti-entropy repairs it instead. Hints never
 * count toward W. Time is injected, so the window is tested without waiting.
 */
final class HintedHandoff {
  private final HintSink hints;
  private final long hintWindowMs;
  private final LongSupplier wallClockMs;
  private final NodeMetrics metrics;

  HintedHandoff(HintSink hints, long hintWindowMs, LongSupplier wallClockMs, NodeMetrics metrics) {
    this.hints = hints;
    this.hintWindowMs = hintWindowMs;
    this.wallClockMs = wallClockMs;
    this.metrics = metrics;
  }

  /** {@code node} missed {@code row}: hint it, or count the hint as dropped past the window. */
  void missed(ClusterView view, String node, Versioned row) {
    if (node.equals(view.selfId())) {
      return; // this node's own write failed: there is nobody to hand it to later
    }
    if (view.silentForMs(node, wallClockMs.getAsLong()) <= hintWindowMs) {
      hints.hint(node, row);
    } else {
      metrics.hintDropped();
    }
  }
}
