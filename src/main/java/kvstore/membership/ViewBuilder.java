package kvstore.membership;

import kvstore.ring.Ring;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the {@link ClusterView} the node publishes from its membership table: the ring of the
 * members that own ranges now, the future ring of the one move under way ({@link ActiveMove}), and
 * a new view only when something a reader cares about changed (addresses, generations, statuses,
 * states; never heartbeats alone). Rings are rebuilt only when their node sets change. Plain Java.
 */
public final class ViewBuilder {
  private final String selfId;
  private final int vnodes;
  private ClusterView view;
  private Set<String> ringNodes = Set.of();
  private Set<String> futureRingNodes = Set.of();

  public ViewBuilder(String selfId, int vnodes) {
    this.selfId = selfId;
    this.vnodes = vnodes;
  }

  /** The last view built (null before the first). */
  public ClusterView current() {
    return view;
  }

  /** The new view when it differs from the current one in anything but heartbeats, else null. */
  public ClusterView next(List<Member> members, Map<String, Long> lastHeardMs) {
    Set<String> nodes = new HashSet<>();
    for (Member m : members) {
      if (m.status() != Status.LEFT && m.state().ownsNow()) {
        nodes.add(m.nodeId());
      }
    }
    Set<String> future = new HashSet<>(nodes);
    ActiveMove.of(members).ifPresent(m -> {
      if (m.state() == RingState.JOINING) {
        future.add(m.nodeId());
      } else {
        future.remove(m.nodeId());
      }
    });
    Ring ring = view != null && nodes.equals(ringNodes) ? view.ring() : Ring.of(nodes, vnodes);
    Ring futureRing = future.equals(nodes) ? ring
        : view != null && future.equals(futureRingNodes) ? view.futureRing() : Ring.of(future, vnodes);
    ClusterView candidate = ClusterView.of(selfId, members, ring, futureRing, lastHeardMs);
    if (view != null && sameMembership(view, candidate)) {
      return null;
    }
    view = candidate;
    ringNodes = nodes;
    futureRingNodes = future;
    return candidate;
  }

  /** Heartbeats change every round; only addresses, generations, statuses and states matter to readers of the view. */
  static boolean sameMembership(ClusterView a, ClusterView b) {
    if (!a.members().keySet().equals(b.members().keySet())) {
      return false;
    }
    for (Member m : a.members().values()) {
      Member o = b.member(m.nodeId());
      if (o.status() != m.status() || o.state() != m.state() || o.generation() != m.generation() || !o.sameAddresses(m)) {
        return false;
      }
    }
    return true;
  }
}
