package kvstore.node;

import java.time.Duration;

/**
 * Whether a node may start on the data directory it was given, from what the directory says of
 * itself ({@link NodeStateFile.State}, null when it says nothing): refused, with one line that says
 * what to do, when it holds another node's or another cluster's data, or when the node has been out
 * of touch with its cluster for longer than the tombstone grace period (its copies may hold keys
 * deleted since, whose tombstones the others have purged: Cassandra's gc_grace rule, enforced).
 */
final class StartChecks {
  private StartChecks() {
  }

  /**
   * The line to refuse with, or null to start. {@code member}: the node has been part of a ring
   * with this directory; one that never was (refused by the cluster, say) holds nothing to protect,
   * so its config may change id or cluster.
   */
  static String refusal(String nodeId, String clusterName, String dataDir, NodeStateFile.State recorded, boolean member, long nowMs,
                        long tombstoneGraceMs, boolean allowStaleRejoin) {
    if (recorded == null) {
      return null;
    }
    if (member && !recorded.nodeId().isEmpty() && !recorded.nodeId().equals(nodeId)) {
      return "dataDir " + dataDir + " holds the data of node '" + recorded.nodeId() + "', not of '" + nodeId
          + "': give each node its own dataDir (or start '" + recorded.nodeId() + "' on it)";
    }
    if (member && !recorded.clusterName().isEmpty() && !recorded.clusterName().equals(clusterName)) {
      return "dataDir " + dataDir + " holds data of cluster '" + recorded.clusterName() + "', and this node is configured for cluster '"
          + clusterName + "': fix clusterName, or use an empty dataDir to join '" + clusterName + "' as a new node";
    }
    long silentMs = nowMs - recorded.lastContactMs();
    if (recorded.lastContactMs() > 0 && silentMs > tombstoneGraceMs && !allowStaleRejoin) {
      return "node " + nodeId + " last heard from its cluster " + human(silentMs) + " ago, longer than tombstoneGraceMs ("
          + human(tombstoneGraceMs) + "): its data may bring back keys deleted since. Wipe " + dataDir + " and start it with \"replaceNode\": \""
          + nodeId + "\" to rebuild it from its replicas; or, if the whole cluster was down that long, set \"allowStaleRejoin\": true once";
    }
    return null;
  }

  private static String human(long ms) {
    Duration d = Duration.ofMillis(ms);
    if (d.toDays() >= 2) {
      return d.toDays() + " days";
    }
    if (d.toHours() >= 2) {
      return d.toHours() + " hours";
    }
    if (d.toMinutes() >= 2) {
      return d.toMinutes() + " minutes";
    }
    return d.toSeconds() + " s";
  }
}
