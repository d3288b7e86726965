package kvstore.http;

import io.vertx.core.json.JsonObject;

/**
 * {@code /membership} as the Python prototype answered it: a map from node id to {@code addr} (the
 * client gRPC address) and {@code hb} (the heartbeat), which the prototype's HTTP gateway turns
 * into its node list and counts for its health (it shows every entry as UP, so only members judged
 * alive are in it); each entry also carries our status, ring state and peer address. The full view
 * (every member, phi, unconfirmed entries) is {@code /v1/membership}.
 */
final class PrototypeMembership {
  private PrototypeMembership() {
  }

  static JsonObject of(JsonObject full) {
    JsonObject out = new JsonObject();
    for (Object o : full.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      String status = n.getString("status");
      if ("DOWN".equals(status) || "LEFT".equals(status)) {
        continue;
      }
      out.put(n.getString("nodeId"), new JsonObject().put("addr", n.getString("grpcAddress")).put("hb", n.getLong("heartbeat"))
          .put("status", status).put("state", n.getString("state")).put("peer", n.getString("peerAddress")));
    }
    return out;
  }
}
