package kvstore.membership;

import io.vertx.core.json.JsonObject;

/**
 * What every member of one cluster must agree on, sent in every gossip digest: with another
 * replication factor or vnode count a node would compute other preference lists and acknowledge
 * writes the rest of the cluster cannot find.
 */
public record ClusterSettings(String name, int replicationFactor, int vnodes) {

  /** The first setting that differs, as "replicationFactor is 3 in this cluster and 1 on node4"; null when they agree. */
  public String difference(ClusterSettings other, String otherNode) {
    if (!name.equals(other.name)) {
      return "clusterName is '" + name + "' in this cluster and '" + other.name + "' on " + otherNode;
    }
    if (replicationFactor != other.replicationFactor) {
      return "replicationFactor is " + replicationFactor + " in this cluster and " + other.replicationFactor + " on " + otherNode;
    }
    if (vnodes != other.vnodes) {
      return "vnodes is " + vnodes + " in this cluster and " + other.vnodes + " on " + otherNode;
    }
    return null;
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("replicationFactor", replicationFactor).put("vnodes", vnodes);
  }

  /** Parses the digest's {@code cluster} field; throws IllegalArgumentException naming what is wrong. */
  public static ClusterSettings fromJson(Object o) {
    if (!(o instanceof JsonObject j)) {
      throw new IllegalArgumentException("field 'cluster' must be an object with name, replicationFactor and vnodes");
    }
    Object name = j.getValue("name");
    Object rf = j.getValue("replicationFactor");
    Object vnodes = j.getValue("vnodes");
    if (!(name instanceof String n) || !Member.NODE_ID.matcher(n).matches()) {
      throw new IllegalArgumentException("field 'cluster.name' must be 1..64 letters, digits, '.', '_' or '-'");
    }
    if (!(rf instanceof Integer r) || r < 1 || !(vnodes instanceof Integer v) || v < 1) {
      throw new IllegalArgumentException("fields 'cluster.replicationFactor' and 'cluster.vnodes' must be positive integers");
    }
    return new ClusterSettings(n, r, v);
  }
}
