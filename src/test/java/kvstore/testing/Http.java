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
    return send("POST", port, path, contentType, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Any method with any body and content type (none when {@code contentType} is null). */
  public static Reply send(String method, int port, String path, String contentType, byte[] body) {
    return send(method, port, path, contentType, body, java.util.Map.of());
  }

  /** As {@link #send(String, int, String, String, byte[])}, with these request headers too. */
  public static Reply send(String method, int port, String path, String contentType, byte[] body, java.util.Map<String, String> headers) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
      if (contentType != null) {
        b.header("content-type", contentType);
      }
      headers.forEach(b::header);
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A GET written by hand on a socket, for paths no URI class lets through (a malformed escape, say); the connection closes after it. */
  public static Reply rawGet(int port, String path) {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      String all = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int status = Integer.parseInt(all.substring(9, 12));
      int bodyAt = all.indexOf("\r\n\r\n");
      return new Reply(status, bodyAt < 0 ? "" : all.substring(bodyAt + 4));
    } catch (IOException e) {
      throw new IllegalStateException("GET " + path + " failed: " + e, e);
    }
  }

  /** A key as a path segment: its UTF-8 bytes percent-encoded, every byte outside A-Z a-z 0-9 - . _ ~. */
  public static String segment(String key) {
    StringBuilder b = new StringBuilder();
    for (byte x : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
        b.append(c);
      } else {
        b.append('%').append(String.format("%02X", x & 0xff));
      }
    }
    return b.toString();
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
