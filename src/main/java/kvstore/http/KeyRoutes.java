package kvstore.http;

import com.google.protobuf.ByteString;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import kvstore.metrics.NodeMetrics;
import kvstore.security.ByteBudget;
import kv.Kv;
import kvstore.api.KeyValueApi;
import kvstore.log.EventLog;
import kvstore.version.Versions;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP/JSON key API: {@code GET/PUT/DELETE /v1/kv/{key}} and {@code POST /v1/mget}, through
 * the same {@link KeyValueApi} as gRPC, so limits, versions and errors are the client API's. Keys
 * are percent-encoded UTF-8 in the path (any key the gRPC API takes, "/" included as %2F).
 */
final class KeyRoutes {
  static final String KV = "/v1/kv/";

  private final KeyValueApi api;
  private final String nodeId;
  private final long bodyLimit;
  private final BodyBudget budget;
  private final EventLog log;

  KeyRoutes(KeyValueApi api, String nodeId, int maxValueBytes, ByteBudget requestBytes, NodeMetrics metrics, EventLog log) {
    this.api = api;
    this.nodeId = nodeId;
    // a JSON body escapes its value; twice the value limit leaves room, and the value limit itself is checked after
    this.bodyLimit = 2L * maxValueBytes + 64 * 1024;
    this.log = log;
    this.budget = new BodyBudget(requestBytes, bodyLimit, metrics, log);
  }

  void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(bodyLimit);
    router.get(KV + "*").handler(this::get);
    router.put(KV + "*").handler(budget).handler(body).handler(budget.arrived()).handler(this::put);
    router.delete(KV + "*").handler(this::delete);
    router.post("/v1/mget").handler(budget).handler(body).handler(budget.arrived()).handler(this::multiGet);
    router.route("/v1/*").failureHandler(ctx -> {
      if (ctx.statusCode() == 413) {
        JsonAnswers.error(ctx, 413, "request body is larger than " + bodyLimit + " bytes (2 x maxValueBytes + 64 KiB)");
      } else if (ctx.failure() != null) {
        JsonAnswers.failure(ctx, ctx.failure(), ctx.request().method() + " " + KV, log);
      } else {
        JsonAnswers.error(ctx, ctx.statusCode(), "HTTP " + ctx.statusCode());
      }
    });
  }

  /** The key in the request's path, percent-decoded; null (and a 400 sent) when it cannot be. */
  private static String key(RoutingContext ctx) {
    String raw = ctx.request().path().substring(KV.length());
    try {
      return decode(raw);
    } catch (IllegalArgumentException e) {
      JsonAnswers.error(ctx, 400, e.getMessage());
      return null;
    }
  }

  /** Strict percent-decoding of a path segment into UTF-8 ('+' is a plus sign in a path). */
  static String decode(String raw) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0 || Character.digit(raw.charAt(i + 2), 16) < 0) {
          throw new IllegalArgumentException("the key in the path has a '%' not followed by two hex digits");
        }
        bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
        i += 2;
      } else {
        // a run of plain characters at once, so a surrogate pair is encoded as the one code point it is
        int end = raw.indexOf('%', i);
        end = end < 0 ? raw.length() : end;
        byte[] utf8 = raw.substring(i, end).getBytes(StandardCharsets.UTF_8);
        bytes.write(utf8, 0, utf8.length);
        i = end - 1;
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the key in the path is not valid UTF-8 once percent-decoded");
    }
  }

  /** ?consistency=ONE|QUORUM|ALL|SERIAL; DEFAULT (the node's setting) when absent; null (and a 400 sent) when it is none of them. */
  static Kv.Consistency consistency(RoutingContext ctx, String given) {
    if (given == null || given.isEmpty()) {
      return Kv.Consistency.DEFAULT;
    }
    switch (given.toUpperCase(java.util.Locale.ROOT)) {
      case "ONE":
        return Kv.Consistency.ONE;
      case "QUORUM":
        return Kv.Consistency.QUORUM;
      case "ALL":
        return Kv.Consistency.ALL;
      case "SERIAL":
        return Kv.Consistency.SERIAL;
      default:
        JsonAnswers.error(ctx, 400, "consistency must be ONE, QUORUM, ALL or SERIAL (reads), got " + EventLog.quote(given));
        return null;
    }
  }

  /**
   * ?timestampUs=: the client's stamp for a write, microseconds since the epoch (0 when absent: the
   * coordinator stamps it); null (and a 400 sent) when it is not a number.
   */
  static Long timestampUs(RoutingContext ctx) {
    String given = ctx.request().getParam("timestampUs");
    if (given == null || given.isEmpty()) {
      return 0L;
    }
    try {
      return Long.parseLong(given);
    } catch (NumberFormatException e) {
      JsonAnswers.error(ctx, 400, "timestampUs must be microseconds since the epoch, got " + EventLog.quote(given));
      return null;
    }
  }

  private void get(RoutingContext ctx) {
    String key = key(ctx);
    Kv.Consistency c = key == null ? null : consistency(ctx, ctx.request().getParam("consistency"));
    if (c == null) {
      return;
    }
    api.get(Kv.GetRequest.newBuilder().setKey(key).setConsistency(c).build()).onComplete(ar -> {
      if (ar.failed()) {
        JsonAnswers.failure(ctx, ar.cause(), "GET " + KV, log);
      } else if (!ar.result().getFound()) {
        JsonAnswers.ok(ctx, 404, new JsonObject().put("key", key).put("error", "not found").put("coordinator", ar.result().getOwnId()));
      } else {
        Kv.GetResponse r = ar.result();
        ctx.response().putHeader("ETag", "\"" + r.getModifiedAt() + "\"");
        JsonObject j = new JsonObject().put("key", key).put("value", r.getValue()).put("version", r.getModifiedAt());
        if (r.getExpiresAt() != 0) {
          j.put("expiresAt", r.getExpiresAt());
        }
        JsonAnswers.ok(ctx, 200, j.put("coordinator", r.getOwnId()));
      }
    });
  }

  private void put(RoutingContext ctx) {
    String key = key(ctx);
    Kv.Consistency c = key == null ? null : consistency(ctx, ctx.request().getParam("consistency"));
    if (c == null) {
      return;
    }
    Kv.PutRequest.Builder req = Kv.PutRequest.newBuilder().setKey(key).setConsistency(c);
    Long stamp = timestampUs(ctx);
    if (stamp == null) {
      return;
    }
    req.setTimestampUs(stamp);
    Buffer body = ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    String type = ctx.request().getHeader("content-type");
    try {
      if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
        JsonObject j;
        try {
          j = new JsonObject(body);
        } catch (DecodeException | ClassCastException e) {
          throw new IllegalArgumentException("the body is not a JSON object: send {\"value\": \"...\", \"ttlMs\": 60000} or a plain value");
        }
        if (!(j.getValue("value") instanceof String value)) {
          throw new IllegalArgumentException("the JSON body needs \"value\", a string");
        }
        req.setValue(value);
        Object ttl = j.getValue("ttlMs");
        if (ttl != null) {
          if (!(ttl instanceof Integer || ttl instanceof Long)) {
            throw new IllegalArgumentException("\"ttlMs\" must be an integer number of milliseconds");
          }
          req.setTtlMs(((Number) ttl).longValue());
        }
      } else {
        ByteString value = ByteString.copyFrom(body.getBytes());
        if (!value.isValidUtf8()) {
          // values are strings in the client API: the gRPC answer could not carry these bytes
          throw new IllegalArgumentException("value is not valid UTF-8");
        }
        req.setValueBytes(value);
        String ttl = ctx.request().getParam("ttlMs");
        if (ttl != null) {
          try {
            req.setTtlMs(Long.parseLong(ttl));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ttlMs must be an integer number of milliseconds, got " + EventLog.quote(ttl));
          }
        }
      }
    } catch (IllegalArgumentException e) {
      JsonAnswers.error(ctx, 400, e.getMessage());
      return;
    }
    long ttlMs = req.getTtlMs();
    if (answeredConditionally(ctx, key, cas -> cas.setValueBytes(req.getValueBytes()).setTtlMs(req.getTtlMs()))) {
      return;
    }
    api.putVersion(req.build()).onComplete(ar -> {
      if (ar.failed()) {
        JsonAnswers.failure(ctx, ar.cause(), "PUT " + KV, log);
        return;
      }
      JsonObject j = new JsonObject().put("key", key).put("version", Versions.toMillis(ar.result()));
      if (ttlMs > 0) {
        j.put("ttlMs", ttlMs);
      }
      JsonAnswers.ok(ctx, 200, j.put("coordinator", nodeId));
    });
  }

  private void delete(RoutingContext ctx) {
    String key = key(ctx);
    Kv.Consistency c = key == null ? null : consistency(ctx, ctx.request().getParam("consistency"));
    if (c == null) {
      return;
    }
    Long stamp = c == null ? null : timestampUs(ctx);
    if (stamp == null) {
      return;
    }
    if (answeredConditionally(ctx, key, cas -> cas.setDelete(true))) {
      return;
    }
    api.deleteVersion(Kv.DeleteRequest.newBuilder().setKey(key).setConsistency(c).setTimestampUs(stamp).build()).onComplete(ar -> {
      if (ar.failed()) {
        JsonAnswers.failure(ctx, ar.cause(), "DELETE " + KV, log);
      } else {
        JsonAnswers.ok(ctx, 200, new JsonObject().put("key", key).put("deleted", true).put("version", Versions.toMillis(ar.result()))
            .put("coordinator", nodeId));
      }
    });
  }

  /**
   * {@code If-None-Match: *} (only if absent) or {@code If-Match: <version>} (only if the current
   * version, as GET's ETag and "version" give it, is this one) make a write a compare-and-set; null
   * without either. Throws naming what is wrong with them.
   */
  static Kv.CasRequest.Builder precondition(RoutingContext ctx) {
    String none = ctx.request().getHeader("If-None-Match");
    String match = ctx.request().getHeader("If-Match");
    if (none == null && match == null) {
      return null;
    }
    if (none != null && match != null) {
      throw new IllegalArgumentException("send If-Match or If-None-Match, not both");
    }
    if (none != null) {
      if (!none.trim().equals("*")) {
        throw new IllegalArgumentException("If-None-Match takes only * (write only if the key is absent), got " + EventLog.quote(none));
      }
      return Kv.CasRequest.newBuilder().setExpectAbsent(true);
    }
    String tag = match.trim();
    if (tag.startsWith("W/")) {
      tag = tag.substring(2);
    }
    if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
      tag = tag.substring(1, tag.length() - 1);
    }
    try {
      long version = Long.parseLong(tag);
      if (version <= 0) {
        throw new NumberFormatException();
      }
      return Kv.CasRequest.newBuilder().setExpectModifiedAt(version);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("If-Match takes one version, as GET's ETag gives it (\"1765000000000\"), got " + EventLog.quote(match));
    }
  }

  /**
   * True when the write carried If-Match or If-None-Match and was answered here: 400 for a bad
   * header, else as a compare-and-set ({@code write} adds the value or the delete).
   */
  private boolean answeredConditionally(RoutingContext ctx, String key, java.util.function.UnaryOperator<Kv.CasRequest.Builder> write) {
    Kv.CasRequest.Builder cas;
    try {
      cas = precondition(ctx);
    } catch (IllegalArgumentException e) {
      JsonAnswers.error(ctx, 400, e.getMessage());
      return true;
    }
    if (cas == null) {
      return false;
    }
    conditional(ctx, key, write.apply(cas));
    return true;
  }

  /** A conditional PUT or DELETE: 200 when it applied, 412 with the key's current state when its condition failed. */
  private void conditional(RoutingContext ctx, String key, Kv.CasRequest.Builder cas) {
    api.compareAndSet(cas.setKey(key).build()).onComplete(ar -> {
      if (ar.failed()) {
        JsonAnswers.failure(ctx, ar.cause(), ctx.request().method() + " " + KV + " (conditional)", log);
        return;
      }
      Kv.CasResponse r = ar.result();
      JsonObject j = new JsonObject().put("key", key).put("applied", r.getApplied());
      if (r.getModifiedAt() > 0) {
        j.put("version", r.getModifiedAt());
        ctx.response().putHeader("ETag", "\"" + r.getModifiedAt() + "\"");
      }
      if (r.getApplied()) {
        JsonAnswers.ok(ctx, 200, j.put("deleted", cas.getDelete()).put("coordinator", nodeId));
        return;
      }
      j.put("found", r.getFound());
      if (r.getFound()) {
        j.put("value", r.getValue());
      }
      JsonAnswers.ok(ctx, 412, j.put("error", r.getMessage()).put("coordinator", nodeId));
    });
  }

  private void multiGet(RoutingContext ctx) {
    JsonObject j;
    try {
      j = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      j = null;
    }
    if (j == null || !(j.getValue("keys") instanceof JsonArray keys) || !keys.stream().allMatch(k -> k instanceof String)) {
      JsonAnswers.error(ctx, 400, "the body must be a JSON object with \"keys\", an array of strings, and optionally \"consistency\"");
      return;
    }
    Object given = j.getValue("consistency");
    Kv.Consistency c = consistency(ctx, given == null ? null : String.valueOf(given));
    if (c == null) {
      return;
    }
    Kv.MultiGetRequest.Builder req = Kv.MultiGetRequest.newBuilder().setConsistency(c);
    keys.forEach(k -> req.addKeys((String) k));
    api.multiGet(req.build()).onComplete(ar -> {
      if (ar.failed()) {
        JsonAnswers.failure(ctx, ar.cause(), "POST /v1/mget", log);
        return;
      }
      JsonArray results = new JsonArray();
      for (Kv.KeyResult k : ar.result().getResultsList()) {
        JsonObject r = new JsonObject().put("key", k.getKey());
        if (k.getStatus() != 0) {
          r.put("status", JsonAnswers.httpStatus(io.vertx.grpc.common.GrpcStatus.valueOf(k.getStatus()))).put("error", k.getError());
        } else if (k.getFound()) {
          r.put("found", true).put("value", k.getValue()).put("version", k.getModifiedAt());
          if (k.getExpiresAt() != 0) {
            r.put("expiresAt", k.getExpiresAt());
          }
        } else {
          r.put("found", false);
        }
        results.add(r);
      }
      JsonAnswers.ok(ctx, 200, new JsonObject().put("results", results).put("coordinator", ar.result().getOwnId()));
    });
  }
}
