package kvstore.campaign;

import io.vertx.core.json.JsonObject;

/**
 * One client operation of a campaign's history, as Jepsen records them: what was asked, of which
 * node, at which consistency, when it was invoked and when it completed, and how it ended.
 * {@code value} is unique per write; a read's {@code value} is what it returned ({@code null}:
 * not found). Times are nanoseconds on the recording process's monotonic clock.
 *
 * @param outcome OK (acknowledged), FAIL (the status proves nothing was written) or INFO
 *                (indeterminate: it may or may not have taken effect, at any time after its invocation)
 */
public record Op(long id, int process, Type type, String key, String value, long ttlMs, String node, String consistency,
                 long invokeNs, long completeNs, Outcome outcome, String error) {
  public enum Type { PUT, DELETE, GET }

  public enum Outcome { OK, FAIL, INFO }

  public boolean write() {
    return type != Type.GET;
  }

  /** When an indeterminate write may still take effect: never known to be over. */
  public long effectiveCompleteNs() {
    return outcome == Outcome.INFO ? Long.MAX_VALUE : completeNs;
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("process", process).put("type", type.name()).put("key", key).put("value", value)
        .put("ttlMs", ttlMs).put("node", node).put("consistency", consistency).put("invokeNs", invokeNs).put("completeNs", completeNs)
        .put("outcome", outcome.name()).put("error", error);
  }

  public static Op fromJson(JsonObject j) {
    return new Op(j.getLong("id"), j.getInteger("process"), Type.valueOf(j.getString("type")), j.getString("key"), j.getString("value"),
        j.getLong("ttlMs", 0L), j.getString("node"), j.getString("consistency"), j.getLong("invokeNs"), j.getLong("completeNs"),
        Outcome.valueOf(j.getString("outcome")), j.getString("error"));
  }

  @Override
  public String toString() {
    return "#" + id + " p" + process + " " + type + " " + key + (value == null ? "" : "=" + value) + " via " + node + " at " + consistency
        + " [" + invokeNs / 1_000_000 + " ms .. " + completeNs / 1_000_000 + " ms] " + outcome + (error == null ? "" : " (" + error + ")");
  }
}
