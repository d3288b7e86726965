package kvstore.membership;

import kvstore.ring.Ring;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An immutable snapshot of what one node knows of the cluster: members with their status, the
 * ring reads and writes use now (NORMAL and LEAVING members) and the ring as it will be once the
 * move in progress is done (NORMAL and JOINING members); the two are the same object when nothing
 * moves. The gossip verticle publishes a new one on every change.
 */
public record ClusterView(String selfId, Map<String, Member> members, Ring ring, Ring futureRing, Map<String, Long> lastHeardMs) {

  public static ClusterView of(String selfId, List<Member> members, Ring ring, Map<String, Long> lastHeardMs) {
    return of(selfId, members, ring, ring, lastHeardMs);
  }

  public static ClusterView of(String selfId, List<Member> members, Ring ring, Ring futureRing, Map<String, Long> lastHeardMs) {
    return new ClusterView(selfId, members.stream().collect(Collectors.toUnmodifiableMap(Member::nodeId, Function.identity())),
        ring, futureRing, Map.copyOf(lastHeardMs));
  }

  /** True while ranges move: a node is JOINING or LEAVING. */
  public boolean moving() {
    return ring != futureRing;
  }

  public boolean isDown(String nodeId) {
    Member m = members.get(nodeId);
    return m != null && (m.status() == Status.DOWN || m.status() == Status.LEFT);
  }

  /** How long ago (local clock) the node's heartbeat last advanced; 0 when unknown. */
  public long silentForMs(String nodeId, long nowMs) {
    Long t = lastHeardMs.get(nodeId);
    return t == null || t < 0 ? 0 : nowMs - t;
  }

  public Member member(String nodeId) {
    return members.get(nodeId);
  }

  /** True when the member answers reads for its ranges (not while it joins or replaces a dead node). */
  public boolean serves(String nodeId) {
    Member m = members.get(nodeId);
    return m != null && m.state().serves();
  }

  public boolean isUp(String nodeId) {
    Member m = members.get(nodeId);
    return m != null && m.status() == Status.UP;
  }
}
