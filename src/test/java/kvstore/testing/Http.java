package kvstore.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Blocking HTTP calls to a node's HTTP or (insecure) peer port, through the JDK client with hard timeouts, so a
 * test's polling never depends on the system under test's own HTTP stack to give up.
 */
public final class Http {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .version(HttpClient.Version.HTTP_1_1).build();

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

  /** A POST with the given content type, to see what the node makes of it. */
  public static Reply post(int port, String path, String contentType, String body) {
    try {
      HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(5)).header("content-type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException("POST " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code vertx} is unused: kept so callers read alike; the JDK client does the call. */
  public static Reply call(Vertx vertx, HttpMethod method, String host, int port, String path, Buffer body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path)).timeout(Duration.ofSeconds(5));
    if (body == null) {
      b.method(method.name(), HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("content-type", "application/json").method(method.name(), HttpRequest.BodyPublishers.ofByteArray(body.getBytes()));
    }
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
