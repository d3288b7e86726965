package kvstore.membership;

import kvstore.ring.Ring;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An immutable snapshot of what one node knows of the cluster: members with their status and the
 * ring built from them. The gossip verticle publishes a new one on every change.
 */
public record ClusterView(String selfId, Map<String, Member> members, Ring ring) {

  public static ClusterView of(String selfId, List<Member> members, Ring ring) {
    return new ClusterView(selfId, members.stream().collect(Collectors.toUnmodifiableMap(Member::nodeId, Function.identity())), ring);
  }

  public Member member(String nodeId) {
    return members.get(nodeId);
  }

  public boolean isUp(String nodeId) {
    Member m = members.get(nodeId);
    return m != null && m.status() == Status.UP;
  }
}
