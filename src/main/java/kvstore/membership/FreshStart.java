package kvstore.membership;

import java.util.List;
import java.util.Map;

/**
 * How a node with an empty data directory that is one of its own seeds enters the ring. Such a node
 * is either one of the first nodes of a new cluster, or a member that lost its disk (a wiped
 * dataDir, a Kubernetes pod that lost its volume) and restarted with its old config. The second
 * must not come back NORMAL: it would answer reads of its ranges with nothing and count toward
 * quorums empty. The other seeds tell the two apart: they remember a member that had ranges.
 */
public final class FreshStart {
  /** What one other seed said: the states it holds per node id ({@code null}: it did not answer; empty: it refused the connection). */
  public record Answer(String seed, Map<String, String> states) {
    boolean answered() {
      return states != null && !states.isEmpty();
    }
  }

  /** The decision, and the line that explains it. */
  public record Decision(RingState state, String why) {
  }

  private FreshStart() {
  }

  /**
   * REPLACING (stream its ranges from the replicas first) when a seed remembers {@code selfId} as
   * a member with ranges; JOINING when one remembers it as a member that left; NORMAL when one answers without it, or when every other seed refused the
   * connection (none is running: a new cluster starting, or the whole cluster down); null while a
   * seed neither answered nor refused and {@code waitedMs} is below {@code maxWaitMs}.
   */
  public static Decision decide(String selfId, List<Answer> answers, long waitedMs, long maxWaitMs) {
    for (Answer a : answers) {
      if (a.answered() && "LEFT".equals(a.states().get(selfId))) {
        // a leave is final: the cluster refuses the id back unless it joins as a new, empty node (a seed
        // that still remembers it with ranges has not heard of the leave yet)
        return new Decision(RingState.JOINING, "this node's dataDir is empty and " + a.seed() + " knows " + selfId
            + " as a member that left: it joins again as a new node and streams its ranges before it serves reads");
      }
    }
    for (Answer a : answers) {
      if (a.answered()) {
        String state = a.states().get(selfId);
        if (state != null && (state.equals("NORMAL") || state.equals("LEAVING") || state.equals("REPLACING"))) {
          return new Decision(RingState.REPLACING, "this node's dataDir is empty, but " + a.seed() + " knows " + selfId + " as a " + state
              + " member: it lost its data, so it streams its ranges from their other replicas before it serves reads");
        }
      }
    }
    for (Answer a : answers) {
      if (a.answered()) {
        return new Decision(RingState.NORMAL, "a new member: " + a.seed() + " does not know " + selfId);
      }
    }
    boolean allRefused = answers.stream().allMatch(a -> a.states() != null);
    if (allRefused) {
      return new Decision(RingState.NORMAL, answers.isEmpty() ? "no other seed" : "no other seed is running: starting as one of a new cluster's first nodes");
    }
    if (waitedMs >= maxWaitMs) {
      return new Decision(RingState.NORMAL, "no other seed answered within " + maxWaitMs + " ms: starting as one of a new cluster's first nodes");
    }
    return null;
  }
}
