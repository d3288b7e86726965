package kvstore.membership;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The gossip state of one node: the newest entry known for every member and when its heartbeat last
 * advanced here. Plain Java with injected time, so merges and status changes are tested directly.
 *
 * <p>A member is never dropped: one that stops heartbeating turns SUSPECT, then DOWN, and stays
 * listed; its entries come back to UP when it gossips again (a restart brings a new generation).
 */
public final class MembershipTable {
  private final String selfId;
  private final LongSupplier clock;
  private final long suspectAfterMs;
  private final long downAfterMs;
  private final Map<String, Member> members = new HashMap<>();
  private final Map<String, Long> lastAdvanced = new HashMap<>();

  public MembershipTable(Member self, LongSupplier clock, long suspectAfterMs, long downAfterMs) {
    this.selfId = self.nodeId();
    this.clock = clock;
    this.suspectAfterMs = suspectAfterMs;
    this.downAfterMs = downAfterMs;
    members.put(selfId, self.withStatus(Status.UP));
  }

  public String selfId() {
    return selfId;
  }

  /** Advances this node's own heartbeat: one per gossip round. */
  public synchronized void tick() {
    Member me = members.get(selfId);
    members.put(selfId, new Member(me.nodeId(), me.grpcAddress(), me.gossipAddress(), me.heartbeat() + 1, me.generation(), Status.UP));
  }

  /** Merges a peer's digest; returns the members heard of for the first time. */
  public synchronized List<Member> merge(List<Member> digest) {
    List<Member> discovered = new ArrayList<>();
    long now = clock.getAsLong();
    for (Member m : digest) {
      if (m.nodeId().equals(selfId)) {
        continue;
      }
      Member known = members.get(m.nodeId());
      if (m.supersedes(known)) {
        if (known == null) {
          discovered.add(m);
        }
        // the status field travels but is each node's own judgement, except LEFT which the node announces itself
        members.put(m.nodeId(), m.withStatus(m.status() == Status.LEFT ? Status.LEFT : Status.UP));
        lastAdvanced.put(m.nodeId(), now);
      }
    }
    return discovered;
  }

  /** Every known member with the status this node judges it to have, sorted by id. */
  public synchronized List<Member> snapshot() {
    long now = clock.getAsLong();
    List<Member> out = new ArrayList<>(members.size());
    for (Member m : members.values()) {
      out.add(m.withStatus(statusOf(m, now)));
    }
    out.sort(Comparator.comparing(Member::nodeId));
    return out;
  }

  private Status statusOf(Member m, long now) {
    if (m.nodeId().equals(selfId)) {
      return Status.UP;
    }
    if (m.status() == Status.LEFT) {
      return Status.LEFT;
    }
    long silent = now - lastAdvanced.getOrDefault(m.nodeId(), now);
    if (silent >= downAfterMs) {
      return Status.DOWN;
    }
    return silent >= suspectAfterMs ? Status.SUSPECT : Status.UP;
  }

  public synchronized Member self() {
    return members.get(selfId);
  }
}
