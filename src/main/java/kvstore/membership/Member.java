package kvstore.membership;

import io.vertx.core.json.JsonObject;

/**
 * One entry of the gossip digest. {@code generation} is set at each start of the node, so the
 * entries of a restarted node (heartbeat back at 0) still win over its old ones.
 */
public record Member(String nodeId, String grpcAddress, String gossipAddress, long heartbeat, long generation, Status status) {

  /** True when this entry carries newer news of the node than {@code other}. */
  public boolean supersedes(Member other) {
    return other == null || generation > other.generation
        || (generation == other.generation && heartbeat > other.heartbeat);
  }

  public Member withStatus(Status s) {
    return new Member(nodeId, grpcAddress, gossipAddress, heartbeat, generation, s);
  }

  public JsonObject toJson() {
    return new JsonObject().put("nodeId", nodeId).put("grpcAddress", grpcAddress).put("gossipAddress", gossipAddress)
        .put("status", status.name()).put("heartbeat", heartbeat).put("generation", generation);
  }

  /** Parses one digest entry; throws IllegalArgumentException naming the bad field. */
  public static Member fromJson(Object o) {
    if (!(o instanceof JsonObject j)) {
      throw new IllegalArgumentException("digest entry is not an object");
    }
    String id = string(j, "nodeId");
    String grpc = string(j, "grpcAddress");
    String gossip = string(j, "gossipAddress");
    long hb = number(j, "heartbeat");
    long gen = number(j, "generation");
    Status st;
    try {
      st = Status.valueOf(string(j, "status"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field 'status' must be UP, SUSPECT, DOWN or LEFT");
    }
    if (!validAddress(grpc) || !validAddress(gossip)) {
      throw new IllegalArgumentException("addresses must be host:port");
    }
    return new Member(id, grpc, gossip, hb, gen, st);
  }

  static boolean validAddress(String a) {
    int c = a.lastIndexOf(':');
    if (c <= 0) {
      return false;
    }
    try {
      int p = Integer.parseInt(a.substring(c + 1));
      return p > 0 && p < 65536;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String string(JsonObject j, String f) {
    Object v = j.getValue(f);
    if (!(v instanceof String s) || s.isEmpty() || s.length() > 256) {
      throw new IllegalArgumentException("field '" + f + "' must be a non-empty string");
    }
    return s;
  }

  private static long number(JsonObject j, String f) {
    Object v = j.getValue(f);
    if (!(v instanceof Number n) || n.longValue() < 0) {
      throw new IllegalArgumentException("field '" + f + "' must be a non-negative integer");
    }
    return n.longValue();
  }
}
