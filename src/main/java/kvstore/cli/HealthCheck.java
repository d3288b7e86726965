package kvstore.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * {@code java -jar node.jar health [host:httpPort]}: exit 0 when the node's /healthz answers 200,
 * 1 when it does not, 2 on a bad argument. It is Docker's HEALTHCHECK, so it defaults to the
 * container's own KV_HOST and KV_HTTP_PORT and stays a plain HTTP call (no Vert.x to start).
 */
final class HealthCheck {
  static final String USAGE = "usage: java -jar node.jar health [host:httpPort]   (default $KV_HOST:$KV_HTTP_PORT, else 127.0.0.1:8001)";

  private HealthCheck() {
  }

  static int run(String[] args) {
    return run(args, System.getenv());
  }

  static int run(String[] args, Map<String, String> env) {
    if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
      System.out.println(USAGE + "\nexit 0 when the node's /healthz answers 200, 1 when it does not, 2 on a bad argument");
      return 0;
    }
    if (args.length > 1) {
      System.err.println("health takes at most one argument, got " + args.length + "\n" + USAGE);
      return 2;
    }
    String target = args.length == 1 ? args[0] : env.getOrDefault("KV_HOST", "127.0.0.1") + ":" + env.getOrDefault("KV_HTTP_PORT", "8001");
    URI uri;
    try {
      uri = URI.create("http://" + target + "/healthz");
      if (uri.getHost() == null || uri.getPort() < 1 || !uri.getRawPath().equals("/healthz")) {
        throw new IllegalArgumentException("not host:port");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("'" + target + "' is not host:port\n" + USAGE);
      return 2;
    }
    try {
      HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()
          .send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return 0;
      }
      System.err.println(target + "/healthz answered HTTP " + r.statusCode() + ": " + r.body());
    } catch (Exception e) {
      System.err.println(target + "/healthz unreachable: " + e);
    }
    return 1;
  }
}
