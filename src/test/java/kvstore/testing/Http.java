package kvstore.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/** Blocking HTTP calls to a node's gossip port. */
public final class Http {
  private Http() {
  }

  public record Reply(int status, String body) {
  }

  public static JsonObject getJson(Vertx vertx, int port, String path) {
    return getJson(vertx, "127.0.0.1", port, path);
  }

  public static JsonObject getJson(Vertx vertx, String host, int port, String path) {
    Reply r = call(vertx, HttpMethod.GET, host, port, path, null);
    if (r.status() != 200) {
      throw new IllegalStateException("GET " + path + " answered " + r.status());
    }
    return new JsonObject(r.body());
  }

  public static Reply call(Vertx vertx, HttpMethod method, int port, String path, Buffer body) {
    return call(vertx, method, "127.0.0.1", port, path, body);
  }

  public static Reply call(Vertx vertx, HttpMethod method, String host, int port, String path, Buffer body) {
    var client = vertx.createHttpClient();
    try {
      return client.request(new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(path).setTimeout(5000).setConnectTimeout(2000))
          .compose(req -> body == null ? req.send() : req.putHeader("content-type", "application/json").send(body))
          .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), b.toString())))
          .await();
    } finally {
      client.close();
    }
  }
}
