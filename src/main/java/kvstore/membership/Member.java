package kvstore.membership;

import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/**
 * One entry of the gossip digest. {@code generation} is set at each start of the node, so the
 * entries of a restarted node (heartbeat back at 0) still win over its old ones. A member has three
 * addresses: the client gRPC port, the operators' HTTP port and the peer port (gossip and replica RPCs).
 * {@code status} is each node's own judgement of the member (UP, SUSPECT, DOWN) or LEFT; {@code state}
 * is the member's announced place in the ring (see {@link RingState}). {@code joined} is the
 * generation of the first run on the node's data directory (0 when unknown): a node that left the
 * cluster and comes back with a later one was wiped and joined again as a new node, even to a
 * member that was down the whole time it was JOINING; one that comes back with its old data has
 * one no later than the run that left.
 */
public record Member(String nodeId, String grpcAddress, String httpAddress, String peerAddress, long heartbeat,
                     long generation, Status status, RingState state, long joined) {
  /** The characters a node id may have; the config enforces the same, so ids are safe in log lines and metric tags. */
  public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:\\[\\]-]{1,253}");

  /** True when this entry carries newer news of the node than {@code other}. */
  public boolean supersedes(Member other) {
    return other == null || generation > other.generation
        || (generation == other.generation && heartbeat > other.heartbeat);
  }

  public boolean sameAddresses(Member other) {
    return grpcAddress.equals(other.grpcAddress) && httpAddress.equals(other.httpAddress) && peerAddress.equals(other.peerAddress);
  }

  public Member(String nodeId, String grpcAddress, String httpAddress, String peerAddress, long heartbeat, long generation,
                Status status) {
    this(nodeId, grpcAddress, httpAddress, peerAddress, heartbeat, generation, status, RingState.NORMAL);
  }

  public Member(String nodeId, String grpcAddress, String httpAddress, String peerAddress, long heartbeat, long generation,
                Status status, RingState state) {
    this(nodeId, grpcAddress, httpAddress, peerAddress, heartbeat, generation, status, state, 0);
  }

  /** True when this entry is the node that left as {@code left} wiped and joined again since (see {@code joined}). */
  public boolean joinedAgainSince(Member left) {
    return joined > left.generation;
  }

  public Member withStatus(Status s) {
    return new Member(nodeId, grpcAddress, httpAddress, peerAddress, heartbeat, generation, s, state, joined);
  }

  public Member withState(RingState s) {
    return new Member(nodeId, grpcAddress, httpAddress, peerAddress, heartbeat, generation, status, s, joined);
  }

  public Member withHeartbeat(long hb) {
    return new Member(nodeId, grpcAddress, httpAddress, peerAddress, hb, generation, status, state, joined);
  }

  public JsonObject toJson() {
    return new JsonObject().put("nodeId", nodeId).put("grpcAddress", grpcAddress).put("httpAddress", httpAddress)
        .put("peerAddress", peerAddress).put("status", status.name()).put("state", state.name()).put("heartbeat", heartbeat).put("generation", generation).put("joined", joined);
  }

  /** Parses one digest entry; throws IllegalArgumentException naming the bad field (never quoting it). */
  public static Member fromJson(Object o) {
    if (!(o instanceof JsonObject j)) {
      throw new IllegalArgumentException("digest entry is not an object");
    }
    String id = string(j, "nodeId");
    if (!NODE_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("field 'nodeId' must be 1..64 letters, digits, '.', '_' or '-'");
    }
    String grpc = address(j, "grpcAddress");
    String http = address(j, "httpAddress");
    String peer = address(j, "peerAddress");
    long hb = number(j, "heartbeat");
    long gen = number(j, "generation");
    // absent from nodes of earlier versions
    long joined = j.getValue("joined") == null ? 0 : number(j, "joined");
    if (joined > gen) {
      throw new IllegalArgumentException("field 'joined' must not be above field 'generation'");
    }
    Status st;
    try {
      st = Status.valueOf(string(j, "status"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field 'status' must be UP, SUSPECT, DOWN or LEFT");
    }
    RingState state = RingState.NORMAL;
    if (j.getValue("state") != null) {
      try {
        state = RingState.valueOf(string(j, "state"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("field 'state' must be REPLACING, JOINING, NORMAL or LEAVING");
      }
    }
    return new Member(id, grpc, http, peer, hb, gen, st, state, joined);
  }

  /** host:port with a port 1..65535 and a host of name or address characters only. */
  public static boolean validAddress(String a) {
    int c = a.lastIndexOf(':');
    if (c <= 0 || !HOST.matcher(a.substring(0, c)).matches()) {
      return false;
    }
    try {
      int p = Integer.parseInt(a.substring(c + 1));
      return p > 0 && p < 65536;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String address(JsonObject j, String f) {
    String a = string(j, f);
    if (!validAddress(a)) {
      throw new IllegalArgumentException("field '" + f + "' must be host:port");
    }
    return a;
  }

  private static String string(JsonObject j, String f) {
    Object v = j.getValue(f);
    if (!(v instanceof String s) || s.isEmpty() || s.length() > 256) {
      throw new IllegalArgumentException("field '" + f + "' must be a non-empty string of at most 256 characters");
    }
    return s;
  }

  private static long number(JsonObject j, String f) {
    Object v = j.getValue(f);
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 0) {
      throw new IllegalArgumentException("field '" + f + "' must be a non-negative integer");
    }
    return n.longValue();
  }
}
